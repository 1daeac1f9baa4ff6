/**
 * The public-warning wire shapes (docs/cap.md), shared by the server (web/server/cap/) and the
 * console: the desk's records and the warning areas on the map. Types only: the console does
 * not carry the CAP XML parser.
 */

/** A record on the warning desk (twin-model/cap `CapRecord`) as the API gives it. */
export interface CapRecordView {
  identifier: string;
  state: 'draft' | 'approved' | 'rejected' | 'published' | 'superseded' | 'cancelled';
  msgType: 'Alert' | 'Update' | 'Cancel' | 'Ack' | 'Error';
  status: string;
  sent: string;
  /** The incident the alert was drafted from, or null. */
  incidentId: string | null;
  draftedBy: string;
  draftedAt: number;
  authors: string[];
  approvedBy: string | null;
  approvedAt: number | null;
  rejectedBy: string | null;
  rejectedAt: number | null;
  rejectReason: string | null;
  publishedBy: string | null;
  publishedAt: number | null;
  supersededBy: string | null;
  /** `sender,identifier,sent` of each message it follows (Update, Cancel). */
  references: string[];
  /** Per language (`zh-CN`, `en-US`): the texts people read. */
  texts: Array<{ language: string; event: string; headline: string | null; description: string | null; instruction: string | null }>;
  severity: string;
  urgency: string;
  certainty: string;
  expires: string | null;
  areaDesc: string;
  note: string | null;
  /** The alert as CAP 1.2 XML (what is approved is what is published). */
  xml: string;
}

/** One action on a record (its history). */
export interface CapHistoryEntry {
  at: number;
  actor: string;
  action: string;
  state: string;
}

/** An official warning in force, or one of CityTwin's own published alerts, as an area on the map. */
export interface WarningAreaView {
  key: string;
  sender: string;
  identifier: string;
  sent: string;
  msgType: string;
  status: string;
  /** Rainstorm, flood, typhoon … (twin-model/cap `WARNING_KINDS`). */
  kind: string;
  /** Signal colour (blue, yellow, orange, red) or null. */
  colour: string | null;
  severity: string;
  urgency: string;
  certainty: string;
  /** CityTwin's own alert (shown, never evidence). */
  own: boolean;
  active: boolean;
  effective: number;
  expires: number | null;
  senderName: string | null;
  texts: Array<{ language: string; event: string; headline?: string; areaDesc: string }>;
  /** Polygons as closed `[lng, lat]` rings. */
  rings: Array<Array<[number, number]>>;
  circles: Array<{ center: [number, number]; radiusM: number }>;
  bbox: [number, number, number, number] | null;
}
