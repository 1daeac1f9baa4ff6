/**
 * The stored form of a hotline case (the `snapshot` column of `cases`): `{"v": <version>, "case":
 * {...}}`. Read back, it is upgraded from its version to the current one by explicit upgraders,
 * one per version step, then validated with zod — a snapshot that does not validate is an error
 * naming the case, never a half-read case. Version 1 is the first; an upgrader goes in
 * {@link CASE_SNAPSHOT_UPGRADERS} with its test when the case model changes shape.
 */
import { z } from 'zod';
import {
  CASE_ACTOR_ROLES,
  CASE_CATEGORIES,
  CASE_HAPPENINGS,
  CASE_ID_PATTERN,
  CASE_STATUSES,
  type HotlineCase,
} from '../twin-model/cases/index.ts';

export const CASE_SNAPSHOT_VERSION = 1;

const ms = z.number().int();
const nullableText = z.string().nullable();
const actor = z.object({ user: z.string(), role: z.enum(CASE_ACTOR_ROLES), department: z.string().optional() });

/** A case as version 1 stores it. */
export const caseSnapshotV1 = z.object({
  id: z.string().regex(CASE_ID_PATTERN),
  externalRef: z.object({ source: z.string().min(1), id: z.string().min(1) }),
  source: z.string().min(1),
  channel: z.enum(['http', 'mqtt']),
  category: z.enum(CASE_CATEGORIES),
  reportedCategory: nullableText,
  severity: z.number().int().min(1).max(5).nullable(),
  text: z.string(),
  caller: z.object({ name: nullableText, phone: nullableText }),
  callerHash: nullableText,
  place: z.object({ lng: z.number(), lat: z.number(), address: nullableText, district: nullableText }),
  receivedAt: ms,
  status: z.enum(CASE_STATUSES),
  department: nullableText,
  round: z.number().int().min(1),
  sla: z.object({
    time: z.enum(['calendar', 'working']),
    acceptH: z.number().positive(),
    replyH: z.number().positive(),
    acceptBy: ms.nullable(),
    replyBy: ms,
    acceptOverdueAt: ms.nullable(),
    replyOverdueAt: ms.nullable(),
  }),
  acceptedAt: ms.nullable(),
  reply: z.object({ text: z.string(), at: ms, by: z.string(), department: z.string(), onTime: z.boolean() }).nullable(),
  closedAt: ms.nullable(),
  feedback: z.object({ satisfaction: z.number().int().min(1).max(5), comment: nullableText, at: ms }).nullable(),
  repeat: z.object({ count: z.number().int().min(1), firstCaseId: z.string(), byCaller: z.boolean(), byPlace: z.boolean() }).nullable(),
  incident: z.object({ incidentId: z.string(), how: z.enum(['opened', 'joined']), at: ms }).nullable(),
  history: z.array(
    z.object({
      at: ms,
      actor,
      what: z.enum(CASE_HAPPENINGS),
      reason: nullableText,
      params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    }),
  ),
  updatedAt: ms,
});

// The schema and the model must agree: a change to one without the other fails the type check.
type StoredCase = z.infer<typeof caseSnapshotV1>;
const _modelToStored = (c: HotlineCase): StoredCase => c;
const _storedToModel = (c: StoredCase): HotlineCase => c;
void _modelToStored;
void _storedToModel;

/** Upgraders: `UPGRADERS[n]` turns a version-n document into version n+1. None yet. */
export type SnapshotUpgraders = Readonly<Record<number, (doc: unknown) => unknown>>;
export const CASE_SNAPSHOT_UPGRADERS: SnapshotUpgraders = {};

export class CaseSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaseSnapshotError';
  }
}

/** The stored JSON of a case, at the current version. */
export function encodeCaseSnapshot(c: HotlineCase): string {
  return JSON.stringify({ v: CASE_SNAPSHOT_VERSION, case: c });
}

/**
 * Brings a stored document of `version` to `current` through `upgraders`, one step at a time.
 * Throws when a step is missing or the version is newer than this code knows.
 */
export function upgradeStoredDocument(
  doc: unknown,
  version: unknown,
  current: number,
  upgraders: SnapshotUpgraders,
  what: string,
): unknown {
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new CaseSnapshotError(`${what}: version ${JSON.stringify(version)} is not a snapshot version (a whole number from 1)`);
  if (version > current)
    throw new CaseSnapshotError(`${what}: version ${version} was written by a newer CityTwin; this one reads versions up to ${current}`);
  let d = doc;
  for (let v = version; v < current; v++) {
    const step = upgraders[v];
    if (!step) throw new CaseSnapshotError(`${what}: no upgrader from version ${v} to ${v + 1}`);
    d = step(d);
  }
  return d;
}

/** Reads a stored case: parsed, upgraded, validated. `what` names it in errors (case id and change). */
export function decodeCaseSnapshot(
  json: string,
  what = 'case snapshot',
  upgraders: SnapshotUpgraders = CASE_SNAPSHOT_UPGRADERS,
  current = CASE_SNAPSHOT_VERSION,
  schema: z.ZodType<HotlineCase> = caseSnapshotV1,
): HotlineCase {
  let stored: unknown;
  try {
    stored = JSON.parse(json);
  } catch (err) {
    throw new CaseSnapshotError(`${what}: not JSON (${(err as Error).message.slice(0, 80)})`);
  }
  if (stored === null || typeof stored !== 'object' || !('v' in stored) || !('case' in stored))
    throw new CaseSnapshotError(`${what}: expected {"v": version, "case": {...}}`);
  const { v, case: doc } = stored as { v: unknown; case: unknown };
  const upgraded = upgradeStoredDocument(doc, v, current, upgraders, what);
  const result = schema.safeParse(upgraded);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(case)'}: ${i.message}`)
      .join('; ');
    throw new CaseSnapshotError(`${what}: not a valid case of version ${current}: ${issues}`);
  }
  return result.data;
}
