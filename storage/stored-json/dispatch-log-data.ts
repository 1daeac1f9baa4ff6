/**
 * The details of a dispatch-log entry (`dispatch_log.data`, JSON): what the action carried
 * (status from/to, ETA, the ranking shown …), stamped with its schema version.
 *
 * - Version 0: rows written before versions existed (no stamp).
 * - Version 1: the same object, stamped `"schemaVersion": 1`.
 *
 * The entry's hash covers the details WITHOUT the stamp (twin-model/dispatch/dispatch-log.ts
 * hashes the entry before it is stored), so reading strips it and an entry verifies the same
 * whatever version it was stored in. The KPI rollups read `JSONExtractString(data, 'to')`,
 * unchanged by the stamp.
 */
import { z } from 'zod';
import { readStoredJson, writeStoredJson, type StoredJsonFormat } from './stored-json.ts';

const detailsSchema = z.record(z.string(), z.unknown());

export const DISPATCH_LOG_DATA: StoredJsonFormat<Record<string, unknown>> = {
  name: 'dispatch-log details',
  current: 1,
  schema: detailsSchema,
  schemas: { 0: detailsSchema },
  upgrade: {
    // 0 → 1: the same object; only the stamp is new.
    0: (v0: Record<string, unknown>): Record<string, unknown> => v0,
  },
};

/** The column text for an entry's details (current version). */
export function encodeDispatchLogData(data: Record<string, unknown>): string {
  return writeStoredJson(DISPATCH_LOG_DATA, data);
}

/** An entry's details from stored text of any version; `where` names the row in errors. */
export function decodeDispatchLogData(text: string, where: string): Record<string, unknown> {
  return readStoredJson(DISPATCH_LOG_DATA, text, where);
}
