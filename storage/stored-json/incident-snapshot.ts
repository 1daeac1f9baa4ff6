/**
 * The incident as stored with each of its changes (`incident_changes.incident`, JSON): the
 * incident after the change, stamped with its schema version.
 *
 * - Version 0: rows written before versions existed — the correlator's `Incident` as
 *   `JSON.stringify` wrote it (no stamp). Its fields are those of version 1.
 * - Version 1: the same fields, stamped `"schemaVersion": 1`. Each evidence's `why` is the
 *   English record text ("same asset up-0012, 4 min apart").
 * - Version 2: each evidence's `why` is a reason code with its parameters
 *   (twin-model/incidents/incident-explanations.ts `LinkReason`), worded by the reader.
 *
 * SQL that reads fields of the column (the KPI rollups' `JSONExtract…`) sees the same keys in
 * every version. A later change of the incident's shape adds version 3, its schema, and an
 * upgrader from version 2 here (with its unit test beside this file).
 */
import { z } from 'zod';
import { incidentSchema, linkedEvidenceSchema, linkReasonSchema, upgradeStoredIncident, type Incident } from '../../twin-model/index.ts';
import { readStoredJson, writeStoredJson, type StoredJsonFormat } from './stored-json.ts';

/**
 * Versions 0 and 1: the evidence's `why` is record text. Builds that already wrote reasons
 * without a version bump may have left reason objects there too, so both are taken (the
 * upgrader to version 2 keeps a reason as it is).
 */
const incidentV1Schema = incidentSchema.extend({
  evidence: z.array(linkedEvidenceSchema.extend({ why: z.union([z.string(), linkReasonSchema]) })),
});

type IncidentV1 = z.infer<typeof incidentV1Schema>;

export const INCIDENT_SNAPSHOT: StoredJsonFormat<Incident> = {
  name: 'incident snapshot',
  current: 2,
  schema: incidentSchema,
  schemas: { 0: incidentV1Schema, 1: incidentV1Schema },
  upgrade: {
    // 0 → 1: the fields are the same; only the stamp is new.
    0: (v0: IncidentV1): IncidentV1 => v0,
    // 1 → 2: each `why` text read back as its reason (a text that is none stays a `text` reason).
    1: (v1: IncidentV1): Incident => upgradeStoredIncident(v1 as unknown as Incident),
  },
};

/** The column text for an incident (current version). */
export function encodeIncidentSnapshot(incident: Incident): string {
  return writeStoredJson(INCIDENT_SNAPSHOT, incident);
}

/** The incident in a stored snapshot of any version; `where` names the row in errors. */
export function decodeIncidentSnapshot(text: string, where: string): Incident {
  return readStoredJson(INCIDENT_SNAPSHOT, text, where);
}
