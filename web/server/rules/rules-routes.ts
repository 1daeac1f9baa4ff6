/**
 * Rules over HTTP (docs/rules.md): the rules in force and any version, the versions with their
 * diffs, the diff between two versions, the "try it" preview of a draft rule, and applying a new
 * version (saved with author and reason, in force at once on every web node). Bad rule sets get
 * 400 with every problem's path, the value found and what is allowed.
 */
import { z } from 'zod';
import { RuleVersionConflictError, type PreviewReport } from '../../../storage/index.ts';
import type { SameShape } from '../../../twin-model/schema-check.ts';
import {
  IncidentRuleError,
  RULE_SCOPES,
  RuleSetError,
  RuleVersionError,
  SENSOR_KINDS,
  type DraftRule,
  type RuleChange,
  type RuleScope,
} from '../../../twin-model/index.ts';
import { HttpError, route, timeParam, type Route } from '../app/http-router.ts';
import type { RulesService } from './rules-service.ts';

export interface RulesRouteDeps {
  rules: RulesService;
}

/** Largest rule set accepted by `apply` (a city's overrides for many sensors). */
export const MAX_RULE_SET_BYTES = 1024 * 1024;

const scopeParams = z.object({ scope: z.enum(RULE_SCOPES) });
const entityId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'an id: 1-64 characters of A-Z a-z 0-9 . _ -');

/** A draft rule: where it goes (a kind, one asset's sensors of the kind, or one sensor), its id, and the rule or the fields to change. */
const draftBody = z
  .object({
    kind: z.enum(SENSOR_KINDS),
    assetId: entityId.optional(),
    sensorId: entityId.optional(),
    ruleId: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a rule id: lower case letters, digits and _, starting with a letter'),
    rule: z.record(z.string(), z.unknown(), 'the rule (kind scope) or the fields to change (asset or sensor scope)'),
    from: timeParam.or(z.number().int()).optional(),
    to: timeParam.or(z.number().int()).optional(),
  })
  .strict()
  .refine((b) => !(b.assetId && b.sensorId), { message: 'give assetId or sensorId, not both', path: ['sensorId'] });

const applyBody = z
  .object({
    ruleSet: z.record(z.string(), z.unknown(), 'the whole rule set: {"schemaVersion": 1, …} (docs/rules.md)'),
    reason: z.string().trim().min(1, 'why the rules change (required)').max(2000),
  })
  .strict();

/** One change between two versions (twin-model/rules `RuleChange`). */
const ruleChangeSchema = z.object({
  path: z.string().describe('e.g. kinds.water_level.rules.rise.delta'),
  keys: z.array(z.string()),
  change: z.enum(['added', 'removed', 'changed']),
  old: z.unknown().optional(),
  new: z.unknown().optional(),
});
const ruleChangeChecked: SameShape<z.infer<typeof ruleChangeSchema>, RuleChange> = true;
void ruleChangeChecked;
const scope = z.enum(RULE_SCOPES);
/** A whole rule set document (docs/rules.md): alarm rules, or incident rules. */
const ruleSetDocument = z.unknown().describe('the whole rule set, as docs/rules.md describes it');
const savedVersion = { version: z.number(), author: z.string(), at: z.number(), reason: z.string(), diff: z.array(ruleChangeSchema) };
const previewCount = z.object({ sensorId: z.string(), episodes: z.number(), alarmEpisodes: z.number() });
/** `POST /api/rules/alarms/preview` (storage `PreviewReport`). */
const previewReportSchema = z.object({
  episodes: z.number(),
  alarmEpisodes: z.number(),
  sensorsWithEpisodes: z.number(),
  sensorsEvaluated: z.number(),
  readings: z.number(),
  top: z.array(previewCount),
  samples: z.array(z.object({ sensorId: z.string(), startTs: z.number(), reachedAlarm: z.boolean() })),
  from: z.number(),
  to: z.number(),
  candidates: z.number(),
});
const previewChecked: SameShape<z.infer<typeof previewReportSchema>, PreviewReport> = true;
void previewChecked;

/** A refusal of the rules domain as an HTTP error with its issues. */
function refusal(err: unknown): never {
  if (err instanceof RuleSetError) throw new HttpError(400, err.message, err.issues);
  if (err instanceof IncidentRuleError) throw new HttpError(400, err.message, err.issues.length > 0 ? err.issues : undefined);
  if (err instanceof RuleVersionError) throw new HttpError(400, err.message);
  if (err instanceof RuleVersionConflictError) throw new HttpError(409, err.message);
  if (err instanceof RangeError) throw new HttpError(400, err.message);
  throw err;
}

export function rulesRoutes(deps: RulesRouteDeps): Route[] {
  return [...ruleSetRoutes(deps), ...ruleChangeRoutes(deps), applyRoute(deps)];
}

/** A version number asked for, checked against the versions there are (absent: the one in force). */
function versionOf(deps: RulesRouteDeps, scope: RuleScope, v: number | undefined): number {
  const current = deps.rules.current(scope).version;
  if (v === undefined) return current;
  if (v > current)
    throw new HttpError(404, `version ${v} of the ${scope} rules does not exist (versions 0 to ${current}; 0 is the baseline)`);
  return v;
}

/** The rule set in force (or of a version), and the versions. */
function ruleSetRoutes(deps: RulesRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/rules/{scope}',
      operationId: 'getRules',
      response: z.object({
        scope,
        version: z.number(),
        current: z.number(),
        author: z.string().nullable(),
        at: z.number().nullable(),
        reason: z.string().nullable(),
        ruleSet: ruleSetDocument,
      }),
      permission: 'rules.read',
      tag: 'rules',
      summary: 'The alarm or incident rules in force (or a given version): the whole rule set',
      description: "Version 0 is the baseline: the city package's `rules/` or the defaults, in force before the first saved version.",
      params: scopeParams,
      query: z.object({ version: z.coerce.number().int().min(0).optional() }),
      returns: '{ scope, version, current, author, at, reason, ruleSet }',
      handler: ({ params, query }) => {
        const version = versionOf(deps, params.scope, query.version);
        const v = deps.rules.versions(params.scope).find((x) => x.version === version);
        return {
          scope: params.scope,
          version,
          current: deps.rules.current(params.scope).version,
          author: v?.author ?? null,
          at: v?.at ?? null,
          reason: v?.reason ?? null,
          ruleSet: deps.rules.ruleSetOf(params.scope, version),
        };
      },
    }),
    route({
      method: 'GET',
      path: '/api/rules/{scope}/versions',
      operationId: 'listRuleVersions',
      response: z.object({
        scope,
        current: z.number(),
        baseline: z.enum(['stored', 'city', 'defaults']),
        versions: z.array(z.object(savedVersion)),
      }),
      permission: 'rules.read',
      tag: 'rules',
      summary: 'Every saved version of the rules: who, when, why, and the diff against the version before',
      params: scopeParams,
      returns:
        '{ scope, current, baseline: "city" | "defaults", versions: [{ version, author, at, reason, diff: [{ path, change, before, after }] }] }',
      handler: ({ params }) => ({
        scope: params.scope,
        current: deps.rules.current(params.scope).version,
        baseline: deps.rules.baselineOrigin,
        versions: deps.rules
          .versions(params.scope)
          .map((v) => ({ version: v.version, author: v.author, at: v.at, reason: v.reason, diff: v.diff })),
      }),
    }),
  ];
}

/** The diff between two versions, and the preview of a draft rule. */
function ruleChangeRoutes(deps: RulesRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/rules/{scope}/diff',
      operationId: 'diffRules',
      response: z.object({ scope, fromVersion: z.number(), toVersion: z.number(), diff: z.array(ruleChangeSchema) }),
      permission: 'rules.read',
      tag: 'rules',
      summary: 'The changes between two versions (default: the version in force against the one before)',
      params: scopeParams,
      query: z.object({
        fromVersion: z.coerce.number().int().min(0).optional(),
        toVersion: z.coerce.number().int().min(0).optional(),
      }),
      returns: '{ scope, fromVersion, toVersion, diff: [{ path, change, before, after }] }',
      handler: ({ params, query }) => {
        const to = versionOf(deps, params.scope, query.toVersion);
        const from = versionOf(deps, params.scope, query.fromVersion ?? Math.max(0, to - 1));
        try {
          return { scope: params.scope, fromVersion: from, toVersion: to, diff: deps.rules.diff(params.scope, from, to) };
        } catch (err) {
          return refusal(err);
        }
      },
    }),
    route({
      method: 'POST',
      path: '/api/rules/alarms/preview',
      operationId: 'previewAlarmRule',
      response: previewReportSchema,
      permission: 'rules.read',
      tag: 'rules',
      summary: '"Try it": the alarm episodes a draft rule would have raised over the last 24 h of stored readings, before it is saved',
      description:
        "The draft goes into the rules in force: a whole rule at kind scope, or the fields to change (or a whole new rule) for one asset (`assetId`) or one sensor (`sensorId`). Counted exactly by the twin's own evaluation over the stored readings (`from`/`to` choose another range). An episode is a sensor entering warning or alarm from neither.",
      body: draftBody,
      returns:
        '{ from, to, candidates, episodes, alarmEpisodes, sensorsWithEpisodes, sensorsEvaluated, readings, top: [{ sensorId, episodes, alarmEpisodes }], samples: [{ sensorId, startTs, reachedAlarm }] }',
      handler: async ({ body }) => {
        const scope: DraftRule['scope'] = body.assetId
          ? { kind: body.kind, assetId: body.assetId }
          : body.sensorId
            ? { kind: body.kind, sensorId: body.sensorId }
            : { kind: body.kind };
        try {
          return await deps.rules.preview(
            { scope, ruleId: body.ruleId, rule: body.rule as DraftRule['rule'] },
            { ...(body.from !== undefined ? { from: body.from } : {}), ...(body.to !== undefined ? { to: body.to } : {}) },
          );
        } catch (err) {
          return refusal(err);
        }
      },
    }),
  ];
}

/** A whole rule set saved as the next version and put in force. */
function applyRoute(deps: RulesRouteDeps): Route {
  return route({
    method: 'POST',
    path: '/api/rules/{scope}/apply',
    operationId: 'applyRules',
    response: z.object({ scope, ...savedVersion }),
    permission: 'rules.edit',
    tag: 'rules',
    summary: 'Saves a rule set as the next version (author, time, reason, diff) and puts it in force at once on every web node',
    description:
      "The whole rule set is validated against the city's vocabulary and register first: a bad one gets 400 listing every problem (`issues`: path, value, what is allowed). A set equal to the one in force, or one saved meanwhile by someone else under the same version number, is refused (400, 409). Audited.",
    params: scopeParams,
    body: applyBody,
    maxBodyBytes: MAX_RULE_SET_BYTES,
    returns: '{ scope, version, author, at, reason, diff: [{ path, change, before, after }] }',
    handler: async ({ params, body, principal }) => {
      if (!principal) throw new HttpError(401, 'sign in first');
      try {
        const v = await deps.rules.apply(params.scope, body.ruleSet, principal.username, body.reason);
        return { scope: v.scope, version: v.version, author: v.author, at: v.at, reason: v.reason, diff: v.diff };
      } catch (err) {
        return refusal(err);
      }
    },
  });
}
