/**
 * Registers at run time over HTTP (docs/city-packages.md, "Registers at run time"): import a
 * sensors, units or sources CSV or a vocabulary.json as a dry run (the diff: added, moved and
 * otherwise changed, retired, invalid rows with reasons) or applied (in force at once where the
 * running product allows, at the next start otherwise); the past imports. Admins only
 * (`registers.manage`); every dry run and apply is audited.
 */
import { z } from 'zod';
import { IMPORT_ENTITIES, IMPORT_FILES, type PackageProblem, type RegisterImportCheck } from '../../../twin-model/city-package/index.ts';
import type { RegisterEntry } from '../../../twin-model/index.ts';
import { HttpError, route, type Route } from '../app/http-router.ts';
import { RegisterImportRefused, RegisterImportUnavailable, type RegisterImportService } from './register-import-service.ts';

export interface RegisterRouteDeps {
  registers: RegisterImportService;
}

/** Largest register file accepted (100,000 sensors of a city are about 15 MB of CSV). */
export const MAX_REGISTER_BYTES = 32 * 1024 * 1024;
/** Rows of each list of the diff, and problems, in an answer (the counts are always whole). */
export const DIFF_ROWS_SHOWN = 2000;

const importBody = z
  .object({
    entity: z.enum(IMPORT_ENTITIES),
    csv: z
      .string()
      .max(MAX_REGISTER_BYTES)
      .optional()
      .describe('the whole sensors.csv, units.csv or sources.csv (entity sensor, unit, source)'),
    vocabulary: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .optional()
      .describe('the whole vocabulary.json, as text or as the JSON document (entity vocabulary)'),
    reason: z.string().trim().max(2000).default('').describe('why the register changes (required to apply)'),
  })
  .strict()
  .refine(
    (b) =>
      b.entity === 'vocabulary' ? b.vocabulary !== undefined && b.csv === undefined : b.csv !== undefined && b.vocabulary === undefined,
    {
      message: 'give `csv` for entity sensor, unit or source, `vocabulary` for entity vocabulary',
      path: ['csv'],
    },
  );

const problemSchema = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  file: z.string(),
  line: z.number().optional(),
  feature: z.number().optional(),
  field: z.string().optional(),
  value: z.string().optional(),
  message: z.string(),
});
const diffRow = z.object({
  id: z.string(),
  kind: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  lng: z.number(),
  lat: z.number(),
  source: z.string(),
  classification: z.string(),
  changes: z.array(z.string()).optional().describe('what changed (moved, renamed, resourced, rekinded, reclassified, redetailed)'),
  before: z.object({ lng: z.number(), lat: z.number(), nameZh: z.string(), nameEn: z.string() }).optional(),
});
const importResult = z.object({
  id: z.string(),
  entity: z.enum(IMPORT_ENTITIES),
  file: z.string(),
  at: z.number(),
  dryRun: z.boolean(),
  ok: z.boolean().describe('no error: the file can be applied'),
  applied: z.boolean(),
  entries: z.number(),
  problems: z.array(problemSchema).describe(`the first ${DIFF_ROWS_SHOWN} problems`),
  errors: z.number().describe('errors in the whole file'),
  warnings: z.number().describe('warnings in the whole file'),
  counts: z.record(z.string(), z.number()).nullable(),
  added: z.array(diffRow),
  changed: z.array(diffRow),
  retired: z.array(diffRow),
  vocabulary: z
    .object({ added: z.array(z.string()), changed: z.array(z.string()), removed: z.array(z.string()), unchanged: z.number() })
    .nullable(),
  live: z.array(z.string()).describe('what an apply puts in force at once'),
  nextStart: z.array(z.string()).describe('what an apply puts in force at the next start'),
});
const importSummary = z.object({
  id: z.string(),
  at: z.number(),
  actor: z.string(),
  reason: z.string(),
  entity: z.string(),
  ok: z.boolean(),
  applied: z.boolean(),
  superseded: z.boolean(),
  entries: z.number(),
  counts: z.record(z.string(), z.unknown()),
  problems: z.number(),
});

/** What takes effect at once and what at the next start, per entity. */
export const TAKES_EFFECT: Record<(typeof IMPORT_ENTITIES)[number], { live: string[]; nextStart: string[] }> = {
  sensor: {
    live: [
      'city register',
      'sensor registry',
      'live twin (new and moved sensors registered, retired ones deregistered) on every web node',
      'device directory (kinds, external ids) on every web node and ingest worker',
    ],
    nextStart: ['per-sensor rule overrides', 'retired sensors leave the live map'],
  },
  unit: {
    live: ['city register', 'dispatch fleet on every web node (units added, updated, retired)', "the consoles' unit boards"],
    nextStart: [],
  },
  source: {
    live: ['city register', 'classification of stored readings'],
    nextStart: ["live stream's classification of twin entries", 'event source names'],
  },
  vocabulary: {
    live: [
      'checks of later imports',
      'sensor kinds and metrics of the ingest and the twin on every web node and ingest worker',
      "the consoles' labels",
    ],
    nextStart: [],
  },
};

function rowOf(e: RegisterEntry): z.infer<typeof diffRow> {
  return {
    id: e.id,
    kind: e.kind,
    nameZh: e.nameZh,
    nameEn: e.nameEn,
    lng: e.lng,
    lat: e.lat,
    source: e.source,
    classification: e.classification,
  };
}

function resultOf(id: string, at: number, dryRun: boolean, applied: boolean, c: RegisterImportCheck): z.infer<typeof importResult> {
  const d = c.diff;
  return {
    id,
    entity: c.entity,
    file: c.file,
    at,
    dryRun,
    ok: c.ok,
    applied,
    entries: c.entries,
    problems: c.problems.slice(0, DIFF_ROWS_SHOWN),
    errors: c.problems.filter((p) => p.severity === 'error').length,
    warnings: c.problems.filter((p) => p.severity === 'warning').length,
    counts: c.counts && c.entity !== 'vocabulary' ? c.counts[c.entity] : null,
    added: (d?.added ?? []).slice(0, DIFF_ROWS_SHOWN).map(rowOf),
    changed: (d?.changed ?? []).slice(0, DIFF_ROWS_SHOWN).map((x) => ({
      ...rowOf(x.entry),
      changes: x.changes,
      before: { lng: x.before.lng, lat: x.before.lat, nameZh: x.before.nameZh, nameEn: x.before.nameEn },
    })),
    retired: (d?.retired ?? []).slice(0, DIFF_ROWS_SHOWN).map(rowOf),
    vocabulary: c.vocabulary,
    ...TAKES_EFFECT[c.entity],
  };
}

/** A problem as an error answer's issue (path, message) with its fields kept. */
const issueOf = (p: PackageProblem) => ({
  ...p,
  path: `${p.file}${p.line ? `:${p.line}` : ''}${p.field ? ` ${p.field}` : ''}`,
  message: `${p.value ? `${p.value}: ` : ''}${p.message}`,
});

const parseJson = (text: string): Record<string, unknown> => {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
};

export function registerRoutes(deps: RegisterRouteDeps): Route[] {
  return [importRoute(deps), ...importReadRoutes(deps)];
}

type StoredImport = Awaited<ReturnType<RegisterRouteDeps['registers']['list']>>[number];

/** A stored import as the list and the detail show it (the problems counted). */
function summaryOf(r: StoredImport, problems: number) {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    reason: r.reason,
    entity: r.entity,
    ok: r.ok,
    applied: r.applied,
    superseded: r.superseded,
    entries: r.entries,
    counts: parseJson(r.counts),
    problems,
  };
}

function importRoute(deps: RegisterRouteDeps): Route {
  return route({
    method: 'POST',
    path: '/api/register/imports',
    operationId: 'importRegister',
    response: importResult,
    permission: 'registers.manage',
    tag: 'city',
    summary: 'Imports a sensors, units or sources CSV or a vocabulary.json: a dry run shows the diff, an apply puts it in force',
    description:
      "The file replaces the entity's whole list and is checked with the city package loader's rules against the files in force (docs/city-packages.md). `dryRun=true` (the default) answers the diff — added, changed (moved, renamed, …), retired, and every invalid row with its line, field, value and what is allowed — and changes nothing. `dryRun=false` applies a valid file (a file with any error gets 400 listing every problem; nothing is applied). Both are stored and audited.",
    query: z.object({ dryRun: z.enum(['true', 'false']).default('true') }),
    body: importBody,
    maxBodyBytes: MAX_REGISTER_BYTES + 64 * 1024,
    returns:
      '{ id, entity, file, at, dryRun, ok, applied, entries, problems, errors, warnings, counts, added, changed, retired, vocabulary, live, nextStart }',
    handler: async ({ query, body, principal }) => {
      if (!principal) throw new HttpError(401, 'sign in first');
      const dryRun = query.dryRun === 'true';
      if (!dryRun && body.reason.length === 0) throw new HttpError(400, 'give a `reason`: why the register changes (required to apply)');
      const text =
        body.entity === 'vocabulary'
          ? typeof body.vocabulary === 'string'
            ? body.vocabulary
            : JSON.stringify(body.vocabulary, null, 2)
          : body.csv!;
      try {
        const r = await deps.registers.run({ entity: body.entity, text, reason: body.reason, actor: principal.username, dryRun });
        return resultOf(r.id, r.at, dryRun, r.applied, r.check);
      } catch (err) {
        if (err instanceof RegisterImportRefused)
          throw new HttpError(400, err.message, err.problems.slice(0, DIFF_ROWS_SHOWN).map(issueOf));
        if (err instanceof RegisterImportUnavailable) throw new HttpError(409, err.message);
        throw err;
      }
    },
  });
}

function importReadRoutes(deps: RegisterRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/register/imports',
      operationId: 'listRegisterImports',
      response: z.object({ imports: z.array(importSummary) }),
      permission: 'registers.manage',
      tag: 'city',
      summary: 'The past register imports, newest first: dry runs, applied and refused ones, and whether a changed package superseded them',
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      returns: '{ imports: [{ id, at, actor, reason, entity, ok, applied, superseded, entries, counts, problems }] }',
      handler: async ({ query }) => ({
        imports: (await deps.registers.list(query.limit)).map((r) => summaryOf(r, (JSON.parse(r.problems || '[]') as unknown[]).length)),
      }),
    }),
    route({
      method: 'GET',
      path: '/api/register/imports/{importId}',
      operationId: 'getRegisterImport',
      response: importSummary.extend({ file: z.string(), text: z.string(), problemList: z.array(problemSchema) }),
      permission: 'registers.manage',
      tag: 'city',
      summary: 'One register import: who, when, why, the file as uploaded, its counts and problems',
      params: z.object({ importId: z.string().regex(/^imp-[a-z0-9-]{1,40}$/, 'an import id such as imp-mf3k2x9a-1a2b3c4d') }),
      returns: '{ id, at, actor, reason, entity, ok, applied, superseded, entries, counts, problems, file, text, problemList }',
      handler: async ({ params }) => {
        const r = await deps.registers.get(params.importId);
        if (!r) throw new HttpError(404, `no register import ${JSON.stringify(params.importId)}`);
        const problemList = JSON.parse(r.problems || '[]') as z.infer<typeof problemSchema>[];
        return {
          ...summaryOf(r, problemList.length),
          file: IMPORT_FILES[r.entity as (typeof IMPORT_ENTITIES)[number]] ?? r.entity,
          text: r.fileText,
          problemList,
        };
      },
    }),
  ];
}
