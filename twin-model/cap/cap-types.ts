/**
 * Types of a Common Alerting Protocol 1.2 message (OASIS Standard, 1 July 2010,
 * http://docs.oasis-open.org/emergency/cap/v1.2/CAP-v1.2-os.html), section 3.2 "Data
 * dictionary": an `alert` with `info` blocks, each with `resource`s and `area`s.
 *
 * Names follow the specification's elements. Where an element may repeat, the field is an array
 * named in the plural (`infos`, `categories`, `polygons`); where it is a whitespace-separated list
 * (`addresses`, `references`, `incidents`) it is parsed into an array. Date-times stay in the
 * CAP form (`2003-06-17T14:57:00-07:00`, §3.3.2) so a message round-trips unchanged;
 * `capTimeToMs` reads them. Coordinates are WGS 84 numbers in CAP's order: latitude first.
 */

/** The XML namespace of CAP 1.2. */
export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';

/** MQTT topic on which published alerts go out as CAP XML. */
export const CAP_ALERTS_TOPIC = 'citytwin/v1/alerts/cap';

/** Media type of a CAP document (Atom links, HTTP `Content-Type`). */
export const CAP_MEDIA_TYPE = 'application/cap+xml';

// §3.2.1 <status>
export const CAP_STATUSES = ['Actual', 'Exercise', 'System', 'Test', 'Draft'] as const;
export type CapStatus = (typeof CAP_STATUSES)[number];

// §3.2.1 <msgType>
export const CAP_MSG_TYPES = ['Alert', 'Update', 'Cancel', 'Ack', 'Error'] as const;
export type CapMsgType = (typeof CAP_MSG_TYPES)[number];

// §3.2.1 <scope>
export const CAP_SCOPES = ['Public', 'Restricted', 'Private'] as const;
export type CapScope = (typeof CAP_SCOPES)[number];

// §3.2.2 <category>
export const CAP_CATEGORIES = [
  'Geo',
  'Met',
  'Safety',
  'Security',
  'Rescue',
  'Fire',
  'Health',
  'Env',
  'Transport',
  'Infra',
  'CBRNE',
  'Other',
] as const;
export type CapCategory = (typeof CAP_CATEGORIES)[number];

// §3.2.2 <responseType>
export const CAP_RESPONSE_TYPES = ['Shelter', 'Evacuate', 'Prepare', 'Execute', 'Avoid', 'Monitor', 'Assess', 'AllClear', 'None'] as const;
export type CapResponseType = (typeof CAP_RESPONSE_TYPES)[number];

// §3.2.2 <urgency>
export const CAP_URGENCIES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
export type CapUrgency = (typeof CAP_URGENCIES)[number];

// §3.2.2 <severity>
export const CAP_SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
export type CapSeverity = (typeof CAP_SEVERITIES)[number];

// §3.2.2 <certainty>
export const CAP_CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;
export type CapCertainty = (typeof CAP_CERTAINTIES)[number];

/** `eventCode`, `parameter` and `geocode`: a system-specific name and its value. */
export interface CapValuePair {
  valueName: string;
  value: string;
}

/** An earlier message, referenced as CAP's "sender,identifier,sent" triple (§3.2.1 <references>). */
export interface CapReference {
  sender: string;
  identifier: string;
  sent: string;
}

/** A WGS 84 point, latitude first as CAP writes it. */
export interface CapPoint {
  lat: number;
  lon: number;
}

/** §3.2.4 <circle>: "lat,lon radius" with the radius in kilometres. */
export interface CapCircle {
  lat: number;
  lon: number;
  radiusKm: number;
}

/** §3.2.3 <resource> */
export interface CapResource {
  resourceDesc: string;
  mimeType: string;
  /** Bytes. */
  size?: number;
  uri?: string;
  /** The resource itself, base64. */
  derefUri?: string;
  /** SHA-1 of the resource. */
  digest?: string;
}

/** §3.2.4 <area> */
export interface CapArea {
  areaDesc: string;
  /** Each a closed ring of at least 4 points (first = last). */
  polygons: CapPoint[][];
  circles: CapCircle[];
  geocodes: CapValuePair[];
  /** Feet above mean sea level (§3.2.4). */
  altitude?: number;
  /** Feet; only with `altitude`. */
  ceiling?: number;
}

/** §3.2.2 <info> */
export interface CapInfo {
  /** RFC 3066 language tag; CAP's default when absent is `en-US`. */
  language?: string;
  categories: CapCategory[];
  event: string;
  responseTypes: CapResponseType[];
  urgency: CapUrgency;
  severity: CapSeverity;
  certainty: CapCertainty;
  audience?: string;
  eventCodes: CapValuePair[];
  effective?: string;
  onset?: string;
  expires?: string;
  senderName?: string;
  headline?: string;
  description?: string;
  instruction?: string;
  web?: string;
  contact?: string;
  parameters: CapValuePair[];
  resources: CapResource[];
  areas: CapArea[];
}

/** §3.2.1 <alert> */
export interface CapAlert {
  identifier: string;
  sender: string;
  sent: string;
  status: CapStatus;
  msgType: CapMsgType;
  source?: string;
  scope: CapScope;
  restriction?: string;
  addresses: string[];
  codes: string[];
  note?: string;
  references: CapReference[];
  incidents: string[];
  infos: CapInfo[];
}

/** The default of <language> (§3.2.2). */
export const CAP_DEFAULT_LANGUAGE = 'en-US';

/** The triple that references `alert` from a later message. */
export function capReferenceOf(alert: Pick<CapAlert, 'sender' | 'identifier' | 'sent'>): CapReference {
  return { sender: alert.sender, identifier: alert.identifier, sent: alert.sent };
}

/** `sender,identifier,sent` (§3.2.1 <references>). */
export function formatCapReference(ref: CapReference): string {
  return `${ref.sender},${ref.identifier},${ref.sent}`;
}

/** True when both name the same message. */
export function sameCapReference(a: CapReference, b: CapReference): boolean {
  return a.sender === b.sender && a.identifier === b.identifier && a.sent === b.sent;
}
