/**
 * The flight recorder over HTTP (docs/replay.md): keyframes, playback frames and the events of
 * a range for the replay console (web/client/replay.html), the after-action report of an
 * incident (JSON, Markdown, HTML with a map snapshot), and data export of a range (CSV,
 * Parquet) within the caller's classification clearance.
 */
import { z } from 'zod';
import { CLASSIFICATIONS, ID_PATTERN, type CityBasemap, type Classification } from '../../twin-model/index.ts';
import { HttpError, route, timeParam, type Route } from './http-router.ts';
import { clearanceMask } from './auth/classification.ts';
import {
  MAX_FRAMES,
  MAX_RANGE_MS,
  ReplayRangeError,
  registryAt,
  replayIds,
  ReplayService,
  rowClass,
  REPLAY_GRID_MS,
  snapToGrid,
  stepForSpeed,
  STEPS_MS,
  type AfterActionReport,
} from './replay-service.ts';
import { sensorClassifier } from './auth/classification.ts';
import { districtAt } from '../../twin-model/city/index.ts';
import type { CityModel } from '../../twin-model/index.ts';
import type { ClickHouseClient } from '@clickhouse/client';
import type { TwinService } from './twin-service.ts';
import type { IncidentStore } from './incident-store.ts';
import type { DispatchService } from './dispatch-service.ts';
import type { AuditRecorder } from './audit/audit-routes.ts';
import { wordChangeDetail, wordLinkReason } from '../shared/incident-wording.ts';

export interface ReplayDeps {
  replay: ReplayService;
  clickhouse: ClickHouseClient;
  city: CityModel | null;
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

/** Export rows at most (a larger range: export it in parts). */
export const MAX_EXPORT_ROWS = 20_000_000;

export function replayRoutes(deps: ReplayDeps): Route[] {
  const { replay } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/replay/keyframe',
      permission: 'replay.read',
      tag: 'replay',
      summary:
        'The twin at a past moment, rebuilt from stored data: sensors (a SnapshotMessage), sensors in a gap, incidents and units at `at`',
      description: `\`at\` is snapped down to the ${REPLAY_GRID_MS / 1000} s replay grid (the answer's \`at\` is the moment rebuilt: every reading before it). Sensors within the caller's clearance, numbered in id order (\`snapshot.epoch\` names the numbering; frames share it). States come from the live twin's code fed with the stored values (docs/replay.md).`,
      response:
        '{ at, snapshot: SnapshotMessage, gaps: base64 Uint32Array, incidents: IncidentView[], units: [{ id, kind, nameZh, nameEn, lng, lat, status, lastFixAt }], timings }',
      query: z.object({ at: timeParam }),
      handler: async ({ query, principal }) => replay.keyframe(snapToGrid(query.at), principal?.clearance ?? []),
    }),
    route({
      method: 'GET',
      path: '/api/replay/frames',
      permission: 'replay.read',
      tag: 'replay',
      summary:
        'Playback frames after `from`: one DeltaMessage per step (values downsampled in ClickHouse, states from the twin), each with the sensors in a gap',
      description: `\`from\` is snapped down to the ${REPLAY_GRID_MS / 1000} s replay grid, as keyframes are. The step is \`step\` (ms, one of ${STEPS_MS.join(', ')}) or chosen from \`speed\` (1–1000, 10 frames a second); steps of 10 s and more are read from the rollup \`readings_10s\`. At most ${MAX_FRAMES} frames per call: \`to\` is cut there and the answer says where it ended. Binary fields are base64.`,
      response:
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
      permission: 'replay.read',
      tag: 'replay',
      summary:
        'Everything but sensor frames for a range: incidents at `from` and their changes, operator actions (timeline), unit tracks and statuses, data coverage (gaps)',
      response:
        '{ from, to, incidents, changes: [{ at, actor, what, detail, incident }], actions: [{ at, actor, source, what, incidentId, unitId, detail, automatic }], units: [{ id, kind, points: [[t, lng, lat]], statuses: [[t, status]] }], coverage: { from, bucketMs, counts } }',
      query: range,
      handler: async ({ query, principal }) => {
        checkRange(query.from, query.to);
        return rangeErrors(() => replay.events(query.from, query.to, principal?.clearance ?? []));
      },
    }),
    route({
      method: 'GET',
      path: '/api/replay/incidents/{incidentId}/report',
      permission: 'replay.read',
      tag: 'replay',
      summary:
        'After-action report of an incident: timeline, evidence, dispatch decisions, response times, the proposed replay range; JSON, Markdown or HTML (with a map snapshot)',
      response: 'AfterActionReport (JSON), text/markdown or text/html',
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
        const body = query.format === 'md' ? reportMarkdown(report, query.lang) : reportHtml(report, query.lang, deps.basemap());
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
    route({
      method: 'GET',
      path: '/api/replay/export',
      permission: 'export.data',
      tag: 'replay',
      summary:
        "Readings of a range as CSV or Parquet (made by ClickHouse), for the sensors of the chosen classifications within the caller's clearance",
      description:
        '`classes` (default: every classification the caller is cleared for; `public` = open data) picks the sources; asking for a classification beyond the clearance is refused (403). Columns: sensor_id, kind, classification, metric, ts (UTC), ts_ms, value. Optional `step` (ms) downsamples in ClickHouse (last value per step).',
      response: 'text/csv or application/vnd.apache.parquet (attachment)',
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
        const classify = sensorClassifier(deps.city?.sources ?? []);
        const sites = new Map((deps.city?.sensorSites ?? []).map((s) => [s.id, s]));
        const rows = await replay.registry();
        const ids = replayIds(rows, classify, clearanceMask(wanted), sites);
        const classOf = new Map<string, string>();
        const kindOf = new Map<string, string>();
        // The newest row of each sensor wins (rows come in any order): the same row replayIds classified.
        for (const [id, r] of registryAt(rows, Number.MAX_SAFE_INTEGER)) {
          if (!r) continue;
          kindOf.set(id, sites.get(id)?.kind ?? r.kind);
          classOf.set(id, rowClass(r, classify, sites));
        }
        deps.audit?.record({
          at: Date.now(),
          actor: principal?.username ?? '',
          stream: 'export',
          action: query.format,
          object: `${new Date(query.from).toISOString()}/${new Date(query.to).toISOString()}`,
          detail: `readings of ${ids.length} sensors (${wanted.join(', ')})${query.step ? `, one per ${query.step} ms` : ''}`,
          data: { from: query.from, to: query.to, classes: wanted, sensors: ids.length, ...(query.step ? { step: query.step } : {}) },
        });
        const kinds = ids.map((id) => kindOf.get(id) ?? '');
        const classes = ids.map((id) => classOf.get(id) ?? '');
        const value = query.step ? 'argMax(value, ts)' : 'value';
        const time = query.step ? `toDateTime64(intDiv(toUnixTimestamp64Milli(ts), {step:Int64}) * {step:Int64} / 1000, 3, 'UTC')` : 'ts';
        const sql = `SELECT sensor_id, transform(sensor_id, {ids:Array(String)}, {kinds:Array(String)}, '') AS kind,
            transform(sensor_id, {ids:Array(String)}, {classes:Array(String)}, '') AS classification, metric,
            formatDateTime(t, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS ts, toUnixTimestamp64Milli(t) AS ts_ms, v AS value
          FROM (SELECT sensor_id, metric, ${time} AS t, ${value} AS v FROM readings
                WHERE entity = 'sensor' AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
                  AND sensor_id IN {ids:Array(String)} AND metric NOT LIKE '%:sum'
                ${query.step ? 'GROUP BY sensor_id, metric, t' : ''})
          ORDER BY sensor_id, metric, ts_ms LIMIT ${MAX_EXPORT_ROWS}
          FORMAT ${query.format === 'csv' ? 'CSVWithNames' : 'Parquet'}`;
        const result = await deps.clickhouse.exec({
          query: sql,
          query_params: { from: query.from, to: query.to, ids, kinds, classes, ...(query.step ? { step: query.step } : {}) },
        });
        const name = `citytwin-${new Date(query.from).toISOString().slice(0, 16).replace(/[:T]/g, '')}-${wanted.join('+')}.${query.format}`;
        res.writeHead(200, {
          'content-type': query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet',
          'content-disposition': `attachment; filename="${name}"`,
          'cache-control': 'no-store',
          'x-citytwin-sensors': String(ids.length),
        });
        for await (const chunk of result.stream as AsyncIterable<Buffer | Uint8Array>) {
          if (!res.write(chunk)) await new Promise<void>((r) => res.once('drain', () => r()));
        }
        res.end();
        return undefined;
      },
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// After-action report rendering

type Lang = 'zh' | 'en';

const WORDS: Record<string, { zh: string; en: string }> = {
  title: { zh: '事后复盘报告', en: 'After-action report' },
  incident: { zh: '事件', en: 'Incident' },
  type: { zh: '类型', en: 'Type' },
  status: { zh: '状态', en: 'Status' },
  severity: { zh: '严重度', en: 'Severity' },
  confidence: { zh: '置信度', en: 'Confidence' },
  district: { zh: '区', en: 'District' },
  opened: { zh: '发生', en: 'Opened' },
  range: { zh: '复盘时段', en: 'Replay range' },
  timeline: { zh: '时间线', en: 'Timeline' },
  evidence: { zh: '证据', en: 'Evidence' },
  decisions: { zh: '调度决策', en: 'Dispatch decisions' },
  responseTimes: { zh: '响应时间', en: 'Response times' },
  map: { zh: '地图快照（示意图）', en: 'Map snapshot (schematic)' },
  time: { zh: '时间', en: 'Time' },
  actor: { zh: '操作者', en: 'Actor' },
  what: { zh: '事项', en: 'What' },
  detail: { zh: '说明', en: 'Detail' },
  unit: { zh: '单位', en: 'Unit' },
  action: { zh: '动作', en: 'Action' },
  reason: { zh: '理由', en: 'Reason' },
  kind: { zh: '来源', en: 'Kind' },
  why: { zh: '关联理由', en: 'Why linked' },
  step: { zh: '环节', en: 'Step' },
  seconds: { zh: '用时', en: 'Duration' },
  hidden: { zh: '条证据超出您的密级，未列出', en: 'evidence items above your clearance are not listed' },
  none: { zh: '无', en: 'none' },
  generated: { zh: '生成于', en: 'Generated' },
  acknowledgeS: { zh: '发现 → 确认', en: 'detection → acknowledge' },
  dispatchS: { zh: '确认 → 派遣', en: 'acknowledge → dispatch' },
  travelS: { zh: '派遣 → 到场', en: 'dispatch → on scene' },
  resolveS: { zh: '到场 → 解决', en: 'on scene → resolved' },
  totalS: { zh: '发现 → 解决', en: 'detection → resolved' },
};

const w = (key: string, lang: Lang): string => WORDS[key]?.[lang] ?? key;

/** UTC+8 (Wuhan) wall-clock time, as the command centre reads it. */
function clock(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19)} (UTC+8)`;
}

function duration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

/** Table cells: Markdown needs pipes and newlines escaped. */
const mdCell = (v: unknown): string =>
  String(v ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');

function durationRows(r: AfterActionReport): Array<[string, string]> {
  const d = (r.responseTimes?.durations ?? {}) as Record<string, number | null>;
  return Object.keys(d).map((k) => [k, duration(d[k])]);
}

export function reportMarkdown(r: AfterActionReport, lang: Lang): string {
  const i = r.incident;
  const lines: string[] = [];
  lines.push(`# ${w('title', lang)}: ${i.id}`, '');
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| ${w('type', lang)} | ${i.type} |`, `| ${w('status', lang)} | ${i.status} |`, `| ${w('severity', lang)} | ${i.severity} |`);
  lines.push(
    `| ${w('confidence', lang)} | ${i.confidence.toFixed(2)} |`,
    `| ${w('district', lang)} | ${i.district ?? '—'} |`,
    `| ${w('opened', lang)} | ${clock(i.openedAt)} |`,
  );
  lines.push(`| ${w('range', lang)} | ${clock(r.range.from)} – ${clock(r.range.to)} |`, '');
  lines.push(`## ${w('responseTimes', lang)}`, '', `| ${w('step', lang)} | ${w('seconds', lang)} |`, '|---|---|');
  for (const [k, v] of durationRows(r)) lines.push(`| ${w(k, lang)} | ${v} |`);
  lines.push(
    '',
    `## ${w('timeline', lang)}`,
    '',
    `| ${w('time', lang)} | ${w('actor', lang)} | ${w('what', lang)} | ${w('detail', lang)} |`,
    '|---|---|---|---|',
  );
  for (const h of r.timeline)
    lines.push(`| ${clock(h.at)} | ${mdCell(h.actor)} | ${h.what} | ${mdCell(wordChangeDetail(h.what, h.detail, lang))} |`);
  lines.push(
    '',
    `## ${w('evidence', lang)}`,
    '',
    `| ${w('time', lang)} | ${w('kind', lang)} | id | ${w('why', lang)} |`,
    '|---|---|---|---|',
  );
  for (const e of i.evidence) lines.push(`| ${clock(e.ts)} | ${e.kind} | ${mdCell(e.id)} | ${mdCell(wordLinkReason(e.why, lang))} |`);
  if (i.hiddenEvidence > 0) lines.push('', `${i.hiddenEvidence} ${w('hidden', lang)}`);
  lines.push('', `## ${w('decisions', lang)}`, '');
  if (r.decisions.length === 0) lines.push(w('none', lang));
  else {
    lines.push(
      `| ${w('time', lang)} | ${w('actor', lang)} | ${w('action', lang)} | ${w('unit', lang)} | ${w('reason', lang)} |`,
      '|---|---|---|---|---|',
    );
    for (const d of r.decisions)
      lines.push(
        `| ${clock(d.at)} | ${mdCell(d.actor)} | ${d.action} | ${mdCell(d.unitId ?? '')} | ${mdCell(d.reason ?? (d.data as { overrideReason?: string }).overrideReason ?? '')} |`,
      );
  }
  lines.push('', `${w('generated', lang)} ${clock(r.generatedAt)}`, '');
  return lines.join('\n');
}

const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A schematic map of the incident's surroundings as inline SVG: roads and water of the base
 * map near it, the evidence, the incident, and the tracks of the units sent.
 */
export function mapSnapshotSvg(r: AfterActionReport, basemap: CityBasemap | null): string {
  const pts: Array<[number, number]> = [
    [r.incident.lng, r.incident.lat],
    ...r.incident.evidence.map((e) => [e.lng, e.lat] as [number, number]),
  ];
  for (const u of r.units) for (const p of u.points) pts.push([p[1], p[2]]);
  let [w0, s0, e0, n0] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of pts) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    w0 = Math.min(w0, x);
    e0 = Math.max(e0, x);
    s0 = Math.min(s0, y);
    n0 = Math.max(n0, y);
  }
  const pad = Math.max(0.006, (e0 - w0) * 0.12, (n0 - s0) * 0.12);
  const [W, S, E, N] = [w0 - pad, s0 - pad, e0 + pad, n0 + pad];
  const width = 640;
  const kx = Math.cos(((S + N) / 2) * (Math.PI / 180));
  const height = Math.round(Math.min(640, Math.max(240, (width * (N - S)) / ((E - W) * kx))));
  const X = (lng: number) => (((lng - W) / (E - W)) * width).toFixed(1);
  const Y = (lat: number) => (((N - lat) / (N - S)) * height).toFixed(1);
  const inBox = (c: number[]) => c[0]! >= W && c[0]! <= E && c[1]! >= S && c[1]! <= N;
  const out: string[] = [];
  const line = (coords: number[][], style: string) => {
    if (!coords.some(inBox)) return;
    out.push(`<polyline points="${coords.map((c) => `${X(c[0]!)},${Y(c[1]!)}`).join(' ')}" ${style}/>`);
  };
  const draw = (
    fc: { features: Array<{ geometry: { type: string; coordinates: unknown } }> } | undefined,
    style: string,
    fillStyle?: string,
  ) => {
    for (const f of fc?.features ?? []) {
      const g = f.geometry;
      if (g.type === 'LineString') line(g.coordinates as number[][], style);
      else if (g.type === 'MultiLineString') for (const l of g.coordinates as number[][][]) line(l, style);
      else if (g.type === 'Polygon') for (const ring of g.coordinates as number[][][]) line(ring, fillStyle ?? style);
      else if (g.type === 'MultiPolygon')
        for (const poly of g.coordinates as number[][][][]) for (const ring of poly) line(ring, fillStyle ?? style);
    }
  };
  const bm = basemap as unknown as Record<string, { features: Array<{ geometry: { type: string; coordinates: unknown } }> }> | null;
  draw(bm?.water, 'fill="none" stroke="#2b6cb0" stroke-width="3" stroke-opacity="0.6"');
  draw(bm?.roads, 'fill="none" stroke="#8a94a6" stroke-width="1.2"');
  for (const u of r.units) {
    if (u.points.length > 1)
      out.push(
        `<polyline points="${u.points.map((p) => `${X(p[1])},${Y(p[2])}`).join(' ')}" fill="none" stroke="#f6ad55" stroke-width="3" stroke-linejoin="round"><title>${esc(u.id)}</title></polyline>`,
      );
    const last = u.points.at(-1);
    if (last)
      out.push(
        `<rect x="${Number(X(last[1])) - 4}" y="${Number(Y(last[2])) - 4}" width="8" height="8" fill="#f6ad55" stroke="#1a202c"><title>${esc(u.id)}</title></rect>`,
      );
  }
  for (const e of r.incident.evidence)
    out.push(
      `<circle cx="${X(e.lng)}" cy="${Y(e.lat)}" r="4" fill="${e.kind === 'sensor_alarm' ? '#e53e3e' : '#63b3ed'}" stroke="#1a202c"><title>${esc(e.id)}</title></circle>`,
    );
  out.push(
    `<circle cx="${X(r.incident.lng)}" cy="${Y(r.incident.lat)}" r="14" fill="none" stroke="#e53e3e" stroke-width="3"><title>${esc(r.incident.id)}</title></circle>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="map"><rect width="100%" height="100%" fill="#0b1220"/>${out.join('')}</svg>`;
}

export function reportHtml(r: AfterActionReport, lang: Lang, basemap: CityBasemap | null): string {
  const i = r.incident;
  const table = (head: string[], rows: unknown[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${esc(w('title', lang))} ${esc(i.id)}</title>
<style>body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:2rem;color:#1a202c}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #cbd5e0;padding:.25rem .5rem;text-align:left;font-size:.9rem}th{background:#edf2f7}svg{border:1px solid #cbd5e0;max-width:100%;height:auto}</style>
</head><body>
<h1>${esc(w('title', lang))}: ${esc(i.id)}</h1>
${table(
  ['', ''],
  [
    [w('type', lang), i.type],
    [w('status', lang), i.status],
    [w('severity', lang), i.severity],
    [w('confidence', lang), i.confidence.toFixed(2)],
    [w('district', lang), i.district ?? '—'],
    [w('opened', lang), clock(i.openedAt)],
    [w('range', lang), `${clock(r.range.from)} – ${clock(r.range.to)}`],
  ],
)}
<h2>${esc(w('map', lang))}</h2>
${mapSnapshotSvg(r, basemap)}
<h2>${esc(w('responseTimes', lang))}</h2>
${table(
  [w('step', lang), w('seconds', lang)],
  durationRows(r).map(([k, v]) => [w(k, lang), v]),
)}
<h2>${esc(w('timeline', lang))}</h2>
${table(
  [w('time', lang), w('actor', lang), w('what', lang), w('detail', lang)],
  r.timeline.map((h) => [clock(h.at), h.actor, h.what, wordChangeDetail(h.what, h.detail, lang)]),
)}
<h2>${esc(w('evidence', lang))}</h2>
${table(
  [w('time', lang), w('kind', lang), 'id', w('why', lang)],
  i.evidence.map((e) => [clock(e.ts), e.kind, e.id, wordLinkReason(e.why, lang)]),
)}
${i.hiddenEvidence > 0 ? `<p>${i.hiddenEvidence} ${esc(w('hidden', lang))}</p>` : ''}
<h2>${esc(w('decisions', lang))}</h2>
${
  r.decisions.length
    ? table(
        [w('time', lang), w('actor', lang), w('action', lang), w('unit', lang), w('reason', lang)],
        r.decisions.map((d) => [
          clock(d.at),
          d.actor,
          d.action,
          d.unitId ?? '',
          d.reason ?? (d.data as { overrideReason?: string }).overrideReason ?? '',
        ]),
      )
    : `<p>${esc(w('none', lang))}</p>`
}
<p><small>${esc(w('generated', lang))} ${esc(clock(r.generatedAt))}</small></p>
</body></html>
`;
}

/** The replay routes for the web server's dependencies (one service per server). */
export function replayRoutesFor(deps: {
  clickhouse: ClickHouseClient;
  city: CityModel | null;
  basemap: () => CityBasemap | null;
  twin: TwinService;
  incidentStore?: IncidentStore | null;
  dispatch?: DispatchService | null;
  audit?: AuditRecorder | null;
}): Route[] {
  const city = deps.city;
  const replay = new ReplayService({
    clickhouse: deps.clickhouse,
    city,
    ...(city ? { districtAt: (lng: number, lat: number) => districtAt(city, lng, lat)?.code ?? null } : {}),
    incidentStore: deps.incidentStore ?? null,
    dispatch: deps.dispatch ?? null,
    classifyEvidence: deps.twin.classifyEvidence,
  });
  return replayRoutes({ replay, clickhouse: deps.clickhouse, city, basemap: deps.basemap, audit: deps.audit ?? null });
}
