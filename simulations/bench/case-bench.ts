/**
 * Hotline-case costs (docs/cases.md): intake into a desk holding a month of cases (numbering,
 * repeat check, working-time deadline, automatic assignment), a working-time deadline alone, the
 * time-limit clock over every open case, redaction, the KPI of a month, and a stored snapshot.
 *
 *   npx tsx simulations/bench/case-bench.ts [cases, default 100000]
 *
 * Prints figures; asserts nothing (a benchmark, not a test).
 */
import { encodeCaseSnapshot, decodeCaseSnapshot } from '../../storage/case-snapshot.ts';
import { citySources } from '../../twin-model/city/city-sources.ts';
import {
  addWorkingHours,
  caseKpi,
  caseRules,
  caseView,
  CASE_CATEGORIES,
  createCaseDesk,
  DEFAULT_CASE_ROUTING,
  DEFAULT_CASE_SLA,
  DEFAULT_WORKING_CALENDAR,
  intakeCase,
  tickCaseDesk,
  type CaseIntake,
} from '../../twin-model/cases/index.ts';
import { phoneHasher } from '../../twin-model/cases/phone-hash.ts';
import { createRandom } from '../../twin-model/random.ts';

const N = Number(process.argv[2] ?? 100_000);
const TZ = 'Asia/Shanghai';
const START = Date.UTC(2026, 5, 1, 0, 0);
const MONTH_MS = 30 * 86_400_000;

function line(label: string, value: string): void {
  console.log(`${label.padEnd(64)} ${value.padStart(14)}`);
}

function time(label: string, reps: number, fn: (i: number) => unknown): void {
  fn(0);
  const t = performance.now();
  for (let i = 0; i < reps; i++) fn(i);
  line(label, `${(((performance.now() - t) * 1000) / reps).toFixed(1)} µs`);
}

const rules = caseRules({ timeZone: TZ, sources: citySources(), routing: DEFAULT_CASE_ROUTING, sla: DEFAULT_CASE_SLA });
const random = createRandom(7);
const hashPhone = phoneHasher(new TextEncoder().encode('bench-key-0123456789abcdef'));
// A month of calls over the city: a fifth from callers who call again, places clustered around 2,000 hot spots.
const callers = Array.from({ length: Math.max(1, Math.floor(N / 5)) }, (_, i) => `139${String(10_000_000 + i).slice(-8)}`);
const spots = Array.from({ length: 2000 }, () => ({ lng: 114.1 + random.next() * 0.4, lat: 30.4 + random.next() * 0.3 }));
const intakes: CaseIntake[] = Array.from({ length: N }, (_, i) => {
  const spot = spots[Math.floor(random.next() * spots.length)]!;
  const phone = random.next() < 0.2 ? callers[Math.floor(random.next() * callers.length)]! : `138${String(i).padStart(8, '0')}`;
  return {
    source: 'hotline-12345',
    externalId: `bench-${i}`,
    channel: 'http',
    eventType: 'citizen_report',
    category: CASE_CATEGORIES[Math.floor(random.next() * CASE_CATEGORIES.length)]!,
    reportedCategory: null,
    severity: null,
    text: '市民反映的问题描述'.repeat(8),
    caller: { name: '市民', phone },
    lng: spot.lng + (random.next() - 0.5) * 0.002,
    lat: spot.lat + (random.next() - 0.5) * 0.002,
    address: '某区某路某号',
    district: '420103',
    receivedAt: START + Math.floor((i / N) * MONTH_MS),
  };
});

console.log(`hotline cases: ${N} cases over 30 days`);
const desk = createCaseDesk(rules);
let now = START;
const ctx = { now: () => now, hashPhone };
const t0 = performance.now();
for (const intake of intakes) {
  now = intake.receivedAt;
  intakeCase(desk, intake, ctx);
}
const intakeMs = performance.now() - t0;
line('intake (number, repeat check, deadlines, automatic assignment)', `${((intakeMs * 1000) / N).toFixed(1)} µs`);
const repeats = [...desk.cases.values()].filter((c) => c.repeat).length;
line('cases marked as repeats', `${repeats} (${((100 * repeats) / N).toFixed(1)} %)`);
time('working-time deadline, 37.5 working hours', 20_000, (i) => addWorkingHours(START + i * 611_000, 37.5, DEFAULT_WORKING_CALENDAR, TZ));
const tickStart = performance.now();
const overdue = tickCaseDesk(desk, { now: () => START + MONTH_MS });
line(
  `first clock tick over ${desk.cases.size} open cases (marks ${overdue.length} overdue)`,
  `${(performance.now() - tickStart).toFixed(1)} ms`,
);
const quietStart = performance.now();
tickCaseDesk(desk, { now: () => START + MONTH_MS + 60_000 });
line('a tick with nothing newly overdue', `${(performance.now() - quietStart).toFixed(1)} ms`);
const cases = [...desk.cases.values()];
time('caseView (department, full)', 50_000, (i) =>
  caseView(cases[i % cases.length]!, ['public', 'internal', 'sensitive'], { role: 'hotline_desk' }),
);
time('caseView (staff, internal)', 50_000, (i) => caseView(cases[i % cases.length]!, ['public', 'internal'], { role: 'staff' }));
const kpiStart = performance.now();
const kpi = caseKpi(cases, { now: START + MONTH_MS });
line(`KPI of ${cases.length} cases (${kpi.repeatPlaces.length} repeat places listed)`, `${(performance.now() - kpiStart).toFixed(1)} ms`);
const sample = cases[Math.floor(cases.length / 2)]!;
const json = encodeCaseSnapshot(sample);
line('stored snapshot of a case with 3 changes', `${json.length} chars`);
time('snapshot encode', 20_000, () => encodeCaseSnapshot(sample));
time('snapshot decode (parse, validate)', 20_000, () => decodeCaseSnapshot(json));
const heap = process.memoryUsage().heapUsed / 1e6;
line('heap in use with the desk', `${heap.toFixed(0)} MB`);
