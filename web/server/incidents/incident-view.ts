/**
 * What a role may see of an incident (分级分类). Every piece of evidence is classified — a
 * sensor alarm by its sensor, a report (hotline case, video detection, manual report) by its
 * source (auth/classification.ts) — and the incident is shown to every role with
 * `incidents.read`, reduced to what the caller's clearance covers:
 *
 * - evidence above the clearance is left out and counted (`hiddenEvidence`: "n items withheld");
 * - when any evidence is withheld, the incident's place may come from it (an incident sits on its
 *   evidence, or on the asset a sensor watches), so its position is coarsened to the
 *   {@link COARSE_DEG} grid (`coarse: true`, about 1 km) and its asset is named only when visible
 *   evidence names it; type, status, severity, confidence, district and times stay;
 * - a change's or history entry's detail that names withheld evidence (an id such as
 *   `event:hotline-12345:case-1` or `alarm:ed-…`) is replaced by {@link WITHHELD_DETAIL}.
 *
 * The same functions serve the HTTP API, the socket's `incidents`/`incident` events, the KPI
 * screen's map points, replay (keyframes, changes, actions) and after-action reports, so a lower
 * clearance sees the same incident everywhere.
 */
import type { Classification, Incident, IncidentChange, LinkedEvidence } from '../../../twin-model/index.ts';
import type { IncidentHistoryEntry, IncidentUpdateMessage, IncidentView } from '../../shared/protocol.ts';
import { clearanceMask, cleared } from '../auth/classification.ts';

/** What classifying a piece of evidence needs (a stored piece, or one rebuilt from its id). */
export type EvidenceRef = Pick<LinkedEvidence, 'id' | 'kind'> &
  Partial<Pick<LinkedEvidence, 'sensorId' | 'sensorKind' | 'source' | 'eventType' | 'district'>>;

/** Classification of a piece of evidence: its sensor's, or its report source's. */
export type EvidenceClassifier = (e: EvidenceRef) => Classification;

/** Grid (degrees) an incident's position is rounded to when evidence placing it is withheld. */
export const COARSE_DEG = 0.01;

/** The detail of a change that names withheld evidence. */
export const WITHHELD_DETAIL = 'evidence above your clearance (withheld)';

/** A position rounded to the {@link COARSE_DEG} grid. */
export function coarsen(v: number): number {
  return Number((Math.round(v / COARSE_DEG) * COARSE_DEG).toFixed(2));
}

/** Evidence ids as the correlator writes them into change details. */
const EVIDENCE_ID = /\b(?:alarm:[A-Za-z0-9._-]+|event:[A-Za-z0-9._-]+:[A-Za-z0-9._-]+)/g;

/** The evidence an id names, rebuilt from the id alone (when the incident no longer lists it). */
function refOf(id: string): EvidenceRef {
  if (id.startsWith('alarm:')) return { id, kind: 'sensor_alarm', sensorId: id.slice('alarm:'.length) };
  const [, source] = id.split(':');
  return { id, kind: 'event', ...(source ? { source } : {}) };
}

/** Whether `incident` has evidence a clearance mask does not cover. */
export function withholdsEvidence(incident: Incident, mask: number, classify: EvidenceClassifier): boolean {
  return incident.evidence.some((e) => !cleared(mask, classify(e)));
}

/** A filter for one clearance: the incident with only the evidence that clearance may see. */
export function incidentViewer(clearance: readonly Classification[], classify: EvidenceClassifier): (incident: Incident) => IncidentView {
  const mask = clearanceMask(clearance);
  return (incident) => {
    const evidence = incident.evidence.filter((e) => cleared(mask, classify(e)));
    const hiddenEvidence = incident.evidence.length - evidence.length;
    if (hiddenEvidence === 0) return { ...incident, evidence, hiddenEvidence, coarse: false };
    const assetId = incident.assetId !== null && evidence.some((e) => e.assetId === incident.assetId) ? incident.assetId : null;
    return { ...incident, lng: coarsen(incident.lng), lat: coarsen(incident.lat), assetId, evidence, hiddenEvidence, coarse: true };
  };
}

/**
 * A change's detail for one clearance: as it is, or {@link WITHHELD_DETAIL} when it names
 * evidence above the clearance (looked up in `incident`, else classified from its id).
 */
export function detailViewer(
  clearance: readonly Classification[],
  classify: EvidenceClassifier,
): (detail: string, incident: Incident) => string {
  const mask = clearanceMask(clearance);
  return (detail, incident) => {
    for (const m of detail.matchAll(EVIDENCE_ID)) {
      const id = m[0];
      const ref = incident.evidence.find((e) => e.id === id) ?? refOf(id);
      if (!cleared(mask, classify(ref))) return WITHHELD_DETAIL;
    }
    return detail;
  };
}

/** The socket's `incident` message of a change, for one clearance. */
export function incidentUpdateViewer(
  clearance: readonly Classification[],
  classify: EvidenceClassifier,
): (c: IncidentChange) => IncidentUpdateMessage {
  const view = incidentViewer(clearance, classify);
  const detail = detailViewer(clearance, classify);
  return (c) => ({ at: c.at, actor: c.actor, what: c.what, detail: detail(c.detail, c.incident), incident: view(c.incident) });
}

/** History entries of stored changes, for one clearance (details naming withheld evidence replaced). */
export function historyViewer(
  clearance: readonly Classification[],
  classify: EvidenceClassifier,
): (c: IncidentChange) => IncidentHistoryEntry {
  const detail = detailViewer(clearance, classify);
  return (c) => ({ ...historyEntry(c), detail: detail(c.detail, c.incident) });
}

/** One history entry from a stored change (the detail text names ids, never values). */
export function historyEntry(c: IncidentChange): IncidentHistoryEntry {
  return {
    at: c.at,
    actor: c.actor,
    what: c.what,
    detail: c.detail,
    status: c.incident.status,
    severity: c.incident.severity,
    confidence: c.incident.confidence,
  };
}

/** Queue order: the most severe first, then the newest. */
export function compareIncidents(a: Incident, b: Incident): number {
  return b.severity - a.severity || b.openedAt - a.openedAt || a.id.localeCompare(b.id);
}
