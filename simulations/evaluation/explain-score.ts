/**
 * Explains a scenario's score for tuning (`npm run eval -- --explain`): for every missed true
 * event, the reports and threshold crossings near it and the incidents of its type around it;
 * for every incident matched to no true event, its evidence with why each piece was linked and
 * the nearest true event of its type; for every true event with more than one incident, each of
 * its incidents (when opened, its status and last change) with its evidence. Reads the run's inputs and the replay's incidents only;
 * nothing here feeds back into the correlator or the score.
 */
import { DEFAULT_ALARM_RULES } from '../../twin-model/alarm-rules.ts';
import { haversineM } from '../../twin-model/city/index.ts';
import {
  linkReasonText,
  matchSignal,
  type CityModel,
  type Incident,
  type IncidentRule,
  type IncidentType,
} from '../../twin-model/index.ts';
import type { ScenarioRun, TrueEvent } from '../scenarios/scenario-types.ts';
import { matchEvent, type ScenarioScore } from './incident-scoring.ts';

type Rules = ReadonlyMap<IncidentType, IncidentRule>;

const rel = (t: number, start: number): string => `${(t - start) / 60_000 >= 0 ? '+' : ''}${((t - start) / 60_000).toFixed(1)}m`;
const at = (p: { lng: number; lat: number }): string => `${p.lng.toFixed(4)},${p.lat.toFixed(4)}`;
const dist = (a: { lng: number; lat: number }, b: { lng: number; lat: number }): number =>
  Math.round(haversineM([a.lng, a.lat], [b.lng, b.lat]));

/** How far around a true event to look: the scorer's match radius. */
function lookRadius(rule: IncidentRule | undefined): number {
  return Math.max(1000, 2 * (rule?.spatial.radiusM ?? 500));
}

function explainMissed(city: CityModel, run: ScenarioRun, t: TrueEvent, incidents: readonly Incident[], rules: Rules): string[] {
  const rule = rules.get(t.type);
  const radius = lookRadius(rule);
  const from = t.start - 15 * 60_000;
  const to = Math.min(run.endMs, t.end + 30 * 60_000);
  const out = [
    `    MISSED ${t.id} ${t.type} ${t.assetId ?? ''} @${at(t)} district ${t.district ?? '–'} ${rel(t.start, run.startMs)}..${rel(t.end, run.startMs)} ${t.notes ?? ''}`,
  ];
  for (const input of run.inputs) {
    if (input.type !== 'event') continue;
    const e = input.event;
    if (e.ts < from || e.ts > to) continue;
    const d = dist(e, t);
    if (d > radius && !rule?.spatial.sameDistrict) continue;
    const signal = rule
      ? matchSignal(rule, {
          id: e.id,
          kind: 'event',
          ts: e.ts,
          lng: e.lng,
          lat: e.lat,
          eventType: e.type,
          ...(e.category ? { category: e.category } : {}),
        })
      : null;
    if (rule?.spatial.sameDistrict && !signal) continue;
    out.push(
      `      report ${e.id} ${e.type}/${e.category ?? ''} ${d} m, at ${rel(e.ts, run.startMs)} received ${rel(input.at, run.startMs)} → ${signal?.id ?? 'no signal'}`,
    );
  }
  const sites = new Map(city.sensorSites.map((s) => [s.id, s]));
  const crossings = new Map<string, { first: number; worst: string; level: string; n: number }>();
  for (const input of run.inputs) {
    if (input.type !== 'readings') continue;
    const site = sites.get(input.sensorId);
    if (!site) continue;
    const near = rule?.spatial.sameDistrict
      ? site.district === t.district
      : dist(site, t) <= radius || (t.assetId !== undefined && site.assetId === t.assetId);
    if (!near) continue;
    for (const r of input.readings) {
      if (r.ts < from || r.ts > to) continue;
      const m = DEFAULT_ALARM_RULES[site.kind].metrics.find((x) => x.metric === r.metric);
      if (!m) continue;
      const crossesAt = (enter: number) => (m.direction === 'above' ? r.value >= enter : r.value <= enter);
      const level = crossesAt(m.alarm.enter) ? 'alarm' : crossesAt(m.warning.enter) ? 'warning' : null;
      if (!level) continue;
      const c = crossings.get(site.id);
      if (!c) crossings.set(site.id, { first: r.ts, worst: `${r.metric} ${r.value}`, level, n: 1 });
      else {
        c.n++;
        if (level === 'alarm') c.level = 'alarm';
      }
    }
  }
  for (const [id, c] of [...crossings].sort((a, b) => a[1].first - b[1].first)) {
    const site = sites.get(id)!;
    out.push(
      `      sensor ${id} (${site.kind}${site.assetId ? ` ${site.assetId}` : ''}) ${dist(site, t)} m: ${c.level} from ${rel(c.first, run.startMs)} (${c.worst}, ${c.n} sample(s) past a threshold)`,
    );
  }
  for (const i of incidents) {
    if (i.type !== t.type) continue;
    const d = dist(i, t);
    if (d > 3 * radius && !(rule?.spatial.sameDistrict && i.district === t.district)) continue;
    const other = matchEvent(i, run.groundTruth, { rules });
    out.push(
      `      nearby ${i.id} ${i.assetId ?? ''} ${i.district ?? ''} ${d} m, opened ${rel(i.openedAt, run.startMs)}, ${i.evidence.length} evidence → ${other ? other.id : 'unmatched'}`,
    );
  }
  return out;
}

function explainUnmatched(run: ScenarioRun, i: Incident, rules: Rules): string[] {
  const out = [
    `    UNMATCHED ${i.id} ${i.type} ${i.assetId ?? ''} @${at(i)} district ${i.district ?? '–'} opened ${rel(i.openedAt, run.startMs)} conf ${i.confidence} status ${i.status}`,
  ];
  for (const e of i.evidence)
    out.push(
      `      ${e.id} [${e.signal}/${e.family}${e.level ? ` ${e.level}` : ''}${e.areaShare !== undefined ? ` share ${e.areaShare}${e.silentShare ? ` silent ${e.silentShare}` : ''}` : ''}] ${rel(e.ts, run.startMs)}${e.assetId ? ` ${e.assetId}` : ''}: ${linkReasonText(e.why)}`,
    );
  const same = run.groundTruth.filter((t) => t.type === i.type);
  const nearest = same.map((t) => ({ t, d: dist(t, i) })).sort((a, b) => a.d - b.d)[0];
  if (nearest) {
    const t = nearest.t;
    out.push(
      `      nearest truth ${t.id} ${t.assetId ?? ''} district ${t.district ?? '–'} ${nearest.d} m, ${rel(t.start, run.startMs)}..${rel(t.end, run.startMs)}`,
    );
  } else out.push(`      no true event of type ${i.type} in this run`);
  void rules;
  return out;
}

function explainDuplicate(run: ScenarioRun, t: TrueEvent, incidents: readonly Incident[]): string[] {
  const out = [
    `    DUPLICATE ${t.id} ${t.type} ${t.assetId ?? ''} @${at(t)} district ${t.district ?? '–'} ${rel(t.start, run.startMs)}..${rel(t.end, run.startMs)}: ${incidents.length} incidents`,
  ];
  for (const i of incidents) {
    out.push(
      `      ${i.id} ${i.assetId ?? ''} ${dist(i, t)} m, opened ${rel(i.openedAt, run.startMs)}, status ${i.status} (last change ${rel(i.updatedAt, run.startMs)}), conf ${i.confidence}`,
    );
    for (const e of i.evidence)
      out.push(
        `        ${e.id} [${e.signal}/${e.family}${e.level ? ` ${e.level}` : ''}] ${rel(e.ts, run.startMs)}${e.assetId ? ` ${e.assetId}` : ''}: ${linkReasonText(e.why)}`,
      );
  }
  return out;
}

/** The explanation of one scored run as text (empty when nothing was missed or unmatched). */
export function explainScore(
  city: CityModel,
  run: ScenarioRun,
  incidents: readonly Incident[],
  score: ScenarioScore,
  rules: Rules,
): string {
  const lines: string[] = [];
  for (const t of score.missed) lines.push(...explainMissed(city, run, t, incidents, rules));
  for (const i of score.unmatched) lines.push(...explainUnmatched(run, i, rules));
  for (const d of score.duplicates) lines.push(...explainDuplicate(run, d.event, d.incidents));
  return lines.length ? `   ${run.name} seed ${run.seed}\n${lines.join('\n')}\n` : '';
}
