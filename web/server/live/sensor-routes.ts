/**
 * The sensor routes: the twin's sensors (filtered list, aggregate cells, one sensor with its
 * latest values), a metric's stored history, and the dead letters. Every answer keeps to the
 * caller's classification clearance. Stored data comes from the registry, readings and
 * dead-letter stores (storage/).
 */
import { z } from 'zod';
import type { DeadLetterStore, ReadingsStore, RegistryStore, VocabularyStore } from '../../../storage/index.ts';
import {
  ID_PATTERN,
  quoteValue,
  REJECT_REASONS,
  registerSites,
  SENSOR_STATES,
  seenUnitOf,
  stateName,
  UNCLASSIFIED_AS,
  unitOfUnitMetric,
  type CityModel,
} from '../../../twin-model/index.ts';
import { cellsMessageSchema, readingsResponseSchema, sensorDetailSchema, sensorSummarySchema } from '../../shared/api-schemas.ts';
import type { ReadingsResponse, SensorDetail } from '../../shared/protocol.ts';
import type { Principal } from '../auth/auth-service.ts';
import { clearanceMask, cleared } from '../auth/classification.ts';
import { HttpError, route, timeParam, type Route } from '../app/http-router.ts';
import type { TwinService } from './twin-service.ts';
import { summarize } from './live-stream.ts';
import { parseBbox } from './sensor-aggregate.ts';
import { registryCells } from './sensor-aggregate-registry.ts';
import { cellsMessage } from './viewport-sessions.ts';

export interface SensorRouteDeps {
  twin: TwinService;
  city: CityModel | null;
  registry: RegistryStore;
  readings: ReadingsStore;
  deadLetters: DeadLetterStore;
  /** The units stored for metrics outside the vocabulary, for a sensor the twin does not hold. */
  metricUnits?: Pick<VocabularyStore, 'metricUnits'>;
}

const sensorId = z.object({ sensorId: z.string().regex(ID_PATTERN, 'must be 1-64 characters of [A-Za-z0-9._-]') });
const DAY = 86_400_000;

/** A rejected message (storage/dead-letter-store.ts `DeadLetterRow`). */
const deadLetterSchema = z.object({
  receivedAt: z.number(),
  topic: z.string(),
  reason: z.string(),
  detail: z.string(),
  source: z.string(),
  payload: z.string().describe('The head of the payload: UTF-8 text, or base64 when it is not UTF-8'),
  payloadEncoding: z.enum(['utf8', 'base64']),
  payloadBytes: z.number(),
});

/** What the sensor routes share: their dependencies, the register of sites, and the clearance check. */
interface SensorContext {
  deps: SensorRouteDeps;
  /** The register: sensors of v1 kinds and of the kinds the city declares. */
  register: Map<string, ReturnType<typeof registerSites>[number]>;
  districtName(code: string | null): CityModel['districts'][number] | null;
  sourceOf(id: string | null): CityModel['sources'][number] | null;
  /**
   * Refuses a sensor above the caller's clearance (403 with the reason). A sensor the twin has
   * not seen is judged by its site's source, else as unclassified.
   */
  checkClearance(principal: Principal | null, id: string): void;
}

function sensorContext(deps: SensorRouteDeps): SensorContext {
  const register = new Map(registerSites(deps.city).map((s) => [s.id, s]));
  return {
    deps,
    register,
    districtName: (code) => deps.city?.districts.find((d) => d.code === code) ?? null,
    sourceOf: (id) => deps.city?.sources.find((s) => s.id === id) ?? null,
    checkClearance: (principal, id) => {
      if (!principal) throw new HttpError(401, 'sign in first');
      const entry = deps.twin.state.byId.get(id);
      const site = entry ? null : (register.get(id) ?? null);
      const cls = entry
        ? deps.twin.stream.classify(entry)
        : site
          ? deps.twin.stream.classify({ classification: null, sourceId: site.sourceId })
          : UNCLASSIFIED_AS;
      if (!principal.clearance.includes(cls)) {
        throw new HttpError(
          403,
          `sensor "${id}" carries ${cls} data; your roles (${principal.roles.join(', ')}) are cleared for ${principal.clearance.join(', ') || 'nothing'}`,
          { classification: cls },
        );
      }
    },
  };
}

/** Aggregate cells of a bbox from the twin's grid or the stored registry. */
async function aggregateCells(
  ctx: SensorContext,
  query: { bbox: string; zoom: number; kinds?: string | undefined; source: 'twin' | 'registry' },
  principal: Principal | null,
) {
  if (!principal) throw new HttpError(401, 'sign in first');
  const bbox = parseBbox(query.bbox);
  if (typeof bbox === 'string') throw new HttpError(400, bbox);
  const kinds = query.kinds
    ? query.kinds
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean)
    : null;
  const unknown = kinds?.find((k) => k !== 'unknown' && !ctx.deps.twin.vocabulary.isKind(k));
  if (unknown) throw new HttpError(400, `unknown sensor kind ${quoteValue(unknown)}`);
  if (query.source === 'registry') {
    return registryCells(ctx.deps.registry, {
      bbox,
      zoom: query.zoom,
      clearance: principal.clearance,
      sources: ctx.deps.city?.sources ?? [],
      register: [...ctx.register.values()],
      kinds,
    });
  }
  return cellsMessage(ctx.deps.twin.stream.grid, bbox, query.zoom, clearanceMask(principal.clearance), kinds, Date.now());
}

/**
 * A metric's unit: the vocabulary's fixed unit, else the unit its readings last came in (`seen`,
 * docs/ingest.md), else an unknown device's `value_<unit>` metric's unit read from its name; `''`.
 */
function metricUnitOf(ctx: SensorContext, metric: string, seen: string | null): string {
  return ctx.deps.twin.vocabulary.unitOf(metric.replace(/:sum$/, '')) ?? seen ?? unitOfUnitMetric(metric) ?? '';
}

/** One sensor: from the twin, else its site and its latest stored values. */
async function sensorDetail(ctx: SensorContext, id: string, principal: Principal | null): Promise<SensorDetail> {
  ctx.checkClearance(principal, id);
  const entry = ctx.deps.twin.state.byId.get(id);
  const stored = entry ? null : await ctx.deps.readings.latest(id);
  if (!entry && (!stored || stored.length === 0)) throw new HttpError(404, `sensor "${id}" is not known`);
  const latest: SensorDetail['latest'] = {};
  const storedUnits = entry || !ctx.deps.metricUnits ? null : await ctx.deps.metricUnits.metricUnits(id);
  const seen = (m: string): string | null =>
    entry ? seenUnitOf(entry, m) : (storedUnits?.find((u) => u.metric === m.replace(/:sum$/, ''))?.unit ?? null);
  const unitOf = (m: string) => metricUnitOf(ctx, m, seen(m));
  if (entry) for (const [m, v] of entry.latest) latest[m] = { value: v.value, ts: v.ts, unit: unitOf(m) };
  else for (const r of stored ?? []) latest[r.metric] = { value: r.value, ts: r.ts, unit: unitOf(r.metric) };
  const site = ctx.register.get(id) ?? null;
  const district = ctx.districtName(entry?.district ?? site?.district ?? null);
  const source = ctx.sourceOf(entry?.sourceId ?? site?.sourceId ?? null);
  // The effective classification: the source's, raised (never lowered) by the sensor's meta.
  const classification = ctx.deps.twin.stream.classify({
    classification: entry?.classification ?? null,
    sourceId: entry?.sourceId ?? site?.sourceId ?? null,
  });
  return {
    id,
    kind: entry?.kind ?? site?.kind ?? 'unknown',
    lng: entry?.lng ?? site?.lng ?? null,
    lat: entry?.lat ?? site?.lat ?? null,
    registered: entry?.registered ?? false,
    name: entry?.name ?? null,
    nameZh: site?.nameZh ?? entry?.name ?? null,
    nameEn: site?.nameEn ?? entry?.name ?? null,
    district: district?.code ?? entry?.district ?? null,
    districtNameZh: district?.nameZh ?? null,
    districtNameEn: district?.nameEn ?? null,
    source: source
      ? { id: source.id, nameZh: source.nameZh, nameEn: source.nameEn, classification }
      : entry?.sourceId
        ? { id: entry.sourceId, nameZh: entry.sourceId, nameEn: entry.sourceId, classification }
        : null,
    classification,
    state: entry ? stateName(entry.state) : 'unregistered',
    latest,
    stateReason: entry ? ctx.deps.twin.stateReason(entry) : null,
  };
}

/** The twin's sensors: a filtered list, and aggregate cells for the map. */
function sensorMapRoutes(ctx: SensorContext): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/sensors',
      operationId: 'listSensors',
      response: z.object({ total: z.number(), sensors: z.array(sensorSummarySchema) }),
      permission: 'live.read',
      tag: 'sensors',
      summary: "Sensors known to the twin, filtered (only those within the caller's classification clearance)",
      returns: '{ total, sensors: SensorSummary[] }',
      query: z.object({
        kind: z
          .string()
          .max(40)
          .refine((k) => k === 'unknown' || ctx.deps.twin.vocabulary.isKind(k), 'must be a sensor kind of GET /api/vocabulary, or unknown')
          .optional(),
        state: z.enum(SENSOR_STATES).optional(),
        district: z.string().max(32).optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(1000),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      handler: ({ query, principal }) => {
        const cleared = new Set(principal?.clearance ?? []);
        const all = ctx.deps.twin.state.sensors.filter(
          (s) =>
            cleared.has(ctx.deps.twin.stream.classify(s)) &&
            (!query.kind || s.kind === query.kind) &&
            (!query.state || stateName(s.state) === query.state) &&
            (!query.district || s.district === query.district),
        );
        return { total: all.length, sensors: all.slice(query.offset, query.offset + query.limit).map((e) => summarize(e)) };
      },
    }),
    route({
      method: 'GET',
      path: '/api/sensors/aggregate',
      operationId: 'aggregateSensors',
      response: cellsMessageSchema,
      permission: 'live.read',
      tag: 'sensors',
      summary: 'Aggregate grid cells of the sensors in a bbox (count, mean position, counts by state), for the map at low zoom',
      description:
        "Cells are squares of 90/2^level degrees, level = floor(zoom) within 6..13 (coarser when the bbox would need over 20,000 cells); the key `level/ix/iy` is the same on every pan. `source=twin` (default): the twin's in-memory grid with counts per state (normal, warning, alarm, stale, unregistered); `source=registry`: the stored registry in ClickHouse (counts only). Only sensors within the caller's classification clearance are counted (docs/scale.md).",
      returns: 'CellsMessage { serverTime, level, cellDeg, bbox, zoom, total, registry, source, cells: [{ key, n, lng, lat, states }] }',
      query: z.object({
        bbox: z.string().max(200),
        zoom: z.coerce.number().min(0).max(24),
        kinds: z.string().max(400).optional(),
        source: z.enum(['twin', 'registry']).default('twin'),
      }),
      handler: ({ query, principal }) => aggregateCells(ctx, query, principal),
    }),
  ];
}

/** One sensor, and the stored history of a metric. */
function sensorDetailRoutes(ctx: SensorContext): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/sensors/{sensorId}',
      operationId: 'getSensor',
      response: sensorDetailSchema,
      permission: 'sensors.read',
      tag: 'sensors',
      summary: 'One sensor: kind, position, registration, district, source, state and latest value per metric',
      returns: 'SensorDetail',
      params: sensorId,
      handler: ({ params, principal }) => sensorDetail(ctx, params.sensorId, principal),
    }),
    route({
      method: 'GET',
      path: '/api/sensors/{sensorId}/readings',
      operationId: 'getSensorReadings',
      response: readingsResponseSchema,
      permission: 'sensors.history',
      tag: 'sensors',
      summary: 'History of one metric of a sensor, in time order',
      description:
        'Times as epoch ms or RFC 3339. Default range: the last hour. Ranges over 3 h come from the per-minute rollup (averages), so `resolution` says what was used.',
      returns: 'ReadingsResponse { sensorId, metric, points: [[epochMs, value], ...], resolution }',
      params: sensorId,
      query: z.object({
        metric: z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'must be a metric name such as water_level_cm'),
        from: timeParam.optional(),
        to: timeParam.optional(),
        maxPoints: z.coerce.number().int().min(10).max(20_000).optional(),
      }),
      handler: async ({ params, query, principal }): Promise<ReadingsResponse> => {
        ctx.checkClearance(principal, params.sensorId);
        const to = query.to ?? Date.now();
        const from = query.from ?? to - 3600_000;
        if (from > to) throw new HttpError(400, `from (${from}) is after to (${to})`);
        if (to - from > 400 * DAY) throw new HttpError(400, 'the range is over 400 days; ask for a shorter range');
        const result = await ctx.deps.readings.history({
          sensorId: params.sensorId,
          metric: query.metric,
          from,
          to,
          ...(query.maxPoints ? { maxPoints: query.maxPoints } : {}),
        });
        if (result.points.length === 0 && !ctx.deps.twin.state.byId.has(params.sensorId)) {
          throw new HttpError(404, `sensor "${params.sensorId}" is not known`);
        }
        const entry = ctx.deps.twin.state.byId.get(params.sensorId);
        const seen = entry
          ? seenUnitOf(entry, query.metric)
          : ((await ctx.deps.metricUnits?.metricUnits(params.sensorId))?.find((u) => u.metric === query.metric.replace(/:sum$/, ''))
              ?.unit ?? null);
        return {
          sensorId: params.sensorId,
          metric: query.metric,
          points: result.points,
          resolution: result.resolution,
          unit: metricUnitOf(ctx, query.metric, seen),
        };
      },
    }),
  ];
}

/** Rejected messages. */
function deadLetterRoutes(ctx: SensorContext): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/dead-letters',
      operationId: 'listDeadLetters',
      response: z.array(deadLetterSchema),
      permission: 'ingest.dead-letters',
      tag: 'ingest',
      summary: 'Recently rejected messages with topic, reason and (truncated) payload',
      description:
        "Only messages whose topic is within the caller's classification clearance: a sensor's or service's topic is classified as that sensor, a report's as its source, a unit's fix as internal, a topic outside the v1 scheme as sensitive.",
      returns: 'Array of dead letters, newest first',
      query: z.object({
        reason: z.enum(REJECT_REASONS).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      handler: async ({ query, principal }) => {
        const mask = clearanceMask(principal?.clearance ?? []);
        // Read a little more than asked so that filtering rarely shortens the page.
        const rows = await ctx.deps.deadLetters.recent({ reason: query.reason, limit: query.limit * 4 });
        return rows.filter((r) => cleared(mask, ctx.deps.twin.classifyTopic(r.topic))).slice(0, query.limit);
      },
    }),
  ];
}

export function sensorRoutes(deps: SensorRouteDeps): Route[] {
  const ctx = sensorContext(deps);
  return [...sensorMapRoutes(ctx), ...sensorDetailRoutes(ctx), ...deadLetterRoutes(ctx)];
}
