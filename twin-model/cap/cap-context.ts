/**
 * Official warnings taken in as context: a CAP alert from the meteorological bureau (暴雨预警信号,
 * a rainstorm warning signal) or another authority becomes areas on the map
 * (`capToContext`) and evidence for the incidents inside them (`warningEvidence`): a rainstorm
 * warning over a waterlogging incident raises its confidence, with the reason as a code and
 * parameters. Pure: the time comes in.
 */
import { haversineM } from '../city/index.ts';
import type { LngLat } from '../city/city-types.ts';
import type { IncidentType } from '../vocabulary.ts';
import { CITYTWIN_INCIDENT_TYPE_CODE } from './cap-drafts.ts';
import { capTimeToMs } from './cap-time.ts';
import {
  CAP_DEFAULT_LANGUAGE,
  capReferenceOf,
  sameCapReference,
  type CapAlert,
  type CapCertainty,
  type CapInfo,
  type CapMsgType,
  type CapReference,
  type CapSeverity,
  type CapStatus,
  type CapUrgency,
} from './cap-types.ts';

export const WARNING_KINDS = [
  'rainstorm',
  'flood',
  'typhoon',
  'thunderstorm',
  'lightning',
  'gale',
  'heat',
  'cold',
  'snow',
  'road_icing',
  'fog',
  'haze',
  'hail',
  'frost',
  'drought',
  'sandstorm',
  'earthquake',
  'other',
] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

/**
 * Colours of China's meteorological warning signals (气象灾害预警信号), lowest first: blue (IV, 一般),
 * yellow (III, 较重), orange (II, 严重), red (I, 特别严重).
 */
export const SIGNAL_COLOURS = ['blue', 'yellow', 'orange', 'red'] as const;
export type SignalColour = (typeof SIGNAL_COLOURS)[number];

/** The CAP severity of a signal colour, used when the message's own severity is `Unknown`. */
export const SIGNAL_COLOUR_SEVERITY: Readonly<Record<SignalColour, CapSeverity>> = {
  blue: 'Minor',
  yellow: 'Moderate',
  orange: 'Severe',
  red: 'Extreme',
};

interface KindRule {
  kind: WarningKind;
  /** Chinese names, matched as substrings of `event` then `headline`. */
  zh: readonly string[];
  en: RegExp;
  /** SAME event codes (US EAS) of this kind. */
  same?: readonly string[];
}

/** First match wins: "雷雨大风" is a thunderstorm before it is a gale (大风). Documented in docs/cap.md. */
const KIND_RULES: readonly KindRule[] = [
  { kind: 'thunderstorm', zh: ['雷雨大风', '雷暴'], en: /thunder ?storm/i, same: ['SVR', 'SVA', 'SVS'] },
  { kind: 'rainstorm', zh: ['暴雨'], en: /\brain ?storm|\bheavy rain|\btorrential rain/i },
  {
    kind: 'flood',
    zh: ['洪水', '山洪', '内涝', '渍涝', '积水', '洪涝'],
    en: /flood|waterlogging|inundation/i,
    same: ['FFW', 'FFA', 'FFS', 'FLW', 'FLA', 'FLS', 'CFW', 'CFA'],
  },
  {
    kind: 'typhoon',
    zh: ['台风', '热带气旋'],
    en: /typhoon|tropical (cyclone|storm)|hurricane/i,
    same: ['HUW', 'HUA', 'HLS', 'TRW', 'TRA'],
  },
  { kind: 'lightning', zh: ['雷电'], en: /lightning/i },
  { kind: 'heat', zh: ['高温'], en: /\bheat\b|high temperature/i },
  { kind: 'gale', zh: ['大风'], en: /\bgale|high wind|strong wind/i, same: ['HWW', 'HWA', 'EWW'] },
  { kind: 'cold', zh: ['寒潮'], en: /cold wave|cold snap|extreme cold/i },
  { kind: 'snow', zh: ['暴雪'], en: /snow|blizzard|winter storm/i, same: ['BZW', 'WSW', 'WSA'] },
  { kind: 'road_icing', zh: ['道路结冰'], en: /road ic(e|ing)|black ice/i },
  { kind: 'fog', zh: ['大雾'], en: /\bfog\b/i },
  { kind: 'haze', zh: ['霾'], en: /\bhaze\b|\bsmog\b/i },
  { kind: 'hail', zh: ['冰雹'], en: /\bhail\b/i },
  { kind: 'frost', zh: ['霜冻'], en: /\bfrost\b/i },
  { kind: 'drought', zh: ['干旱'], en: /drought/i },
  { kind: 'sandstorm', zh: ['沙尘暴', '沙尘'], en: /sand ?storm|dust ?storm/i, same: ['DSW'] },
  { kind: 'earthquake', zh: ['地震'], en: /earthquake/i, same: ['EQW'] },
];

/** CityTwin's own alerts (`citytwin:incident-type`) read back as warning kinds. */
const INCIDENT_TYPE_KIND: Partial<Record<string, WarningKind>> = { waterlogging: 'flood', heat_stress: 'heat' };

const COLOUR_WORDS: ReadonlyArray<[SignalColour, string, RegExp]> = [
  ['red', '红色', /\bred\b/i],
  ['orange', '橙色', /\borange\b/i],
  ['yellow', '黄色', /\byellow\b/i],
  ['blue', '蓝色', /\bblue\b/i],
];

function kindOfText(text: string): WarningKind | null {
  for (const rule of KIND_RULES) {
    if (rule.zh.some((z) => text.includes(z)) || rule.en.test(text)) return rule.kind;
  }
  return null;
}

/**
 * The kind of warning an `info` carries: from its event codes (SAME, CityTwin's own), then its
 * `event` text, then its `headline`, in Chinese or English; `other` when nothing matches.
 */
export function warningKindOf(info: Pick<CapInfo, 'event' | 'headline' | 'eventCodes'>): WarningKind {
  for (const code of info.eventCodes) {
    if (code.valueName === CITYTWIN_INCIDENT_TYPE_CODE) return INCIDENT_TYPE_KIND[code.value] ?? 'other';
    if (code.valueName.toUpperCase() === 'SAME') {
      const rule = KIND_RULES.find((r) => r.same?.includes(code.value.toUpperCase()));
      if (rule) return rule.kind;
    }
  }
  return kindOfText(info.event) ?? (info.headline ? kindOfText(info.headline) : null) ?? 'other';
}

/** The signal colour named in `event`, else in `headline` (暴雨红色预警, "Rainstorm Red Warning"), or null. */
export function signalColourOf(info: Pick<CapInfo, 'event' | 'headline'>): SignalColour | null {
  for (const text of [info.event, info.headline ?? '']) {
    let best: { colour: SignalColour; at: number } | null = null;
    for (const [colour, zh, en] of COLOUR_WORDS) {
      const zhAt = text.indexOf(zh);
      const enAt = text.search(en);
      for (const at of [zhAt, enAt]) if (at >= 0 && (best === null || at < best.at)) best = { colour, at };
    }
    if (best) return best.colour;
  }
  return null;
}

/** A circle of a warning area, centre `[lng, lat]`. */
export interface WarningCircle {
  center: LngLat;
  radiusM: number;
}

/** One official warning (one `info`, and its translations) as the map and the correlator use it. */
export interface WarningContext {
  /** `sender,identifier,sent#n` — unique per info block kept. */
  key: string;
  /** The message this comes from. */
  alert: CapReference;
  status: CapStatus;
  msgType: CapMsgType;
  kind: WarningKind;
  /**
   * True for CityTwin's own alerts (event code `citytwin:incident-type`): shown on the map, never
   * evidence — an incident's own warning must not raise its confidence.
   */
  own: boolean;
  colour: SignalColour | null;
  /** The info's severity, or the colour's when the info says `Unknown`. */
  severity: CapSeverity;
  urgency: CapUrgency;
  certainty: CapCertainty;
  /** The event and headline in each language the message carries, in its order. */
  texts: Array<{ language: string; event: string; headline?: string; areaDesc: string }>;
  senderName?: string;
  /** Epoch ms: `effective`, else the message's `sent` (CAP 1.2 §3.2.2). */
  effective: number;
  onset: number | null;
  /** Epoch ms, or null when the message gives none (then it counts for WARNING_DEFAULT_VALIDITY_MS). */
  expires: number | null;
  /** Polygons as closed GeoJSON-style rings `[lng, lat]`. */
  rings: LngLat[][];
  circles: WarningCircle[];
  /** `[west, south, east, north]` around the rings and circles; null when geocode-only. */
  bbox: [number, number, number, number] | null;
  /** True when the areas are given only by geocodes: nothing to draw or test points against. */
  geocodeOnly: boolean;
  /** In force at the `now` given to `capToContext`. */
  active: boolean;
}

/** How long a warning without `expires` counts. */
export const WARNING_DEFAULT_VALIDITY_MS = 24 * 3_600_000;

function endOf(c: Pick<WarningContext, 'effective' | 'expires'>): number {
  return c.expires ?? c.effective + WARNING_DEFAULT_VALIDITY_MS;
}

const M_PER_DEG_LAT = 110_574;

function bboxOf(rings: readonly LngLat[][], circles: readonly WarningCircle[]): [number, number, number, number] | null {
  let [w, south, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of rings) {
    for (const [lng, lat] of ring) {
      w = Math.min(w, lng);
      e = Math.max(e, lng);
      south = Math.min(south, lat);
      n = Math.max(n, lat);
    }
  }
  for (const { center, radiusM } of circles) {
    // Generous by 1 %: the box only spares the exact test for points clearly outside.
    const dLat = (radiusM * 1.01) / M_PER_DEG_LAT;
    const dLng = dLat / Math.max(0.01, Math.cos((Math.min(89, Math.abs(center[1]) + dLat) * Math.PI) / 180));
    w = Math.min(w, center[0] - dLng);
    e = Math.max(e, center[0] + dLng);
    south = Math.min(south, center[1] - dLat);
    n = Math.max(n, center[1] + dLat);
  }
  return w === Infinity ? null : [w, south, e, n];
}

function msOrNull(value: string | undefined): number | null {
  return value === undefined ? null : capTimeToMs(value);
}

/**
 * The warning areas of `alert`: one context per `info`, translations folded into one (same
 * kind, severity, times and areas). A Cancel yields none (`applyWarningAlert` removes what it
 * cancels). Times are read from the CAP date-times; `active` is whether `now` is in force.
 */
export function capToContext(alert: CapAlert, now: number): WarningContext[] {
  if (alert.msgType !== 'Alert' && alert.msgType !== 'Update') return [];
  const sentMs = capTimeToMs(alert.sent) ?? now;
  const out: WarningContext[] = [];
  const bySignature = new Map<string, WarningContext>();
  alert.infos.forEach((info, i) => {
    const colour = signalColourOf(info);
    const severity = info.severity === 'Unknown' && colour ? SIGNAL_COLOUR_SEVERITY[colour] : info.severity;
    const rings = info.areas.flatMap((a) => a.polygons.map((ring) => ring.map((p): LngLat => [p.lon, p.lat])));
    const circles = info.areas.flatMap((a) => a.circles.map((c) => ({ center: [c.lon, c.lat] as LngLat, radiusM: c.radiusKm * 1000 })));
    const effective = msOrNull(info.effective) ?? sentMs;
    const expires = msOrNull(info.expires);
    const kind = warningKindOf(info);
    const text = {
      language: info.language ?? CAP_DEFAULT_LANGUAGE,
      event: info.event,
      ...(info.headline === undefined ? {} : { headline: info.headline }),
      areaDesc: info.areas.map((a) => a.areaDesc).join('; '),
    };
    const signature = JSON.stringify([kind, severity, info.urgency, effective, expires, rings, circles, info.areas.map((a) => a.geocodes)]);
    const same = bySignature.get(signature);
    if (same) {
      same.texts.push(text);
      return;
    }
    const context: WarningContext = {
      key: `${alert.sender},${alert.identifier},${alert.sent}#${i}`,
      alert: capReferenceOf(alert),
      status: alert.status,
      msgType: alert.msgType,
      kind,
      own: info.eventCodes.some((c) => c.valueName === CITYTWIN_INCIDENT_TYPE_CODE),
      colour,
      severity,
      urgency: info.urgency,
      certainty: info.certainty,
      texts: [text],
      effective,
      onset: msOrNull(info.onset),
      expires,
      rings,
      circles,
      bbox: bboxOf(rings, circles),
      geocodeOnly: rings.length === 0 && circles.length === 0,
      active: false,
    };
    if (info.senderName !== undefined) context.senderName = info.senderName;
    context.active = effective <= now && now < endOf(context);
    bySignature.set(signature, context);
    out.push(context);
  });
  return out;
}

/**
 * The warnings in force after `alert` arrives: those it updates or cancels (its `references`)
 * are removed, its own areas added (none for a Cancel), and those past their end at `now`
 * dropped. A message already held is not added twice.
 */
export function applyWarningAlert(current: readonly WarningContext[], alert: CapAlert, now: number): WarningContext[] {
  const replaced = (c: WarningContext): boolean =>
    alert.references.some((r) => sameCapReference(r, c.alert)) || sameCapReference(c.alert, capReferenceOf(alert));
  return [...current.filter((c) => !replaced(c)), ...capToContext(alert, now)]
    .filter((c) => endOf(c) > now)
    .map((c) => ({ ...c, active: c.effective <= now }));
}

/** Confidence a covering warning adds, by CAP severity: Minor (and Unknown), Moderate, Severe, Extreme. */
export type SeverityBoosts = readonly [minor: number, moderate: number, severe: number, extreme: number];

/** Which incident types a kind of warning supports, and by how much (documented in docs/cap.md). */
export const WARNING_BOOSTS: Readonly<Partial<Record<WarningKind, Partial<Record<IncidentType, SeverityBoosts>>>>> = {
  rainstorm: { waterlogging: [0.1, 0.13, 0.16, 0.2] },
  flood: { waterlogging: [0.1, 0.13, 0.16, 0.2] },
  typhoon: { waterlogging: [0.05, 0.08, 0.1, 0.12], power_outage: [0.05, 0.08, 0.1, 0.12] },
  thunderstorm: { waterlogging: [0.05, 0.07, 0.09, 0.1], power_outage: [0.03, 0.05, 0.07, 0.08] },
  lightning: { power_outage: [0.03, 0.05, 0.07, 0.08], fire: [0.02, 0.03, 0.04, 0.05] },
  heat: { heat_stress: [0.1, 0.13, 0.16, 0.2], power_outage: [0.03, 0.05, 0.07, 0.08] },
  gale: { power_outage: [0.03, 0.05, 0.07, 0.08] },
  snow: { traffic_accident: [0.03, 0.05, 0.07, 0.08], power_outage: [0.03, 0.05, 0.07, 0.08] },
  road_icing: { traffic_accident: [0.05, 0.08, 0.1, 0.12] },
  fog: { traffic_accident: [0.03, 0.05, 0.07, 0.08] },
  haze: { traffic_accident: [0.02, 0.03, 0.04, 0.05] },
  drought: { fire: [0.02, 0.03, 0.04, 0.05] },
};

const SEVERITY_COLUMN: Readonly<Record<CapSeverity, 0 | 1 | 2 | 3>> = { Unknown: 0, Minor: 0, Moderate: 1, Severe: 2, Extreme: 3 };

/** What `warningEvidence` needs of an incident (the twin's `Incident` has these). */
export interface WarningIncident {
  type: IncidentType;
  lng: number;
  lat: number;
  openedAt: number;
  /** Newest evidence; the incident's time is openedAt…lastEvidenceAt. Default openedAt. */
  lastEvidenceAt?: number;
}

/** The reason code of a warning's support; the console words it from `params`. */
export const WARNING_REASON = 'official_warning_covers';

export interface WarningEvidence {
  reason: typeof WARNING_REASON;
  /** `WarningContext.key`. */
  warningKey: string;
  /** Confidence to add (see `raisedConfidence`). */
  boost: number;
  params: {
    kind: WarningKind;
    severity: CapSeverity;
    colour: SignalColour | null;
    sender: string;
    identifier: string;
    /** How the incident's position is covered. */
    inside: 'polygon' | 'circle';
    /** Distance from the circle's centre, metres (circles only). */
    distanceM?: number;
    effective: number;
    expires: number | null;
  };
}

/** True when `[lng, lat]` is inside the closed ring (even-odd rule; a point on an edge may go either way). */
export function pointInRing(lng: number, lat: number, ring: readonly LngLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function coverage(c: WarningContext, lng: number, lat: number): Pick<WarningEvidence['params'], 'inside' | 'distanceM'> | null {
  if (!c.bbox || lng < c.bbox[0] || lat < c.bbox[1] || lng > c.bbox[2] || lat > c.bbox[3]) return null;
  if (c.rings.some((ring) => pointInRing(lng, lat, ring))) return { inside: 'polygon' };
  let nearest: number | null = null;
  for (const circle of c.circles) {
    const d = haversineM({ lng, lat }, { lng: circle.center[0], lat: circle.center[1] });
    if (d <= circle.radiusM && (nearest === null || d < nearest)) nearest = d;
  }
  return nearest === null ? null : { inside: 'circle', distanceM: Math.round(nearest) };
}

/**
 * The official warnings that support `incident`: not CityTwin's own, in force (status Actual) at some moment of the
 * incident (openedAt…lastEvidenceAt), covering its position (inside a polygon or within a
 * circle), of a kind that supports its type (`WARNING_BOOSTS`). Strongest first; apply the
 * strongest only (`raisedConfidence`), the others are shown as further reasons.
 */
export function warningEvidence(incident: WarningIncident, contexts: readonly WarningContext[]): WarningEvidence[] {
  const from = incident.openedAt;
  const to = Math.max(from, incident.lastEvidenceAt ?? from);
  const out: WarningEvidence[] = [];
  for (const c of contexts) {
    if (c.status !== 'Actual' || c.own) continue;
    const boosts = WARNING_BOOSTS[c.kind]?.[incident.type];
    if (!boosts) continue;
    if (c.effective > to || endOf(c) <= from) continue;
    const covered = coverage(c, incident.lng, incident.lat);
    if (!covered) continue;
    out.push({
      reason: WARNING_REASON,
      warningKey: c.key,
      boost: boosts[SEVERITY_COLUMN[c.severity]],
      params: {
        kind: c.kind,
        severity: c.severity,
        colour: c.colour,
        sender: c.alert.sender,
        identifier: c.alert.identifier,
        ...covered,
        effective: c.effective,
        expires: c.expires,
      },
    });
  }
  return out.sort((a, b) => b.boost - a.boost || a.warningKey.localeCompare(b.warningKey));
}

/** Highest confidence a warning can lift an incident to: a warning is context, never proof. */
export const WARNING_CONFIDENCE_CAP = 0.99;

/**
 * The confidence after the strongest supporting warning: `confidence + boost`, at most
 * WARNING_CONFIDENCE_CAP, never lower than before.
 */
export function raisedConfidence(confidence: number, evidence: ReadonlyArray<Pick<WarningEvidence, 'boost'>>): number {
  const boost = evidence.reduce((m, e) => Math.max(m, e.boost), 0);
  return Math.max(confidence, Math.min(WARNING_CONFIDENCE_CAP, Math.round((confidence + boost) * 1e6) / 1e6));
}
