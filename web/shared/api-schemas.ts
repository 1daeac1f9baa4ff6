/**
 * Runtime schemas of the HTTP API's answers whose shapes are defined in this folder
 * (protocol.ts, kpi-protocol.ts, replay-protocol.ts, audit-protocol.ts, basemap-protocol.ts).
 * The routes declare them as their `response` and their handlers return their types; the
 * OpenAPI document (`/api/openapi.json`) is generated from them. Each is checked against its
 * TypeScript type below, in both directions, so the wire type, the schema and the document
 * cannot drift apart. Server and tests only: the console imports the types, never these schemas.
 */
import { z } from 'zod';
import { CLASSIFICATIONS, INCIDENT_TYPES } from '../../twin-model/vocabulary.ts';
import type { DurationKey, IncidentResponseTimes } from '../../twin-model/dispatch/response-times.ts';
import { INCIDENT_CHANGE_KINDS, incidentSchema } from '../../twin-model/incidents/incident-schemas.ts';
import { responseUnitSchema, unitRecommendationSchema } from '../../twin-model/dispatch/dispatch-schemas.ts';
import { UNIT_STATUSES } from '../../twin-model/dispatch/unit-types.ts';
import type { SameShape } from '../../twin-model/schema-check.ts';
import { AUDIT_STREAM_NAMES, type AuditEntriesResponse, type AuditVerificationView } from './audit-protocol.ts';
import type { FeatureCollection } from '../../twin-model/city/city-types.ts';
import { BASEMAP_VARIANTS, type BasemapPayload, type VectorBasemapInfo } from './basemap-protocol.ts';
import { DRILL_KPIS, RESPONSE_STEPS, type KpiDrill, type KpiSummary } from './kpi-protocol.ts';
import type {
  CellsMessage,
  CityInfo,
  IncidentDetail,
  IncidentView,
  ReadingsResponse,
  RecommendationView,
  SensorDetail,
  SensorSummary,
  SourceListing,
  StatsMessage,
  UnitView,
} from './protocol.ts';
import type { ReplayEvents, ReplayFrames, ReplayKeyframe } from './replay-protocol.ts';

const num = z.number();
const lngLat = z.tuple([num, num]);
const bbox = z.tuple([num, num, num, num]);
const STATES = ['normal', 'warning', 'alarm', 'stale', 'unregistered'] as const;

// --- Sensors and the live figures (protocol.ts) ---------------------------------------------

export const sensorSummarySchema = z.object({
  i: num,
  id: z.string(),
  kind: z.string().describe('a v1 sensor kind, one the city declares (GET /api/vocabulary), or unknown'),
  lng: num.nullable(),
  lat: num.nullable(),
  district: z.string().nullable(),
  sourceId: z.string().nullable(),
  state: num.describe('SensorStateCode: 0 normal, 1 warning, 2 alarm, 3 stale, 4 unregistered'),
  value: num.nullable(),
  ts: num.nullable(),
  registered: z.boolean(),
  metric: z.string().optional().describe('for a sensor of kind unknown: the metric `value` is of'),
  unit: z.string().optional().describe('with `metric`: the unit it last came in, when the vocabulary has none'),
});

export const cellsMessageSchema = z.object({
  serverTime: num,
  level: num,
  cellDeg: num,
  bbox,
  zoom: num,
  total: num,
  registry: num,
  source: z.enum(['twin', 'registry']),
  cells: z.array(z.object({ key: z.string(), n: num, lng: num, lat: num, states: z.array(num) })),
});

const ingestCounts = z.object({ received: num, stored: num, rejected: num, pending: num });

export const sourceListingSchema = z.object({
  id: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  departmentZh: z.string(),
  departmentEn: z.string(),
  classification: z.enum(CLASSIFICATIONS),
  eventSources: z.array(z.string()).optional().describe('other names its reports arrive under'),
  registered: z.boolean(),
  ingest: ingestCounts.nullable(),
});

/** `GET /api/city`: the city the server runs. */
export const cityInfoSchema = z.object({
  id: z.string(),
  name: z.object({ zh: z.string(), en: z.string() }),
  timezone: z.string().describe('IANA time zone'),
  center: lngLat,
  zoom: num,
  bbox: z.tuple([num, num, num, num]).describe('west, south, east, north'),
});

export const statsMessageSchema = z.object({
  serverTime: num,
  messagesPerSec: num,
  readingsPerSec: num,
  receivedTotal: num,
  storedTotal: num,
  rejectedTotal: num,
  pendingReadings: num,
  ingestLagMs: num,
  connectedClients: num,
  lastDataTime: num,
  sensorsTotal: num,
  byState: z.object({ normal: num, warning: num, alarm: num, stale: num, unregistered: num }),
  storage: z.enum(['ok', 'degraded', 'down']),
  broker: z.enum(['ok', 'down']),
  ingestWorkers: num.optional(),
  clusterClients: num.optional(),
  webNodes: num.optional(),
});

export const sensorDetailSchema = z.object({
  id: z.string(),
  kind: z.string().describe('a v1 sensor kind, one the city declares (GET /api/vocabulary), or unknown'),
  lng: num.nullable(),
  lat: num.nullable(),
  registered: z.boolean(),
  name: z.string().nullable(),
  nameZh: z.string().nullable(),
  nameEn: z.string().nullable(),
  district: z.string().nullable(),
  districtNameZh: z.string().nullable(),
  districtNameEn: z.string().nullable(),
  source: z.object({ id: z.string(), nameZh: z.string(), nameEn: z.string(), classification: z.string() }).nullable(),
  classification: z.string().nullable(),
  state: z.enum(STATES),
  latest: z.record(
    z.string(),
    z.object({
      value: num,
      ts: num,
      unit: z.string().describe("the vocabulary's unit, else the unit the metric's readings last came in (SenML u), else ''"),
    }),
  ),
  stateReason: z.string().nullable(),
});

export const readingsResponseSchema = z.object({
  sensorId: z.string(),
  metric: z.string(),
  points: z.array(lngLat.describe('[epoch ms, value]')),
  resolution: z.string(),
  unit: z.string().optional().describe("the vocabulary's unit, else the unit the metric's readings last came in, else ''"),
});

// --- Incidents and units (protocol.ts) -------------------------------------------------------

/** Where an incident's escalation stands (notifications): the tier paged and when the next page is due. */
export const incidentEscalationViewSchema = z.object({
  policyId: z.string(),
  tier: num,
  nextTier: num.nullable(),
  nextRepeat: num.nullable(),
  nextEscalationAt: num.nullable(),
});

export const incidentViewSchema = incidentSchema.extend({
  hiddenEvidence: num,
  coarse: z.boolean(),
  escalation: incidentEscalationViewSchema.nullable().optional(),
});

export const incidentHistoryEntrySchema = z.object({
  at: num,
  actor: z.string(),
  what: z.enum(INCIDENT_CHANGE_KINDS),
  detail: z.string(),
  status: incidentSchema.shape.status,
  severity: num,
  confidence: num,
});

export const incidentDetailSchema = incidentViewSchema.extend({ history: z.array(incidentHistoryEntrySchema) });

const tripViewSchema = z.object({
  incidentId: z.string().nullable(),
  leg: z.enum(['to_incident', 'home']),
  since: num,
  etaS: num,
  lengthM: num,
  reroutes: num,
  path: z.array(lngLat),
  cumulativeS: z.array(num),
});

export const unitViewSchema = responseUnitSchema.extend({ warnings: z.array(z.string()), trip: tripViewSchema.nullable() });

export const recommendationViewSchema = unitRecommendationSchema.omit({ route: true }).extend({
  nameZh: z.string(),
  nameEn: z.string(),
  status: z.enum(UNIT_STATUSES),
  version: num,
  path: z.array(lngLat),
});

// --- Response times (twin-model/dispatch/response-times.ts) ----------------------------------

const seconds = num.nullable();
export const incidentResponseTimesSchema = z.object({
  incidentId: z.string(),
  type: z.enum(INCIDENT_TYPES).nullable(),
  outcome: z.enum(['open', 'resolved', 'closed', 'false_alarm', 'merged']),
  detectedAt: num.nullable(),
  acknowledgedAt: num.nullable(),
  dispatchedAt: num.nullable(),
  arrivedAt: num.nullable(),
  resolvedAt: num.nullable(),
  dispatches: num,
  durations: z.object({
    acknowledgeS: seconds,
    dispatchS: seconds,
    travelS: seconds,
    onSceneS: seconds,
    dispatchAfterDetectS: seconds,
    arriveAfterDetectS: seconds,
    resolveAfterDetectS: seconds,
  }),
});

const durationSummary = z.object({ count: num, medianS: num.nullable().describe('null when count is 0'), p90S: num.nullable() });
export const responseSummarySchema = z.object({
  incidents: num,
  ...Object.fromEntries(Object.keys(incidentResponseTimesSchema.shape.durations.shape).map((k) => [k, durationSummary])),
} as { incidents: typeof num } & Record<DurationKey, typeof durationSummary>);

// --- The KPI screen (kpi-protocol.ts) ---------------------------------------------------------

const nameCount = <K extends string>(key: K) => z.object({ [key]: z.string(), n: num } as { [k in K]: z.ZodString } & { n: z.ZodNumber });
const health = { registered: num, online: num, rate: num.nullable() };

export const kpiSummarySchema = z.object({
  at: num,
  dayStart: num.describe("local midnight of the day the figures cover, in the city's zone"),
  timeZone: z.string().describe("the city's IANA time zone"),
  queryMs: num,
  openIncidents: z.object({
    total: num,
    byType: z.array(nameCount('type')),
    byDistrict: z.array(z.object({ district: z.string(), nameZh: z.string(), nameEn: z.string(), n: num })),
    cells: z.array(z.object({ type: z.string(), district: z.string(), n: num })),
    points: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        status: z.string(),
        district: z.string(),
        lng: num,
        lat: num,
        severity: num,
        detectedAt: num,
      }),
    ),
  }),
  responseTimes: z.object({
    incidents: num,
    steps: z.array(
      z.object({
        step: z.enum(RESPONSE_STEPS),
        count: num,
        medianS: num.nullable(),
        p90S: num.nullable(),
        target: z.object({ medianS: num, p90S: num }),
        met: z.boolean().nullable(),
      }),
    ),
  }),
  incidentsToday: z.object({ today: z.array(num), lastWeek: z.array(num), todaySoFar: num, lastWeekSoFar: num }),
  sensorHealth: z.object({
    ...health,
    windowMin: num,
    bySource: z.array(
      z.object({
        source: z.string(),
        nameZh: z.string(),
        nameEn: z.string(),
        departmentZh: z.string(),
        departmentEn: z.string(),
        classification: z.enum(CLASSIFICATIONS),
        ...health,
      }),
    ),
    byDepartment: z.array(z.object({ departmentZh: z.string(), departmentEn: z.string(), sources: num, ...health })),
  }),
  ingest: statsMessageSchema
    .pick({
      messagesPerSec: true,
      readingsPerSec: true,
      receivedTotal: true,
      storedTotal: true,
      rejectedTotal: true,
      pendingReadings: true,
      ingestLagMs: true,
      storage: true,
      broker: true,
      lastDataTime: true,
    })
    .extend({
      deadLetters: z.object({ windowMin: num, total: num, perMinute: z.array(num), byReason: z.array(nameCount('reason')) }),
    }),
  hotline: z.object({
    today: z.array(num),
    lastWeek: z.array(num),
    todaySoFar: num,
    lastWeekSoFar: num,
    byCategory: z.array(nameCount('category')),
  }),
  serviceHalls: z.object({
    windowMin: num,
    halls: num,
    queueTotal: num,
    waitMinMean: num.nullable(),
    waitMinMax: num.nullable(),
    byDistrict: z.array(z.object({ district: z.string(), nameZh: z.string(), nameEn: z.string(), halls: num, queue: num })),
    rows: z.array(
      z.object({
        sensorId: z.string(),
        name: z.string(),
        district: z.string(),
        queue: num.nullable(),
        waitMin: num.nullable(),
        at: num,
      }),
    ),
    hidden: num,
  }),
});

export const kpiDrillSchema = z.object({
  kpi: z.enum(DRILL_KPIS),
  at: num,
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), z.unknown())),
  total: num,
  hidden: num,
});

// --- Replay (replay-protocol.ts) --------------------------------------------------------------

const timings = z.record(z.string(), num);
const unitAtSchema = z.object({
  id: z.string(),
  kind: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  lng: num,
  lat: num,
  status: z.string(),
  lastFixAt: num,
});

export const replayKeyframeSchema = z.object({
  at: num,
  snapshot: z.object({
    epoch: z.string(),
    seq: num,
    serverTime: num,
    sensors: z.array(sensorSummarySchema),
    scope: z.literal('viewport').optional(),
  }),
  gaps: z.string().describe('Replay indices of sensors in a gap, base64 Uint32Array'),
  incidents: z.array(incidentViewSchema),
  units: z.array(unitAtSchema),
  timings,
});

const base64 = (what: string) => z.string().describe(`base64 ${what}`);
export const replayFramesSchema = z.object({
  epoch: z.string(),
  from: num,
  to: num,
  step: num,
  source: z.enum(['raw', 'rollup']),
  frames: z.array(
    z.object({
      epoch: z.string(),
      seq: num,
      serverTime: num,
      dataTime: num,
      index: base64('Uint32Array'),
      state: base64('Uint8Array'),
      value: base64('Float32Array'),
      ts: base64('Float64Array'),
      gaps: base64('Uint32Array'),
      added: z
        .array(sensorSummarySchema)
        .optional()
        .describe('sensors registered, moved or first met in this step, with their position (absent when none)'),
    }),
  ),
  timings,
});

export const unitTrackSchema = z.object({
  id: z.string(),
  kind: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  points: z.array(z.tuple([num, num, num]).describe('[epoch ms, lng, lat]')),
  statuses: z.array(z.tuple([num, z.string()]).describe('[epoch ms, status]')),
});

export const replayEventsSchema = z.object({
  from: num,
  to: num,
  incidents: z.array(incidentViewSchema),
  changes: z.array(
    z.object({ at: num, actor: z.string(), what: z.enum(INCIDENT_CHANGE_KINDS), detail: z.string(), incident: incidentViewSchema }),
  ),
  actions: z.array(
    z.object({
      at: num,
      actor: z.string(),
      source: z.enum(['incident', 'dispatch']),
      what: z.string(),
      incidentId: z.string().nullable(),
      unitId: z.string().nullable(),
      detail: z.string(),
      automatic: z.boolean(),
    }),
  ),
  units: z.array(unitTrackSchema),
  coverage: z.object({ from: num, bucketMs: num, counts: z.array(num) }),
});

// --- Audit (audit-protocol.ts) ----------------------------------------------------------------

const head = z.object({ seq: num, hash: z.string() }).nullable();

export const auditEntriesSchema = z.object({
  entries: z.array(
    z.object({
      chain: z.string(),
      seq: num,
      at: num,
      actor: z.string(),
      stream: z.enum(AUDIT_STREAM_NAMES),
      action: z.string(),
      object: z.string(),
      detail: z.string(),
      data: z.record(z.string(), z.unknown()),
      hash: z.string(),
    }),
  ),
  next: z.string().nullable(),
});

export const auditVerificationSchema = z.object({
  ok: z.boolean(),
  at: num,
  problems: z.array(
    z.object({
      stream: z.enum(['audit', 'dispatch', 'incident', 'security', 'checkpoint']),
      kind: z.enum(['altered', 'missing', 'reordered', 'bad_start', 'unaudited', 'bad_checkpoint', 'no_checkpoint', 'foreign_chain']),
      seq: num.nullable(),
      detail: z.string(),
    }),
  ),
  chain: z.string().nullable(),
  chains: z.array(z.object({ chain: z.string(), checked: num, head, anchored: z.boolean() })),
  dispatch: z.object({ checked: num, head }),
  checkpoints: z.object({
    read: num,
    valid: num,
    last: z.object({ seq: num, hash: z.string(), at: num, dispatch: head }).nullable(),
  }),
  publicKey: z.string(),
});

// --- The base map (basemap-protocol.ts) -------------------------------------------------------

export const vectorBasemapInfoSchema = z.object({
  url: z.string(),
  schema: z.literal('openmaptiles'),
  variants: z.array(z.enum(BASEMAP_VARIANTS)),
  minZoom: num,
  maxZoom: num,
  bounds: bbox,
  attribution: z.string().nullable(),
});

const ring = z.array(lngLat);
const polygon = z.array(ring);
/** A GeoJSON FeatureCollection (RFC 7946) of the city's layers (twin-model `FeatureCollection`). */
export const featureCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      id: z.union([z.string(), num]).optional(),
      properties: z.record(z.string(), z.union([z.string(), num, z.boolean(), z.null()])),
      geometry: z.discriminatedUnion('type', [
        z.object({ type: z.literal('Point'), coordinates: lngLat }),
        z.object({ type: z.literal('LineString'), coordinates: ring }),
        z.object({ type: z.literal('MultiLineString'), coordinates: z.array(ring) }),
        z.object({ type: z.literal('Polygon'), coordinates: polygon }),
        z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(polygon) }),
      ]),
    }),
  ),
});

export const basemapPayloadSchema = z.object({
  bbox,
  districts: featureCollectionSchema,
  zones: featureCollectionSchema,
  water: featureCollectionSchema,
  roads: featureCollectionSchema,
  labels: featureCollectionSchema,
  assets: featureCollectionSchema,
  buildings: featureCollectionSchema.optional(),
  vector: vectorBasemapInfoSchema.nullable(),
});

/**
 * The shapes the OpenAPI document names as components: answers of several routes and the
 * parts they share (a client generated from the document gets one type for each).
 */
export const API_SCHEMAS: Readonly<Record<string, z.ZodTypeAny>> = {
  SensorSummary: sensorSummarySchema,
  CellsMessage: cellsMessageSchema,
  SourceListing: sourceListingSchema,
  CityInfo: cityInfoSchema,
  StatsMessage: statsMessageSchema,
  SensorDetail: sensorDetailSchema,
  ReadingsResponse: readingsResponseSchema,
  IncidentHistoryEntry: incidentHistoryEntrySchema,
  IncidentResponseTimes: incidentResponseTimesSchema,
  ResponseSummary: responseSummarySchema,
  UnitTrack: unitTrackSchema,
  IncidentView: incidentViewSchema,
  IncidentDetail: incidentDetailSchema,
  UnitView: unitViewSchema,
  RecommendationView: recommendationViewSchema,
  KpiSummary: kpiSummarySchema,
  KpiDrill: kpiDrillSchema,
  ReplayKeyframe: replayKeyframeSchema,
  ReplayFrames: replayFramesSchema,
  ReplayEvents: replayEventsSchema,
  AuditEntries: auditEntriesSchema,
  AuditVerification: auditVerificationSchema,
  VectorBasemapInfo: vectorBasemapInfoSchema,
  FeatureCollection: featureCollectionSchema,
  BasemapPayload: basemapPayloadSchema,
};

// Compile-time checks: each schema describes exactly its wire type.
const checks: true[] = [
  true satisfies SameShape<z.infer<typeof sensorSummarySchema>, SensorSummary>,
  true satisfies SameShape<z.infer<typeof cellsMessageSchema>, CellsMessage>,
  true satisfies SameShape<z.infer<typeof sourceListingSchema>, SourceListing>,
  true satisfies SameShape<z.infer<typeof cityInfoSchema>, CityInfo>,
  true satisfies SameShape<z.infer<typeof statsMessageSchema>, StatsMessage>,
  true satisfies SameShape<z.infer<typeof sensorDetailSchema>, SensorDetail>,
  true satisfies SameShape<z.infer<typeof readingsResponseSchema>, ReadingsResponse>,
  true satisfies SameShape<z.infer<typeof incidentViewSchema>, IncidentView>,
  true satisfies SameShape<z.infer<typeof incidentDetailSchema>, IncidentDetail>,
  true satisfies SameShape<z.infer<typeof incidentResponseTimesSchema>, IncidentResponseTimes>,
  true satisfies SameShape<z.infer<typeof unitViewSchema>, UnitView>,
  true satisfies SameShape<z.infer<typeof recommendationViewSchema>, RecommendationView>,
  true satisfies SameShape<z.infer<typeof kpiSummarySchema>, KpiSummary>,
  true satisfies SameShape<z.infer<typeof kpiDrillSchema>, KpiDrill>,
  true satisfies SameShape<z.infer<typeof replayKeyframeSchema>, ReplayKeyframe>,
  true satisfies SameShape<z.infer<typeof replayFramesSchema>, ReplayFrames>,
  true satisfies SameShape<z.infer<typeof replayEventsSchema>, ReplayEvents>,
  true satisfies SameShape<z.infer<typeof auditEntriesSchema>, AuditEntriesResponse>,
  true satisfies SameShape<z.infer<typeof auditVerificationSchema>, AuditVerificationView>,
  true satisfies SameShape<z.infer<typeof vectorBasemapInfoSchema>, VectorBasemapInfo>,
  true satisfies SameShape<z.infer<typeof featureCollectionSchema>, FeatureCollection>,
  true satisfies SameShape<z.infer<typeof basemapPayloadSchema>, BasemapPayload>,
];
void checks;
