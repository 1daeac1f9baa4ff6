/**
 * How a piece of evidence relates to a rule and to an incident: the signal it matches, whether and
 * why it links to an anchor (time window, same district, same asset, distance), and what linked
 * evidence makes of an incident (confidence, severity, place). Pure functions of the rule and the
 * evidence; the correlator (incident-correlator.ts) applies them.
 */
import { equirectangularM as distanceM, M_PER_DEG } from '../city/city-queries.ts';
import type { LinkReason } from './incident-explanations.ts';
import type { EvidenceFamily, IncidentRule, IncidentSignal } from './incident-rules.ts';
import type { Evidence, LinkedEvidence } from './incident-types.ts';

/** An official warning's support (it neither places an incident nor keeps it open). */
export function isWarningEvidence(e: Pick<Evidence, 'kind'>): boolean {
  return e.kind === 'official_warning';
}

/** The evidence id of a warning context's support. */
export function warningEvidenceId(warningKey: string): string {
  return `warning:${warningKey}`;
}

const LEVEL_RANK = { warning: 1, alarm: 2 } as const;
/** A rule's signal by id (cached: looked up for every pending item on the hot path). */
const signalMaps = new WeakMap<IncidentRule, Map<string, IncidentSignal>>();
const reachOf = new WeakMap<IncidentRule, number>();
/** The farthest any evidence of a rule can link, in degrees of latitude (a cheap prefilter). */
export function reachDeg(rule: IncidentRule): number {
  let r = reachOf.get(rule);
  if (r === undefined) {
    const metres = rule.spatial.sameDistrict
      ? Number.POSITIVE_INFINITY
      : Math.max(rule.spatial.radiusM, ...rule.signals.map((x) => Math.max(x.radiusM ?? 0, x.joinRadiusM ?? 0)));
    r = metres / M_PER_DEG;
    reachOf.set(rule, r);
  }
  return r;
}

export function signalOf(rule: IncidentRule, id: string): IncidentSignal | undefined {
  let map = signalMaps.get(rule);
  if (!map) {
    map = new Map(rule.signals.map((x) => [x.id, x]));
    signalMaps.set(rule, map);
  }
  return map.get(id);
}

/** The rule's signal that this evidence matches, if any. */
export function matchSignal(rule: IncidentRule, e: Evidence): IncidentSignal | null {
  for (const s of rule.signals) {
    if (e.kind === 'sensor_alarm') {
      const isArea = e.areaShare !== undefined;
      if (s.evidence !== (isArea ? 'area_share' : 'sensor_alarm')) continue;
      if (!e.sensorKind || !(s.sensorKinds as readonly string[] | undefined)?.includes(e.sensorKind)) continue;
      if (LEVEL_RANK[e.level ?? 'warning'] < LEVEL_RANK[s.minLevel]) continue;
      if (isArea && e.areaShare! + (s.countSilent ? (e.silentShare ?? 0) : 0) < (s.minShare ?? 1)) continue;
      return s;
    }
    if (s.evidence !== 'event') continue;
    if (!e.eventType || !(s.eventTypes as readonly string[] | undefined)?.includes(e.eventType)) continue;
    if (s.categories && !(e.category && s.categories.includes(e.category))) continue;
    return s;
  }
  return null;
}

/**
 * Confidence from independent families: each family contributes its strongest weight, raised
 * by `repeatGain` of the remaining doubt for every further distinct item; families combine as
 * independent (1 − Π(1 − w_f)).
 */
export function confidenceOf(evidence: readonly LinkedEvidence[], repeatGain: number): number {
  const byFamily = new Map<EvidenceFamily, LinkedEvidence[]>();
  for (const e of evidence) byFamily.set(e.family, [...(byFamily.get(e.family) ?? []), e]);
  let doubt = 1;
  for (const items of byFamily.values()) {
    const sorted = [...items].sort((a, b) => b.weight - a.weight);
    let familyDoubt = 1 - sorted[0]!.weight;
    for (const extra of sorted.slice(1)) familyDoubt *= 1 - (extra.gain ?? repeatGain);
    doubt *= familyDoubt;
  }
  return Math.round((1 - doubt) * 1000) / 1000;
}

export function distinctFamilies(evidence: readonly LinkedEvidence[]): number {
  return new Set(evidence.map((e) => e.family)).size;
}

/** Why `e` belongs with `anchor` under `rule`, or null when it does not. */
export function linkReason(
  rule: IncidentRule,
  signal: IncidentSignal,
  e: Evidence,
  anchor: { lng: number; lat: number; assetId: string | null; district?: string | null; lastEvidenceAt: number },
  joining = false,
): LinkReason | null {
  const dt = Math.abs(e.ts - anchor.lastEvidenceAt);
  if (dt > rule.windowS * 1000) return null;
  if (rule.spatial.sameDistrict && e.district && anchor.district) {
    // Area-wide incidents are per district: the district is the place, whatever the distance.
    return e.district === anchor.district
      ? { code: 'same_district', params: { district: e.district, minutes: Math.round(dt / 60_000) } }
      : null;
  }
  const minutes = Math.round(dt / 60_000);
  if (rule.spatial.sameAsset && e.assetId && anchor.assetId) {
    // One underpass, bridge or hall is one place: a different asset is a different incident.
    return e.assetId === anchor.assetId ? { code: 'same_asset', params: { assetId: e.assetId, minutes } } : null;
  }
  const d = distanceM(e.lng, e.lat, anchor.lng, anchor.lat);
  const radius = signal.radiusM ?? rule.spatial.radiusM;
  if (d <= radius) return { code: 'near', params: { distanceM: Math.round(d), limitM: radius, minutes } };
  if (joining && signal.joinRadiusM && d <= signal.joinRadiusM)
    return { code: 'spill_over', params: { distanceM: Math.round(d), limitM: signal.joinRadiusM, minutes } };
  return null;
}

export function severityOf(rule: IncidentRule, evidence: readonly LinkedEvidence[]): number {
  // Severity grows with what is measured at the place itself; rain over the district
  // corroborates a flood but does not make every flood the worst one.
  const alarms = evidence.filter((e) => e.kind === 'sensor_alarm' && e.level === 'alarm' && e.active && e.family !== 'weather').length;
  const reports = evidence.filter((e) => e.kind === 'event').length;
  const raw = rule.severity.base + rule.severity.perAlarm * alarms + (reports >= 5 ? 1 : 0);
  return Math.max(1, Math.min(rule.severity.max, Math.round(raw)));
}

/** Place of an incident: the asset's evidence position if any, else the centroid (warnings do not place it). */
export function placeOf(
  all: readonly LinkedEvidence[],
  current: { lng: number; lat: number; assetId: string | null; district: string | null },
): { lng: number; lat: number; assetId: string | null; district: string | null } {
  const evidence = all.filter((e) => !isWarningEvidence(e));
  if (evidence.length === 0) return current;
  const withAsset = evidence.find((e) => e.assetId && e.family !== 'weather');
  const located = evidence.filter((e) => e.family !== 'weather');
  const pts = located.length ? located : evidence;
  const lng = pts.reduce((s, e) => s + e.lng, 0) / pts.length;
  const lat = pts.reduce((s, e) => s + e.lat, 0) / pts.length;
  return {
    lng: withAsset?.lng ?? lng,
    lat: withAsset?.lat ?? lat,
    assetId: withAsset?.assetId ?? null,
    district: (withAsset ?? pts[0])?.district ?? null,
  };
}

/**
 * Whether a cluster may open as far as corroboration goes: some opener in it (a report, or an
 * active alarm of a signal that can open) either needs no corroboration or has it — evidence of
 * at least `minFamilies` families other than its own among the signals its rule names, begun
 * within `withinS` of it (docs/incidents.md, `signals[].corroboration`).
 */
export function corroborated(rule: IncidentRule, cluster: readonly LinkedEvidence[]): boolean {
  for (const opener of cluster) {
    const s = signalOf(rule, opener.signal);
    if (!s?.canOpen || (opener.kind !== 'event' && !opener.active)) continue;
    const need = s.corroboration;
    if (!need) return true;
    const families = new Set<EvidenceFamily>();
    for (const c of cluster) {
      if (c.family === opener.family || !need.signals.includes(c.signal)) continue;
      if (Math.abs(c.ts - opener.ts) <= need.withinS * 1000) families.add(c.family);
    }
    if (families.size >= need.minFamilies) return true;
  }
  return false;
}

/**
 * Whether alarm `e` measures another place than `others` do: its signal is bound to a place
 * (`placeRadiusM`), `others` hold alarms of the same signal, and none of them is within that
 * radius of it or watches the same asset.
 */
export function anotherPlace(signal: IncidentSignal, e: Evidence, others: readonly LinkedEvidence[]): boolean {
  const radius = signal.placeRadiusM;
  if (radius === undefined || e.kind !== 'sensor_alarm') return false;
  let own = false;
  for (const o of others) {
    if (o.signal !== signal.id || o.kind !== 'sensor_alarm' || o.id === e.id) continue;
    if ((e.assetId && o.assetId === e.assetId) || distanceM(e.lng, e.lat, o.lng, o.lat) <= radius) return false;
    own = true;
  }
  return own;
}
