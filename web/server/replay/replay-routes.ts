/**
 * The flight recorder over HTTP (docs/replay.md): keyframes, playback frames and the events of
 * a range for the replay console (web/client/replay.html), the after-action report of an
 * incident (JSON, Markdown, HTML with a map snapshot), and data export of a range (CSV,
 * Parquet) within the caller's classification clearance.
 */
import { z } from 'zod';
import type { StorageClient } from '../../../storage/index.ts';
import { CLASSIFICATIONS, ID_PATTERN, type CityBasemap, type CityModel, type Classification } from '../../../twin-model/index.ts';
import { districtAt } from '../../../twin-model/city/index.ts';
import {
  incidentHistoryEntrySchema,
  incidentResponseTimesSchema,
  incidentViewSchema,
  replayEventsSchema,
  replayFramesSchema,
  replayKeyframeSchema,
  unitTrackSchema,
} from '../../shared/api-schemas.ts';
import { HttpError, route, timeParam, type Route } from '../app/http-router.ts';
import type { AuditRecorder } from '../audit/audit-routes.ts';
import type { DispatchService } from '../dispatch/dispatch-service.ts';
import type { IncidentStore } from '../../../storage/incident-store.ts';
import type { TwinService } from '../live/twin-service.ts';
import { reportHtml, reportMarkdown } from './after-action-report.ts';
import { ReplayRangeError, ReplayService, type ReplayRules } from './replay-service.ts';
import { MAX_FRAMES, MAX_RANGE_MS, REPLAY_GRID_MS, snapToGrid, stepForSpeed, STEPS_MS } from './replay-twin.ts';

export interface ReplayDeps {
  replay: ReplayService;
  basemap: () => CityBasemap | null;
  /** Exports (CSV, Parquet) and downloaded reports (Markdown, HTML) are recorded here. */
  audit?: AuditRecorder | null;
}

const range = z.object({ from: timeParam, to: timeParam });

function checkRange(from: number, to: number, max = MAX_RANGE_MS): void {
  if (!(to > from)) throw new HttpError(400, `to (${to}) must be after from (${from})`);
  if (to - from > max)
    throw new HttpError(400, `the range is ${Math.round((to - from) / 3600_000)} h; at most ${Math.round(max / 3600_000)} h`);
}

async function rangeErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ReplayRangeError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** An incident's after-action report as JSON (after-action-report.ts `AfterActionReport`). */
const afterActionReportSchema = z.object({
  generatedAt: z.number(),
  incident: incidentViewSchema,
  range: z.object({ from: z.number(), to: z.number() }),
  timeline: z.array(incidentHistoryEntrySchema),
  decisions: z.array(
    z.object({
      at: z.number(),
      actor: z.string(),
      action: z.string(),
      unitId: z.string().nullable(),
      reason: z.string().nullable(),
      data: z.record(z.string(), z.unknown()),
    }),
  ),
  responseTimes: incidentResponseTimesSchema.nullable(),
  units: z.array(unitTrackSchema),
});

/** Export rows at most (a larger range: export it in parts). */
export const MAX_EXPORT_ROWS = 20_000_000;

/** The replay console's views at a time: keyframe, frames, events. */
function replayViewRoutes(deps: ReplayDeps): Route[] {
  const { replay } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/replay/keyframe',
      operationId: 'getReplayKeyframe',
      response: replayKeyframeSchema,
      permission: 'replay.read',
      tag: 'replay',
      summary:
        'The twin at a past moment, rebuilt from stored data: sensors (a SnapshotMessage), sensors in a gap, incidents and units at `at`',
      description: `\`at\` is snapped down to the ${REPLAY_GRID_MS / 1000} s replay grid (the answer's \`at\` is the moment rebuilt: every reading before it). Sensors within the caller's clearance, numbered in id order (\`snapshot.epoch\` names the numbering; frames share it). States come from the live twin's code fed with the stored values (docs/replay.md).`,
      returns:
        '{ at, snapshot: SnapshotMessage, gaps: base64 Uint32Array, incidents: IncidentView[], units: [{ id, kind, nameZh, nameEn, lng, lat, status, lastFixAt }], timings }',
      query: z.object({ at: timeParam }),
      handler: async ({ query, principal }) => replay.keyframe(snapToGrid(query.at), principal?.clearance ?? []),
    }),
    route({
      method: 'GET',
      path: '/api/replay/frames',
      operationId: 'getReplayFrames',
      response: replayFramesSchema,
      permission: 'replay.read',
      tag: 'replay',
      summary:
        'Playback frames after `from`: one DeltaMessage per step (values downsampled in ClickHouse, states from the twin), each with the sensors in a gap',
      description: `\`from\` is snapped down to the ${REPLAY_GRID_MS / 1000} s replay grid, as keyframes are. The step is \`step\` (ms, one of ${STEPS_MS.join(', ')}) or chosen from \`speed\` (1–1000, 10 frames a second); steps of 10 s and more are read from the rollup \`readings_10s\`. At most ${MAX_FRAMES} frames per call: \`to\` is cut there and the answer says where it ended. Binary fields are base64.`,
      returns:
        '{ epoch, from, to, step, source: raw|rollup, frames: [{ epoch, seq, serverTime, dataTime, index, state, value, ts, gaps }], timings }',
      query: range.extend({
        step: z.coerce
          .number()
          .int()
          .refine((s) => (STEPS_MS as readonly number[]).includes(s), `must be one of ${STEPS_MS.join(', ')}`)
          .optional(),
        speed: z.coerce.number().min(1).max(1000).optional(),
      }),
      handler: async ({ query, principal }) => {
        checkRange(query.from, query.to);
        const step = query.step ?? stepForSpeed(query.speed ?? 1);
        const from = snapToGrid(query.from);
        const to = Math.min(query.to, from + MAX_FRAMES * step);
        return rangeErrors(() => replay.frames(from, to, step, principal?.clearance ?? []));
      },
    }),
    route({
      method: 'GET',
      path: '/api/replay/events',
      operationId: 'getReplayEvents',
      response: replayEventsSchema,
      permission: 'replay.read',
      tag: 'replay',
      summary:
        'Everything but sensor frames for a range: incidents at `from` and their changes, operator actions (timeline), unit tracks and statuses, data coverage (gaps)',
      returns:
        '{ from, to, incidents, changes: [{ at, actor, what, detail, incident }], actions: [{ at, actor, source, what, incidentId, unitId, detail, automatic }], units: [{ id, kind, points: [[t, lng, lat]], statuses: [[t, status]] }], coverage: { from, bucketMs, counts } }',
      query: range,
      handler: async ({ query, principal }) => {
        checkRange(query.from, query.to);
        return rangeErrors(() => replay.events(query.from, query.to, principal?.clearance ?? []));
      },
    }),
  ];
}

/** An incident's after-action report. */
function reportRoutes(deps: ReplayDeps): Route[] {
  const { replay } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/replay/incidents/{incidentId}/report',
      operationId: 'getAfterActionReport',
      response: afterActionReportSchema,
      permission: 'replay.read',
      tag: 'replay',
      summary:
        'After-action report of an incident: timeline, evidence, dispatch decisions, response times, the proposed replay range; JSON, Markdown or HTML (with a map snapshot)',
      returns: 'AfterActionReport (JSON), text/markdown or text/html',
      media: ['text/markdown', 'text/html'],
      params: z.object({ incidentId: z.string().regex(ID_PATTERN, 'must be an incident id such as inc-000012') }),
      query: z.object({ format: z.enum(['json', 'md', 'html']).default('json'), lang: z.enum(['zh', 'en']).default('zh') }),
      handler: async ({ params, query, principal, res }) => {
        const report = await replay.report(params.incidentId, principal?.clearance ?? []);
        if (!report) throw new HttpError(404, `incident "${params.incidentId}" is not in the incident store`);
        if (query.format === 'json') return report;
        // A downloaded report leaves the system: recorded (the JSON form is the replay console's own view).
        deps.audit?.record({
          at: Date.now(),
          actor: principal?.username ?? '',
          stream: 'export',
          action: 'report',
          object: params.incidentId,
          detail: `${query.format} (${query.lang})`,
          data: { format: query.format, lang: query.lang },
        });
        const body =
          query.format === 'md' ? reportMarkdown(report, query.lang, deps.basemap()) : reportHtml(report, query.lang, deps.basemap());
        const type = query.format === 'md' ? 'text/markdown; charset=utf-8' : 'text/html; charset=utf-8';
        res.writeHead(200, {
          'content-type': type,
          'content-disposition': `attachment; filename="${params.incidentId}-report.${query.format}"`,
          'cache-control': 'no-store',
        });
        res.end(body);
        return undefined;
      },
    }),
  ];
}

/** Readings of a range as a download. */
function exportRoutes(deps: ReplayDeps): Route[] {
  const { replay } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/replay/export',
      operationId: 'exportReadings',
      response: z.never(),
      permission: 'export.data',
      tag: 'replay',
      summary:
        "Readings of a range as CSV or Parquet (made by ClickHouse), for the sensors of the chosen classifications within the caller's clearance",
      description:
        '`classes` (default: every classification the caller is cleared for; `public` = open data) picks the sources; asking for a classification beyond the clearance is refused (403). Columns: sensor_id, kind, classification, metric, ts (UTC), ts_ms, value. Optional `step` (ms) downsamples in ClickHouse (last value per step).',
      returns: 'text/csv or application/vnd.apache.parquet (attachment)',
      media: ['text/csv', 'application/vnd.apache.parquet'],
      query: range.extend({
        format: z.enum(['csv', 'parquet']).default('csv'),
        classes: z
          .string()
          .max(64)
          .transform((v) =>
            v
              .split(',')
              .map((c) => c.trim())
              .filter(Boolean),
          )
          .pipe(z.array(z.enum(CLASSIFICATIONS)).min(1))
          .optional(),
        step: z.coerce.number().int().min(1000).max(86_400_000).optional(),
      }),
      handler: async ({ query, principal, res }) => {
        checkRange(query.from, query.to);
        const clearance = principal?.clearance ?? [];
        const wanted: Classification[] = query.classes ?? [...clearance];
        const beyond = wanted.filter((c) => !clearance.includes(c));
        if (beyond.length)
          throw new HttpError(
            403,
            `your roles (${principal?.roles.join(', ') ?? 'none'}) are cleared for ${clearance.join(', ') || 'nothing'}; not for ${beyond.join(', ')}`,
            { classification: beyond[0] },
          );
        const sensors = await replay.exportSensors(wanted);
        deps.audit?.record({
          at: Date.now(),
          actor: principal?.username ?? '',
          stream: 'export',
          action: query.format,
          object: `${new Date(query.from).toISOString()}/${new Date(query.to).toISOString()}`,
          detail: `readings of ${sensors.length} sensors (${wanted.join(', ')})${query.step ? `, one per ${query.step} ms` : ''}`,
          data: { from: query.from, to: query.to, classes: wanted, sensors: sensors.length, ...(query.step ? { step: query.step } : {}) },
        });
        const stream = await replay.exportReadings(sensors, {
          from: query.from,
          to: query.to,
          format: query.format,
          ...(query.step ? { step: query.step } : {}),
          maxRows: MAX_EXPORT_ROWS,
        });
        const name = `citytwin-${new Date(query.from).toISOString().slice(0, 16).replace(/[:T]/g, '')}-${wanted.join('+')}.${query.format}`;
        res.writeHead(200, {
          'content-type': query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet',
          'content-disposition': `attachment; filename="${name}"`,
          'cache-control': 'no-store',
          'x-citytwin-sensors': String(sensors.length),
        });
        for await (const chunk of stream) {
          if (!res.write(chunk)) await new Promise<void>((r) => res.once('drain', () => r()));
        }
        res.end();
        return undefined;
      },
    }),
  ];
}

export function replayRoutes(deps: ReplayDeps): Route[] {
  return [...replayViewRoutes(deps), ...reportRoutes(deps), ...exportRoutes(deps)];
}

/** The replay routes for the web server's dependencies (one service per server). */
export function replayRoutesFor(deps: {
  clickhouse: StorageClient;
  city: CityModel | null;
  basemap: () => CityBasemap | null;
  twin: TwinService;
  incidentStore?: IncidentStore | null;
  dispatch?: DispatchService | null;
  audit?: AuditRecorder | null;
  /** The alarm rule versions: replay at T runs the rules in force at T. */
  rules?: ReplayRules | null;
}): Route[] {
  const city = deps.city;
  const replay = new ReplayService({
    clickhouse: deps.clickhouse,
    city,
    ...(city ? { districtAt: (lng: number, lat: number) => districtAt(city, lng, lat)?.code ?? null } : {}),
    incidentStore: deps.incidentStore ?? null,
    dispatch: deps.dispatch ?? null,
    classifyEvidence: deps.twin.classifyEvidence,
    rules: deps.rules ?? null,
  });
  return replayRoutes({ replay, basemap: deps.basemap, audit: deps.audit ?? null });
}
