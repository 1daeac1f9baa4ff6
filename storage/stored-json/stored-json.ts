/**
 * JSON kept in a column carries the version of its schema (`schemaVersion`, a top-level key, so
 * SQL that reads fields with `JSONExtract…` keeps working), is validated on read and is brought
 * up to the current version by explicit upgraders, one per version step (kepler.gl's schema
 * versions). Rows written before versions existed read as version 0.
 *
 * A format lists a schema per version and an upgrader from each older version to the next;
 * {@link readStoredJson} parses, validates against the row's own version, upgrades step by step
 * and validates the result against the current schema, so whatever a store returns has the
 * current type whatever its age.
 */
import type { z } from 'zod';

/** The key that holds the version in a stored JSON object. */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

export interface StoredJsonFormat<T> {
  /** What the JSON is, for errors ("incident snapshot in incident_changes"). */
  name: string;
  /** The version written now. */
  current: number;
  /** The schema of the current version, without the version key. */
  schema: z.ZodType<T>;
  /** The schema of each older version, from 0 (unversioned), without the version key. */
  schemas: Readonly<Record<number, z.ZodType>>;
  /** Upgraders: `upgrade[v]` turns a valid version-v value into a version v+1 value. */
  upgrade: Readonly<Record<number, (value: never) => unknown>>;
}

/** Stored JSON that does not parse, has an unknown version, or does not match its version's schema. */
export class StoredJsonError extends Error {
  constructor(format: string, where: string, problem: string, text: string) {
    super(`${format} ${where}: ${problem}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`);
    this.name = 'StoredJsonError';
  }
}

/** The JSON text to store for `value` (the current version). */
export function writeStoredJson<T extends object>(format: StoredJsonFormat<T>, value: T): string {
  return JSON.stringify({ [SCHEMA_VERSION_KEY]: format.current, ...value });
}

/**
 * The current-version value of stored JSON text. `where` names the row in errors (table and
 * key). Throws {@link StoredJsonError} quoting the text, the version found and what is accepted.
 */
export function readStoredJson<T>(format: StoredJsonFormat<T>, text: string, where: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new StoredJsonError(format.name, where, `not JSON (${(err as Error).message})`, text);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new StoredJsonError(format.name, where, 'not a JSON object', text);
  const { [SCHEMA_VERSION_KEY]: stamped, ...body } = parsed as Record<string, unknown>;
  const version = stamped === undefined ? 0 : stamped;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > format.current) {
    throw new StoredJsonError(
      format.name,
      where,
      `${SCHEMA_VERSION_KEY} ${JSON.stringify(version)} is not one this version reads (0 to ${format.current})`,
      text,
    );
  }
  let value: unknown = body;
  for (let v = version; v <= format.current; v++) {
    const schema = v === format.current ? format.schema : format.schemas[v];
    if (!schema) throw new StoredJsonError(format.name, where, `no schema for version ${v}`, text);
    const checked = schema.safeParse(value);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const at = issue?.path.length ? issue.path.join('.') : 'the value';
      throw new StoredJsonError(format.name, where, `version ${v}: ${at}: ${issue?.message ?? 'invalid'}`, text);
    }
    if (v === format.current) return checked.data as T;
    const step = format.upgrade[v];
    if (!step) throw new StoredJsonError(format.name, where, `no upgrader from version ${v} to ${v + 1}`, text);
    value = step(checked.data as never);
  }
  throw new StoredJsonError(format.name, where, 'no current version reached', text);
}
