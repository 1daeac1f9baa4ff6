/**
 * The after-action report of one incident (docs/replay.md): what the report holds — timeline,
 * evidence, dispatch decisions, response times, the units sent with their tracks, the proposed
 * replay range — assembled from the incident's history and the dispatch log, and its writing as
 * Markdown or as HTML with a schematic map snapshot (inline SVG). Pure: the replay service reads
 * the inputs, the routes send the result.
 */
import type { IncidentHistoryEntry, IncidentView } from '../../shared/protocol.ts';
import type { UnitTrack } from '../../shared/replay-protocol.ts';
import { wordChangeDetail, wordLinkReason } from '../../shared/incident-wording.ts';
import type { CityBasemap, DispatchLogEntry, IncidentChange } from '../../../twin-model/index.ts';
import { responseTimesOf, type IncidentResponseTimes } from '../../../twin-model/dispatch/response-times.ts';
import { formatLocalDateTime, utcOffsetLabel } from '../../../twin-model/local-time.ts';
import { reportWording, type ReportLang } from './report-wording.ts';

const MIN = 60_000;

export interface AfterActionReport {
  generatedAt: number;
  /** The city's IANA time zone: the report's times are its local times. */
  timeZone: string;
  incident: IncidentView;
  range: { from: number; to: number };
  timeline: IncidentHistoryEntry[];
  decisions: Array<{
    at: number;
    actor: string;
    action: string;
    unitId: string | null;
    reason: string | null;
    data: Record<string, unknown>;
  }>;
  responseTimes: IncidentResponseTimes | null;
  /** The units sent to the incident, with their tracks through the range. */
  units: UnitTrack[];
}

/** The range proposed for an incident: from 15 min before it opened to 15 min after it ended (or now). */
export function proposedRange(history: readonly IncidentChange[], now: number): { from: number; to: number } {
  const first = history[0]!;
  const last = history.at(-1)!;
  const ended = ['resolved', 'closed', 'false_alarm'].includes(last.incident.status) || last.what === 'merged_into';
  const from = Math.floor((first.incident.openedAt - 15 * MIN) / MIN) * MIN;
  const to = Math.ceil(((ended ? last.at : now) + 15 * MIN) / MIN) * MIN;
  return { from, to: Math.min(to, Math.max(now, from + MIN)) };
}

/** What a report is made of, read for one incident over its proposed range. */
export interface ReportInputs {
  incidentId: string;
  /** The incident's history, oldest first (at least one change). */
  history: readonly IncidentChange[];
  /** The dispatch log entries of the incident within the range. */
  log: readonly DispatchLogEntry[];
  /** Unit tracks through the range (every unit; the report keeps those sent). */
  units: readonly UnitTrack[];
  range: { from: number; to: number };
  /** The incident and its history as the caller's clearance may see them. */
  view: (i: IncidentChange['incident']) => IncidentView;
  historyView: (c: IncidentChange) => IncidentHistoryEntry;
  now: number;
  /** The city's IANA time zone (the command centre reads its own clocks). */
  timeZone: string;
}

export function afterActionReport(r: ReportInputs): AfterActionReport {
  const sent = new Set(r.log.map((e) => e.unitId).filter((u): u is string => Boolean(u)));
  return {
    generatedAt: r.now,
    timeZone: r.timeZone,
    incident: r.view(r.history.at(-1)!.incident),
    range: r.range,
    timeline: r.history.map(r.historyView),
    decisions: r.log.map((e) => ({
      at: e.at,
      actor: e.actor,
      action: e.action,
      unitId: e.unitId ?? null,
      reason: e.reason ?? null,
      data: e.data,
    })),
    responseTimes: responseTimesOf(r.history, r.log).find((t) => t.incidentId === r.incidentId) ?? null,
    units: r.units.filter((u) => sent.has(u.id)),
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

export type { ReportLang } from './report-wording.ts';

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
  zone: { zh: '时区', en: 'Time zone' },
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
  onSceneS: { zh: '到场 → 解决', en: 'on scene → resolved' },
  dispatchAfterDetectS: { zh: '发现 → 派遣', en: 'detection → dispatch' },
  arriveAfterDetectS: { zh: '发现 → 到场', en: 'detection → on scene' },
  resolveAfterDetectS: { zh: '发现 → 解决', en: 'detection → resolved' },
};

const w = (key: string, lang: ReportLang): string => WORDS[key]?.[lang] ?? key;

/** The city's wall-clock time with its offset at that moment, as the command centre reads it: `2026-07-01 16:00:00 (UTC+8)`. */
function clock(ms: number, zone: string): string {
  return `${formatLocalDateTime(ms, zone)} (${utcOffsetLabel(ms, zone)})`;
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

export function reportMarkdown(r: AfterActionReport, lang: ReportLang, basemap: CityBasemap | null = null): string {
  const i = r.incident;
  const say = reportWording(lang, basemap);
  const lines: string[] = [];
  lines.push(`# ${w('title', lang)}: ${i.id}`, '');
  lines.push(`| | |`, `|---|---|`);
  lines.push(
    `| ${w('type', lang)} | ${say.type(i.type)} |`,
    `| ${w('status', lang)} | ${say.status(i.status)} |`,
    `| ${w('severity', lang)} | ${i.severity} |`,
  );
  lines.push(
    `| ${w('confidence', lang)} | ${i.confidence.toFixed(2)} |`,
    `| ${w('district', lang)} | ${say.district(i.district)} |`,
    `| ${w('opened', lang)} | ${clock(i.openedAt, r.timeZone)} |`,
  );
  lines.push(`| ${w('range', lang)} | ${clock(r.range.from, r.timeZone)} – ${clock(r.range.to, r.timeZone)} |`);
  lines.push(`| ${w('zone', lang)} | ${r.timeZone} |`, '');
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
    lines.push(
      `| ${clock(h.at, r.timeZone)} | ${mdCell(say.actor(h.actor))} | ${say.step(h.what)} | ${mdCell(wordChangeDetail(h.what, h.detail, lang))} |`,
    );
  lines.push(
    '',
    `## ${w('evidence', lang)}`,
    '',
    `| ${w('time', lang)} | ${w('kind', lang)} | id | ${w('why', lang)} |`,
    '|---|---|---|---|',
  );
  for (const e of i.evidence)
    lines.push(`| ${clock(e.ts, r.timeZone)} | ${say.evidence(e.kind)} | ${mdCell(e.id)} | ${mdCell(wordLinkReason(e.why, lang))} |`);
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
        `| ${clock(d.at, r.timeZone)} | ${mdCell(say.actor(d.actor))} | ${say.action(d.action)} | ${mdCell(d.unitId ?? '')} | ${mdCell(d.reason ?? (d.data as { overrideReason?: string }).overrideReason ?? '')} |`,
      );
  }
  lines.push('', `${w('generated', lang)} ${clock(r.generatedAt, r.timeZone)}`, '');
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

export function reportHtml(r: AfterActionReport, lang: ReportLang, basemap: CityBasemap | null): string {
  const i = r.incident;
  const say = reportWording(lang, basemap);
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
    [w('type', lang), say.type(i.type)],
    [w('status', lang), say.status(i.status)],
    [w('severity', lang), i.severity],
    [w('confidence', lang), i.confidence.toFixed(2)],
    [w('district', lang), say.district(i.district)],
    [w('opened', lang), clock(i.openedAt, r.timeZone)],
    [w('range', lang), `${clock(r.range.from, r.timeZone)} – ${clock(r.range.to, r.timeZone)}`],
    [w('zone', lang), r.timeZone],
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
  r.timeline.map((h) => [clock(h.at, r.timeZone), say.actor(h.actor), say.step(h.what), wordChangeDetail(h.what, h.detail, lang)]),
)}
<h2>${esc(w('evidence', lang))}</h2>
${table(
  [w('time', lang), w('kind', lang), 'id', w('why', lang)],
  i.evidence.map((e) => [clock(e.ts, r.timeZone), say.evidence(e.kind), e.id, wordLinkReason(e.why, lang)]),
)}
${i.hiddenEvidence > 0 ? `<p>${i.hiddenEvidence} ${esc(w('hidden', lang))}</p>` : ''}
<h2>${esc(w('decisions', lang))}</h2>
${
  r.decisions.length
    ? table(
        [w('time', lang), w('actor', lang), w('action', lang), w('unit', lang), w('reason', lang)],
        r.decisions.map((d) => [
          clock(d.at, r.timeZone),
          say.actor(d.actor),
          say.action(d.action),
          d.unitId ?? '',
          d.reason ?? (d.data as { overrideReason?: string }).overrideReason ?? '',
        ]),
      )
    : `<p>${esc(w('none', lang))}</p>`
}
<p><small>${esc(w('generated', lang))} ${esc(clock(r.generatedAt, r.timeZone))}</small></p>
</body></html>
`;
}
