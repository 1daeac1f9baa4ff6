/**
 * The stored form of an audit entry's `data` (the `data` column of `audit_log`), versioned:
 *
 * - version 1 (current): `{"v":1,"data":{…}}`, the entry's data object inside an envelope;
 * - version 0 (rows written before versions): the data object itself.
 *
 * Read back, the column is parsed, validated with zod and upgraded to the current version by
 * the upgraders below, one version at a time. The entry's hash covers the data object only
 * (twin-model/audit/audit-log.ts), so the envelope never changes a hash, and an upgraded row
 * verifies exactly as it did. A column that is not JSON, or not an object, is kept as read
 * (`{ unreadable: <the text> }`): the verification then reports the entry as altered instead of
 * failing. No data object of an entry has the keys `v` and `data` alone, so the two versions
 * cannot be confused.
 */
import { z } from 'zod';

export const AUDIT_DATA_VERSION = 1;

const dataObject = z.record(z.string(), z.unknown());
const version1 = z.object({ v: z.literal(1), data: dataObject }).strict();
/** Anything with a numeric `v` beside `data` claims to be an envelope. */
const envelope = z.object({ v: z.number(), data: z.unknown() }).strict();

type Version1 = z.infer<typeof version1>;

/** Upgraders from each older version to the next, applied in order. */
const UPGRADES: ReadonlyArray<{ from: number; up: (old: unknown) => unknown }> = [
  { from: 0, up: (old) => ({ v: 1, data: dataObject.parse(old) }) satisfies Version1 },
];

/** The column for an entry's data. */
export function encodeAuditData(data: Record<string, unknown>): string {
  return JSON.stringify({ v: AUDIT_DATA_VERSION, data } satisfies Version1);
}

/** The version a parsed column is in: the envelope's, else 0 (a bare data object). */
function versionOf(value: unknown): number {
  const e = envelope.safeParse(value);
  return e.success ? e.data.v : 0;
}

/**
 * An entry's data read back from the column: upgraded to the current version and validated,
 * or `{ unreadable: text }` with the text as stored when it is not an entry's data.
 */
export function decodeAuditData(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return { unreadable: text };
  }
  let version = versionOf(value);
  if (version > AUDIT_DATA_VERSION || (version === 0 && !dataObject.safeParse(value).success)) return { unreadable: text };
  for (const step of UPGRADES) {
    if (step.from !== version) continue;
    value = step.up(value);
    version = versionOf(value);
  }
  const current = version1.safeParse(value);
  return current.success ? current.data.data : { unreadable: text };
}

/** The data of a `config` entry: the effective configuration and what changed from the last one recorded. */
export const configAuditData = z.object({
  config: z.record(z.string(), z.unknown()),
  changed: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
});
