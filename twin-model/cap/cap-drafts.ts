/**
 * CAP alerts drafted from incidents, and the updates and cancels that follow them.
 *
 * `capDraftFromIncident` turns an incident into a valid CAP 1.2 alert with one `info` per
 * language (zh-CN, then en-US): event, categories and response from the incident type
 * (`CAP_INCIDENT_PROFILES`), urgency, severity and certainty from the incident's severity and
 * confidence (`capUrgencyOf`, `capSeverityOf`, `capCertaintyOf`), the area as a circle around
 * the incident (its affected radius, else the type's default) or the incident's affected-area
 * polygon, and instructions per type in both languages. `capUpdate` and `capCancel` reference
 * the original. Time comes in (`at`); nothing here reads a clock.
 */
import type { District, LngLat, PolygonRings } from '../city/city-types.ts';
import type { IncidentType } from '../vocabulary.ts';
import { formatCapTime } from './cap-time.ts';
import {
  capReferenceOf,
  sameCapReference,
  type CapAlert,
  type CapArea,
  type CapCategory,
  type CapCertainty,
  type CapInfo,
  type CapPoint,
  type CapReference,
  type CapResponseType,
  type CapScope,
  type CapSeverity,
  type CapStatus,
  type CapUrgency,
} from './cap-types.ts';
import { CapValidationError, validateCapAlert } from './cap-validate.ts';

/** The languages of a drafted alert, in the order of its `info` blocks. */
export const CAP_DRAFT_LANGUAGES = ['zh-CN', 'en-US'] as const;
export type CapDraftLanguage = (typeof CAP_DRAFT_LANGUAGES)[number];

/** `eventCode` name under which a drafted alert carries its CityTwin incident type. */
export const CITYTWIN_INCIDENT_TYPE_CODE = 'citytwin:incident-type';

type Bilingual = { zh: string; en: string };

/** How an incident type becomes a public warning. */
export interface CapIncidentProfile {
  event: Bilingual;
  categories: CapCategory[];
  responseTypes: CapResponseType[];
  instruction: Bilingual;
  /** Radius of the warned area around the incident when the incident gives none. */
  defaultRadiusM: number;
  /** How long the alert stays in force unless updated or cancelled. */
  validityH: number;
}

/** Per incident type (documented in docs/cap.md). */
export const CAP_INCIDENT_PROFILES: Readonly<Record<IncidentType, CapIncidentProfile>> = {
  waterlogging: {
    event: { zh: '道路积水', en: 'Road waterlogging' },
    // CAP 1.2 §3.2.2: "Met - Meteorological (inc. flood)"; the roads make it a transport matter too.
    categories: ['Met', 'Transport'],
    responseTypes: ['Avoid'],
    instruction: {
      zh: '请勿涉水通行积水路段和下穿通道，车辆绕行；行人远离井盖和排水口，听从现场人员指挥。',
      en: 'Do not walk or drive through flooded streets or underpasses; take another route, keep away from manholes and drains, and follow the directions of staff on site.',
    },
    defaultRadiusM: 500,
    validityH: 3,
  },
  traffic_accident: {
    event: { zh: '交通事故', en: 'Traffic accident' },
    categories: ['Transport'],
    responseTypes: ['Avoid'],
    instruction: {
      zh: '前方道路发生交通事故，请减速慢行或绕行，为救援车辆让出通道。',
      en: 'A traffic accident blocks the road: slow down or take another route, and keep a lane free for emergency vehicles.',
    },
    defaultRadiusM: 1000,
    validityH: 2,
  },
  fire: {
    event: { zh: '火灾', en: 'Fire' },
    categories: ['Fire'],
    responseTypes: ['Avoid'],
    instruction: {
      zh: '附近发生火灾，请远离现场，关闭门窗，避免吸入烟雾，听从消防人员指挥。',
      en: "A fire is burning nearby: keep away, close windows and doors, avoid the smoke, and follow the fire service's directions.",
    },
    defaultRadiusM: 1000,
    validityH: 3,
  },
  power_outage: {
    event: { zh: '停电', en: 'Power outage' },
    categories: ['Infra'],
    responseTypes: ['Prepare'],
    instruction: {
      zh: '区域停电，请远离倒伏电线，关闭电器；依赖医疗设备的居民请联系医疗机构。',
      en: 'Power is out in the area: keep away from fallen lines and switch off appliances; if you depend on medical equipment, contact your care provider.',
    },
    defaultRadiusM: 2000,
    validityH: 6,
  },
  heat_stress: {
    event: { zh: '高温', en: 'Heat' },
    categories: ['Met', 'Health'],
    responseTypes: ['Prepare'],
    instruction: {
      zh: '高温天气，请避免午后户外活动，多补充水分，关照老人和儿童。',
      en: 'Heat: avoid outdoor activity in the afternoon, drink water often, and look after older people and children.',
    },
    defaultRadiusM: 5000,
    validityH: 24,
  },
  crowd: {
    event: { zh: '人员密集', en: 'Crowding' },
    categories: ['Safety'],
    responseTypes: ['Avoid'],
    instruction: {
      zh: '该区域人员密集，请暂勿前往；现场人员请听从指挥，有序离开。',
      en: 'The area is crowded: do not go there for now; if you are there, follow the stewards and leave in an orderly way.',
    },
    defaultRadiusM: 500,
    validityH: 2,
  },
  service_surge: {
    event: { zh: '服务大厅排队', en: 'Service hall queues' },
    categories: ['Other'],
    responseTypes: ['Monitor'],
    instruction: {
      zh: '政务服务大厅排队人数较多，建议错峰办理或使用网上办事大厅。',
      en: 'Long queues at the service hall: come at another time or use the online service.',
    },
    defaultRadiusM: 300,
    validityH: 2,
  },
};

/**
 * CAP severity of an incident severity (1–5): 5 Extreme, 4 Severe, 3 Moderate, 1–2 Minor.
 * @throws RangeError for a severity that is not 1–5.
 */
export function capSeverityOf(severity: number): CapSeverity {
  if (!Number.isFinite(severity) || severity < 1 || severity > 5) {
    throw new RangeError(`incident severity ${severity} is not a number from 1 to 5`);
  }
  const s = Math.round(severity);
  return s >= 5 ? 'Extreme' : s === 4 ? 'Severe' : s === 3 ? 'Moderate' : 'Minor';
}

/** CAP urgency: an incident is under way, so Immediate from severity 3 up, Expected below. */
export function capUrgencyOf(severity: number): CapUrgency {
  return Math.round(severity) >= 3 ? 'Immediate' : 'Expected';
}

/**
 * CAP certainty of an incident confidence (0–1): ≥ 0.9 Observed, ≥ 0.6 Likely ("p > ~50%"),
 * ≥ 0.3 Possible, below Unlikely.
 * @throws RangeError for a confidence outside 0–1.
 */
export function capCertaintyOf(confidence: number): CapCertainty {
  if (!Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
    throw new RangeError(`incident confidence ${confidence} is not a number from 0 to 1`);
  }
  return confidence >= 0.9 ? 'Observed' : confidence >= 0.6 ? 'Likely' : confidence >= 0.3 ? 'Possible' : 'Unlikely';
}

/** What a draft needs of an incident (the twin's `Incident` has these), plus its affected area when known. */
export interface CapIncident {
  id: string;
  type: IncidentType;
  lng: number;
  lat: number;
  /** 1–5. */
  severity: number;
  /** 0–1. */
  confidence: number;
  openedAt: number;
  district?: string | null;
  /** Radius of the affected area around the incident, in metres. */
  affectedRadiusM?: number;
  /** The affected area as a GeoJSON-style polygon ([lng, lat], outer ring first; holes are not sent). */
  affectedArea?: PolygonRings;
}

/** What a draft needs of the city (a `CityModel` has these). */
export interface CapCity {
  id?: string;
  name?: Bilingual;
  /** IANA time zone; `sent` and the other times carry its offset. Default `Asia/Shanghai`. */
  timezone?: string;
  districts?: ReadonlyArray<Pick<District, 'code' | 'nameZh' | 'nameEn'>>;
}

/** The identity of a new message: its identifier and its `sent` time. */
export interface CapStamp {
  identifier: string;
  sent: string;
}

export interface CapDraftOptions {
  /** The sender identifier of the platform, e.g. `cap@citytwin.wuhan.example` (no spaces, commas, < or &). */
  sender: string;
  /** Time of drafting, epoch ms: the alert's `sent`. */
  at: number;
  /** Default `capStamp(city, incident.id, at).identifier`. */
  identifier?: string;
  /** Default `Actual`; `Exercise` for drills. */
  status?: CapStatus;
  /** Default `Public`. */
  scope?: CapScope;
  restriction?: string;
  addresses?: string[];
  /** Default `at` + the type's validity (`CAP_INCIDENT_PROFILES`). */
  expiresAt?: number;
  /** Default "<city> city operations centre" in each language. */
  senderName?: Bilingual;
  /** The place as people know it; default the incident's district. */
  place?: Bilingual;
  web?: string;
  contact?: string;
  urgency?: CapUrgency;
  severity?: CapSeverity;
  certainty?: CapCertainty;
}

const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/** Identifier characters CAP allows (§3.2.1), with anything else turned into `-`. */
function identifierPart(value: string): string {
  return value.replace(/[\s,<&"]+/g, '-');
}

/**
 * A fresh identity for a message about `key` (an incident id) sent at `at`:
 * identifier `<city>-<key>-<UTC yyyymmddThhmmss>` and `sent` in the city's offset.
 */
export function capStamp(city: CapCity, key: string, at: number): CapStamp {
  const sent = formatCapTime(at, city.timezone ?? DEFAULT_TIME_ZONE);
  const utc = new Date(Math.floor(at / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace('.000Z', '');
  return { identifier: identifierPart(`${city.id ?? 'city'}-${key}-${utc}`), sent };
}

function placeOf(incident: CapIncident, city: CapCity, options: CapDraftOptions): Bilingual {
  if (options.place) return options.place;
  const district = incident.district ? city.districts?.find((d) => d.code === incident.district) : undefined;
  if (district) return { zh: district.nameZh, en: district.nameEn };
  const at = `${round(incident.lat, 5)}, ${round(incident.lng, 5)}`;
  return { zh: `（${at}）`, en: `(${at})` };
}

function ringToCap(ring: readonly LngLat[]): CapPoint[] {
  const points = ring.map(([lng, lat]) => ({ lat: round(lat, 5), lon: round(lng, 5) }));
  const first = points[0];
  const last = points[points.length - 1];
  if (first && last && (first.lat !== last.lat || first.lon !== last.lon)) points.push({ ...first });
  return points;
}

function areaOf(incident: CapIncident, profile: CapIncidentProfile, place: Bilingual): { zh: CapArea; en: CapArea } {
  const outer = incident.affectedArea?.[0];
  if (outer && outer.length > 0) {
    const polygon = ringToCap(outer);
    return {
      zh: { areaDesc: `${place.zh}受影响区域`, polygons: [polygon], circles: [], geocodes: [] },
      en: { areaDesc: `Affected area, ${place.en}`, polygons: [polygon], circles: [], geocodes: [] },
    };
  }
  const radiusM = incident.affectedRadiusM ?? profile.defaultRadiusM;
  if (!Number.isFinite(radiusM) || radiusM <= 0) {
    throw new RangeError(`affected radius ${radiusM} m is not a positive number of metres`);
  }
  const circle = { lat: round(incident.lat, 5), lon: round(incident.lng, 5), radiusKm: round(radiusM / 1000, 3) };
  return {
    zh: { areaDesc: `${place.zh}事发地点周边${Math.round(radiusM)}米`, polygons: [], circles: [circle], geocodes: [] },
    en: { areaDesc: `Within ${Math.round(radiusM)} m of the incident, ${place.en}`, polygons: [], circles: [circle], geocodes: [] },
  };
}

/**
 * A CAP 1.2 alert (msgType Alert) drafted from `incident`, with an `info` in zh-CN and en-US.
 * @throws CapValidationError when the result breaks a CAP rule (e.g. a sender with a space);
 *   RangeError for an incident severity, confidence or radius out of range or a bad time zone.
 */
export function capDraftFromIncident(incident: CapIncident, city: CapCity, options: CapDraftOptions): CapAlert {
  const profile = CAP_INCIDENT_PROFILES[incident.type];
  if (!profile)
    throw new RangeError(
      `incident type ${JSON.stringify(incident.type)} has no CAP profile; known: ${Object.keys(CAP_INCIDENT_PROFILES).join(', ')}`,
    );
  const timeZone = city.timezone ?? DEFAULT_TIME_ZONE;
  const stamp = capStamp(city, incident.id, options.at);
  const place = placeOf(incident, city, options);
  const area = areaOf(incident, profile, place);
  const onset = formatCapTime(incident.openedAt, timeZone);
  const expires = formatCapTime(options.expiresAt ?? options.at + profile.validityH * 3_600_000, timeZone);
  const clock = onset.slice(11, 16);
  const cityName = city.name ?? { zh: '本市', en: 'City' };
  const senderName = options.senderName ?? { zh: `${cityName.zh}城市运行指挥中心`, en: `${cityName.en} City Operations Centre` };
  const common = () => ({
    categories: [...profile.categories],
    responseTypes: [...profile.responseTypes],
    urgency: options.urgency ?? capUrgencyOf(incident.severity),
    severity: options.severity ?? capSeverityOf(incident.severity),
    certainty: options.certainty ?? capCertaintyOf(incident.confidence),
    eventCodes: [{ valueName: CITYTWIN_INCIDENT_TYPE_CODE, value: incident.type }],
    onset,
    expires,
    parameters: [],
    resources: [],
  });
  const extra = (info: CapInfo): CapInfo => {
    if (options.web) info.web = options.web;
    if (options.contact) info.contact = options.contact;
    return info;
  };
  const zh: CapInfo = extra({
    language: 'zh-CN',
    ...common(),
    event: profile.event.zh,
    senderName: senderName.zh,
    headline: `${place.zh}${profile.event.zh}预警`,
    description: `${clock}起，${place.zh}发生${profile.event.zh}。`,
    instruction: profile.instruction.zh,
    areas: [area.zh],
  });
  const en: CapInfo = extra({
    language: 'en-US',
    ...common(),
    event: profile.event.en,
    senderName: senderName.en,
    headline: `${profile.event.en} warning: ${place.en}`,
    description: `${profile.event.en} at ${place.en} since ${clock} local time.`,
    instruction: profile.instruction.en,
    areas: [area.en],
  });
  const alert: CapAlert = {
    identifier: options.identifier ?? stamp.identifier,
    sender: options.sender,
    sent: stamp.sent,
    status: options.status ?? 'Actual',
    msgType: 'Alert',
    scope: options.scope ?? 'Public',
    addresses: options.addresses ?? [],
    codes: [],
    references: [],
    incidents: [identifierPart(incident.id)],
    infos: [zh, en],
  };
  if (options.restriction !== undefined) alert.restriction = options.restriction;
  return checked(alert);
}

function checked(alert: CapAlert): CapAlert {
  const problems = validateCapAlert(alert);
  if (problems.length > 0) throw new CapValidationError(problems);
  return alert;
}

/** What a later message refers to: the original's own references (the chain so far), then the original. */
function chainOf(original: CapAlert): CapReference[] {
  const own = capReferenceOf(original);
  return [...original.references.filter((r) => !sameCapReference(r, own)), own];
}

function assertFollows(original: CapAlert, stamp: CapStamp, what: string): void {
  if (original.msgType === 'Cancel') {
    throw new RangeError(`alert ${original.identifier} is a Cancel; nothing can ${what} it`);
  }
  if (original.msgType === 'Ack' || original.msgType === 'Error') {
    throw new RangeError(
      `alert ${original.identifier} is an ${original.msgType}; only Alert and Update messages can be followed by an ${what}`,
    );
  }
  if (stamp.identifier === original.identifier) {
    throw new RangeError(`the ${what} needs an identifier of its own, not the original's ${JSON.stringify(original.identifier)}`);
  }
}

export type CapInfoChanges = Partial<Omit<CapInfo, 'language'>>;

export interface CapUpdateChanges extends CapStamp {
  /** Applied to every `info` (severity, urgency, certainty, expires, areas, …). */
  info?: CapInfoChanges;
  /** Applied to the `info` of one language after `info` (headline, description, instruction). */
  byLanguage?: Partial<Record<string, CapInfoChanges>>;
  note?: string;
}

/**
 * An Update of `original`: same sender, scope and incidents, msgType Update, a new identifier and
 * sent time, the `info` blocks with `changes` applied, and `references` listing the original
 * (after the original's own references, so a receiver that missed a message still links it).
 * @throws RangeError when the original is a Cancel, Ack or Error or the identifier is reused;
 *   CapValidationError when the result breaks a CAP rule.
 */
export function capUpdate(original: CapAlert, changes: CapUpdateChanges): CapAlert {
  assertFollows(original, changes, 'update');
  const infos = original.infos.map((info) => {
    const next: CapInfo = structuredClone({ ...info, ...changes.info });
    const own = changes.byLanguage?.[info.language ?? 'en-US'];
    return own ? { ...next, ...structuredClone(own) } : next;
  });
  const alert: CapAlert = {
    ...structuredClone(original),
    identifier: changes.identifier,
    sent: changes.sent,
    msgType: 'Update',
    references: chainOf(original),
    infos,
  };
  delete alert.note;
  if (changes.note !== undefined) alert.note = changes.note;
  return checked(alert);
}

/**
 * A Cancel of `original` with the reason in `note` (CAP 1.2 §3.2.1: "Cancel - Cancels the
 * earlier message(s) identified in <references>"); the `info` blocks stay so receivers can match
 * the area. @throws as `capUpdate`, and RangeError for an empty reason.
 */
export function capCancel(original: CapAlert, reason: string, stamp: CapStamp): CapAlert {
  assertFollows(original, stamp, 'cancel');
  if (reason.trim() === '') throw new RangeError('a cancel needs a reason (the note people read), not an empty text');
  return checked({
    ...structuredClone(original),
    identifier: stamp.identifier,
    sent: stamp.sent,
    msgType: 'Cancel',
    note: reason,
    references: chainOf(original),
  });
}
