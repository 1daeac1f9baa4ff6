/**
 * What a role may see of an incident (分级分类): the incident itself is shown to every role
 * with `incidents.read`, but evidence from a sensor whose classification is above the role's
 * clearance is left out — an incident must not become a side door to sensitive sensors.
 * Reports (hotline, video, manual) carry no sensor classification and are kept.
 */
import type { Classification, Incident, IncidentChange, LinkedEvidence } from '../../twin-model/index.ts';
import type { IncidentHistoryEntry, IncidentView } from '../shared/protocol.ts';
import { CLASS_BIT, clearanceMask } from './auth/classification.ts';

/** Classification of the sensor behind a piece of evidence, or null when it is not a sensor's. */
export type EvidenceClassifier = (e: LinkedEvidence) => Classification | null;

/** A filter for one clearance: the incident with only the evidence that clearance may see. */
export function incidentViewer(clearance: readonly Classification[], classify: EvidenceClassifier): (incident: Incident) => IncidentView {
  const mask = clearanceMask(clearance);
  return (incident) => {
    const evidence = incident.evidence.filter((e) => {
      const cls = classify(e);
      return cls === null || (CLASS_BIT[cls] & mask) !== 0;
    });
    return { ...incident, evidence, hiddenEvidence: incident.evidence.length - evidence.length };
  };
}

/** One history entry from a stored change (the detail text names ids, never values). */
export function historyEntry(c: IncidentChange): IncidentHistoryEntry {
  return { at: c.at, actor: c.actor, what: c.what, detail: c.detail, status: c.incident.status, severity: c.incident.severity, confidence: c.incident.confidence };
}

/** Queue order: the most severe first, then the newest. */
export function compareIncidents(a: Incident, b: Incident): number {
  return b.severity - a.severity || b.openedAt - a.openedAt || a.id.localeCompare(b.id);
}
