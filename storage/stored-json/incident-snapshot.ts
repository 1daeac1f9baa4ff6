/**
 * The incident as stored with each of its changes (`incident_changes.incident`, JSON): the
 * incident after the change, stamped with its schema version.
 *
 * - Version 0: rows written before versions existed — the correlator's `Incident` as
 *   `JSON.stringify` wrote it (no stamp). Its fields are those of version 1.
 * - Version 1: the same fields, stamped `"schemaVersion": 1`.
 *
 * SQL that reads fields of the column (the KPI rollups' `JSONExtract…`) sees the same keys in
 * both. A later change of the incident's shape adds version 2, its schema, and an upgrader from
 * version 1 here (with its unit test beside this file).
 */
import { incidentSchema, type Incident } from '../../twin-model/index.ts';
import { readStoredJson, writeStoredJson, type StoredJsonFormat } from './stored-json.ts';

/** Version 0 (unversioned rows): the incident as the correlator made it. */
const incidentV0Schema = incidentSchema;

export const INCIDENT_SNAPSHOT: StoredJsonFormat<Incident> = {
  name: 'incident snapshot',
  current: 1,
  schema: incidentSchema,
  schemas: { 0: incidentV0Schema },
  upgrade: {
    // 0 → 1: the fields are the same; only the stamp is new.
    0: (v0: Incident): Incident => v0,
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
