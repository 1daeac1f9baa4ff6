/**
 * CAP 1.2 costs (docs/cap.md): parsing and building a message (the specification's thunderstorm
 * warning, a bureau-sized warning with a 200-point polygon and 500 geocodes, and the largest
 * document the parser takes by tag count), drafting an alert from an incident, and testing
 * incidents against the warnings in force.
 *
 *   npx tsx simulations/bench/cap-bench.ts [repetitions, default 2000]
 *
 * Prints figures; asserts nothing (a benchmark, not a test).
 */
import { readFileSync } from 'node:fs';
import {
  buildCapXml,
  CAP_MAX_XML_TAGS,
  capDraftFromIncident,
  capToContext,
  parseCapXml,
  warningEvidence,
  type CapAlert,
  type WarningContext,
} from '../../twin-model/cap/index.ts';
import { applyIncidentInput, createIncidentState } from '../../twin-model/index.ts';

const N = Number(process.argv[2] ?? 2000);

function time(label: string, reps: number, fn: () => unknown): void {
  fn();
  const t = performance.now();
  for (let i = 0; i < reps; i++) fn();
  const us = ((performance.now() - t) * 1000) / reps;
  console.log(`${label.padEnd(58)} ${us.toFixed(1).padStart(10)} µs`);
}

function mustParse(xml: string): CapAlert {
  const r = parseCapXml(xml);
  if (!r.ok) throw new Error('fixture does not parse');
  return r.alert;
}

const thunderstorm = readFileSync(new URL('../../twin-model/cap/fixtures/spec-a2-thunderstorm.xml', import.meta.url), 'utf8');
const rainstorm = readFileSync(new URL('../../twin-model/cap/fixtures/rainstorm-red-warning.xml', import.meta.url), 'utf8');

// A bureau-sized warning: one info, a 200-point polygon and 500 geocodes.
const big = structuredClone(mustParse(rainstorm));
big.infos = [big.infos[0]!];
const ring = Array.from({ length: 199 }, (_, i) => {
  const a = (2 * Math.PI * i) / 199;
  return { lat: Number((30.6 + 0.1 * Math.sin(a)).toFixed(5)), lon: Number((114.3 + 0.1 * Math.cos(a)).toFixed(5)) };
});
big.infos[0]!.areas[0]!.polygons = [[...ring, ring[0]!]];
big.infos[0]!.areas[0]!.geocodes = Array.from({ length: 500 }, (_, i) => ({ valueName: 'GB/T 2260', value: String(420100 + i) }));
const bigXml = buildCapXml(big);

const open = '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">';
const largest = `${open}${'<code>x</code>'.repeat(CAP_MAX_XML_TAGS / 2 - 1)}</alert>`;

console.log(`CAP 1.2, ${N} repetitions (largest document: ${Math.round(N / 100)})`);
time(`parse the thunderstorm warning (${thunderstorm.length} chars)`, N, () => parseCapXml(thunderstorm));
time(`parse the rainstorm warning, two languages (${rainstorm.length} chars)`, N, () => parseCapXml(rainstorm));
time(`parse a bureau-sized warning (${bigXml.length} chars)`, Math.max(1, Math.round(N / 10)), () => parseCapXml(bigXml));
time(`parse the largest accepted document (${CAP_MAX_XML_TAGS} tags)`, Math.max(1, Math.round(N / 100)), () => parseCapXml(largest));
const thunder = mustParse(thunderstorm);
time('build the thunderstorm warning', N, () => buildCapXml(thunder));
time('build the bureau-sized warning', Math.max(1, Math.round(N / 10)), () => buildCapXml(big));

const incident = {
  id: 'inc-000012',
  type: 'waterlogging' as const,
  lng: 114.265,
  lat: 30.586,
  severity: 4,
  confidence: 0.82,
  openedAt: Date.UTC(2026, 6, 1, 6),
};
time('draft an alert from an incident (validated)', N, () =>
  capDraftFromIncident(
    incident,
    { id: 'wuhan', timezone: 'Asia/Shanghai' },
    { sender: 'cap@citytwin.example', at: Date.UTC(2026, 6, 1, 6, 5) },
  ),
);

// 20 warnings in force (polygons of 200 points), 1000 incidents across the city.
const now = Date.UTC(2026, 6, 1, 7);
const contexts: WarningContext[] = [];
for (let i = 0; i < 20; i++) contexts.push(...capToContext({ ...big, identifier: `w${i}` }, now));
const incidents = Array.from({ length: 1000 }, (_, i) => ({
  ...incident,
  lng: 114.1 + (i % 40) * 0.01,
  lat: 30.4 + Math.floor(i / 40) * 0.016,
}));
let covered = 0;
time('warningEvidence: 1000 incidents against 20 warnings, all', Math.max(1, Math.round(N / 100)), () => {
  covered = 0;
  for (const inc of incidents) covered += warningEvidence(inc, contexts).length > 0 ? 1 : 0;
});
console.log(`(${covered} of 1000 incidents covered)`);

// The correlator: the same 20 warnings handed to a state holding open waterlogging incidents
// (a gauge and a call each, 1 km apart): linked, matched again with nothing new, withdrawn.
const state = createIncidentState();
const ctx = { now: () => now };
for (let i = 0; i < 1000; i++) {
  const lng = 114.1 + (i % 40) * 0.01;
  const lat = 30.4 + Math.floor(i / 40) * 0.016;
  const at = { ts: now, lng, lat, district: '420103' };
  applyIncidentInput(
    state,
    {
      type: 'alarm',
      evidence: { id: `alarm:wl-${i}`, kind: 'sensor_alarm', sensorKind: 'water_level', sensorId: `wl-${i}`, level: 'alarm', ...at },
    },
    ctx,
  );
  const call = {
    id: `event:hotline:c${i}`,
    kind: 'event' as const,
    eventType: 'citizen_report',
    category: 'waterlogging',
    source: 'hotline',
    ...at,
  };
  applyIncidentInput(state, { type: 'event', evidence: call }, ctx);
}
const openIncidents = state.incidents.size;
let t = performance.now();
const linked = applyIncidentInput(state, { type: 'warnings', warnings: contexts }, ctx).length;
console.log(
  `correlator: ${openIncidents} incidents, 20 warnings linked (${linked} changes)`.padEnd(58),
  `${(performance.now() - t).toFixed(1).padStart(10)} ms`,
);
t = performance.now();
applyIncidentInput(state, { type: 'warnings', warnings: contexts }, ctx);
console.log('correlator: the same warnings again (nothing new)'.padEnd(58), `${(performance.now() - t).toFixed(1).padStart(10)} ms`);
t = performance.now();
applyIncidentInput(state, { type: 'warnings', warnings: [], withdrawn: contexts.map((c) => c.key) }, ctx);
console.log('correlator: all 20 withdrawn (cancelled)'.padEnd(58), `${(performance.now() - t).toFixed(1).padStart(10)} ms`);
