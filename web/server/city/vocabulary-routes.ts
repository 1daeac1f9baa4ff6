/**
 * The vocabulary as data (contracts.md, "Devices as they come (v1.1)"): `GET /api/vocabulary`
 * lists the v1 kinds and metrics and the ones the city declares (package, meta, admin), each
 * with its origin; `POST /api/vocabulary/kinds` lets an administrator declare a kind (or add
 * metrics to a declared one), stored and audited.
 */
import { z } from 'zod';
import {
  CLASSIFICATIONS,
  EVENT_TYPES,
  INCIDENT_TYPES,
  REJECT_REASONS,
  SENSOR_STATES,
  type KindDeclaration,
  type Vocabulary,
} from '../../../twin-model/index.ts';
import type { VocabularyStore } from '../../../storage/index.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { HttpError, route, type Route } from '../app/http-router.ts';

export interface VocabularyRoutesDeps {
  vocabulary: Vocabulary;
  /** Where administrators' declarations are kept; null: not stored (a node without storage). */
  store: VocabularyStore | null;
  audit: AuditService | null;
}

const origin = z
  .enum(['v1', 'package', 'meta', 'admin'])
  .describe('where the name comes from: the v1 vocabulary, the city package, a sensor meta message, an administrator');
const labelView = z.object({ zh: z.string(), en: z.string() });
const list = <T extends z.ZodTypeAny>(item: T) => z.array(item).readonly();
/** A sensor kind with its metrics (the first is drawn on the map). */
const kindSchema = z.object({ kind: z.string(), metrics: list(z.string()), label: labelView, origin });
/** `GET /api/vocabulary`: the names integrators configure against. */
export const vocabularyDocumentSchema = z.object({
  sensorKinds: z.array(kindSchema),
  metrics: z.array(z.object({ metric: z.string(), unit: z.string(), label: labelView, origin })),
  sensorStates: list(z.enum(SENSOR_STATES)),
  classifications: list(z.enum(CLASSIFICATIONS)),
  eventTypes: list(z.enum(EVENT_TYPES)),
  incidentTypes: list(z.enum(INCIDENT_TYPES)),
  rejectReasons: list(z.enum(REJECT_REASONS)),
});
export type VocabularyDocument = z.infer<typeof vocabularyDocumentSchema>;

/** The `GET /api/vocabulary` document. */
export function vocabularyDocument(vocabulary: Vocabulary): VocabularyDocument {
  return {
    sensorKinds: vocabulary.kinds().map((k) => ({ kind: k.kind, metrics: k.metrics, label: k.label, origin: k.origin })),
    metrics: vocabulary.metrics().map((m) => ({ metric: m.metric, unit: m.unit, label: m.label, origin: m.origin })),
    sensorStates: SENSOR_STATES,
    classifications: CLASSIFICATIONS,
    eventTypes: EVENT_TYPES,
    incidentTypes: INCIDENT_TYPES,
    rejectReasons: REJECT_REASONS,
  };
}

const label = z.object({ zh: z.string().min(1).max(64), en: z.string().min(1).max(64) }).strict();

export function vocabularyRoutes(deps: VocabularyRoutesDeps): Route[] {
  const { vocabulary } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/vocabulary',
      operationId: 'getVocabulary',
      response: vocabularyDocumentSchema,
      permission: 'city.read',
      tag: 'city',
      summary: 'Sensor kinds (v1 and declared, with their origin), metrics with units, states, event and incident types, reject reasons',
      returns: 'Vocabulary',
      handler: () => vocabularyDocument(vocabulary),
    }),
    route({
      method: 'POST',
      path: '/api/vocabulary/kinds',
      operationId: 'declareSensorKind',
      response: z.object({ kind: kindSchema, changed: z.boolean() }),
      permission: 'vocabulary.manage',
      tag: 'city',
      summary: 'Declare a sensor kind with its metrics and their SenML units (or add metrics to a declared kind)',
      description:
        'Body `{"kind": "noise_level", "label": {"zh": "噪声", "en": "Noise level"}, "metrics": {"noise_dba": "dB"}}`: names `[a-z][a-z0-9_]*`, units from the SenML registry (RFC 8428 §12.1, RFC 8798). The v1 names keep their meaning and units; a declared kind may gain metrics, never lose them. 400 with every problem listed. Recorded in the audit log (stream `config`). A declared kind has no alarm rules: its sensors show values and go stale, they never alarm.',
      returns: '{ kind: {kind, label, metrics, origin}, changed }',
      body: z
        .object({
          kind: z.string().max(40),
          label,
          metrics: z.record(z.string().max(63), z.string().max(32)),
        })
        .strict(),
      handler: async ({ body, principal }) => {
        const declaration: KindDeclaration = { kind: body.kind, label: body.label, metrics: body.metrics };
        const problems = vocabulary.check(declaration);
        if (problems.length) throw new HttpError(400, `kind ${JSON.stringify(body.kind)}: ${problems.join('; ')}`, { problems });
        const actor = principal?.username ?? 'unknown';
        const result = vocabulary.declare(declaration, 'admin');
        if (!result.ok)
          throw new HttpError(400, `kind ${JSON.stringify(body.kind)}: ${result.problems.join('; ')}`, { problems: result.problems });
        const kind = vocabulary.kind(body.kind)!;
        if (result.changed) {
          const stored = vocabulary.declarationOf(body.kind)!;
          await deps.store?.saveKind({ declaration: stored, origin: 'admin', declaredBy: actor, declaredAt: Date.now() });
          deps.audit?.record({
            at: Date.now(),
            actor,
            stream: 'config',
            action: 'vocabulary_kind_declared',
            object: body.kind,
            detail: `sensor kind ${body.kind} (${body.label.en}): ${Object.entries(stored.metrics)
              .map(([m, u]) => `${m} [${u}]`)
              .join(', ')}`,
            data: { kind: body.kind, label: body.label, metrics: stored.metrics },
          });
        }
        return { kind: { kind: kind.kind, label: kind.label, metrics: kind.metrics, origin: kind.origin }, changed: result.changed };
      },
    }),
  ];
}
