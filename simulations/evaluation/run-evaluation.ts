/**
 * `npm run eval`: replays every scenario for several seeds through the twin and the
 * correlator and prints, per scenario, precision, recall, incidents per true event and the
 * median detection delays after the first and after the second independent evidence (by the
 * evidence's own time, and by when it reached the twin: a call is delivered minutes after it
 * was taken). Five
 * seed sets, all from the same generators: `tuned` (1–10 and 16–30) and `tuning2` (51–80, added
 * when the new held-out and fresh seeds showed duplicates the tuning seeds did not) are the ones
 * rules are tuned on; `held-out` (11–15) was not looked at while tuning (and has been looked at since);
 * `new-held-out` (31–40) is kept for a look after the next change; `fresh` (41–50) was never looked
 * at before it was first scored, once, after the rules of its round were fixed. Incidents about tail events (real,
 * begun too late in the run to score) are counted apart (`tail`).
 *
 * Options: EVAL_SETS=tuned,held-out (some of the sets), EVAL_SEEDS=1,2,3 (overrides the sets),
 * EVAL_SCENARIOS=rainstorm,fire, EVAL_VERBOSE=1
 * (lists unmatched incidents and missed events), `--explain` (or EVAL_EXPLAIN=1: for every
 * missed event the reports and threshold crossings near it and the incidents of its type
 * around it; for every unmatched incident its evidence, why each was linked and the nearest
 * true event of its type; for every true event with more than one incident, each of them).
 */
import { generateCity } from '../../twin-model/city/index.ts';
import { DEFAULT_INCIDENT_RULES } from '../../twin-model/index.ts';
import { SCENARIO_NAMES, type ScenarioName } from '../scenarios/scenario-types.ts';
import { EVALUATION_SPEED_TARGET, evaluationSpeed, timedRun, type RunTiming } from './evaluation-speed.ts';
import { explainScore } from './explain-score.ts';
import { median, type ScenarioScore } from './incident-scoring.ts';

const seq = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** The seed sets: rules are tuned on `tuned` and `tuning2` only; `held-out` and `new held-out` are looked at once per round; `fresh` was first looked at when it was scored. */
const SEED_SETS = {
  tuned: [...seq(1, 10), ...seq(16, 30)],
  'held-out': seq(11, 15),
  'new-held-out': seq(31, 40),
  fresh: seq(41, 50),
  tuning2: seq(51, 80),
} as const;
type SeedSet = keyof typeof SEED_SETS;
const seedsEnv = process.env.EVAL_SEEDS?.split(',').map(Number);
const setsEnv = process.env.EVAL_SETS?.split(',') ?? Object.keys(SEED_SETS);
for (const s of setsEnv)
  if (!Object.hasOwn(SEED_SETS, s))
    throw new Error(`EVAL_SETS names "${s}": the seed sets are ${Object.keys(SEED_SETS).join(', ')} (comma-separated)`);
const scenarios = (process.env.EVAL_SCENARIOS?.split(',') ?? SCENARIO_NAMES) as ScenarioName[];
const verbose = process.env.EVAL_VERBOSE === '1';
const explain = process.argv.includes('--explain') || process.env.EVAL_EXPLAIN === '1';

const city = generateCity();

interface Row {
  scenario: string;
  set: string;
  score: ScenarioScore;
  timing: RunTiming;
}

function combine(scores: ScenarioScore[]): ScenarioScore {
  const sum = (f: (s: ScenarioScore) => number) => scores.reduce((n, s) => n + f(s), 0);
  const incidents = sum((s) => s.incidents);
  const matched = sum((s) => s.matchedIncidents);
  const detected = sum((s) => s.detected);
  const trueEvents = sum((s) => s.trueEvents);
  return {
    trueEvents,
    incidents,
    matchedIncidents: matched,
    detected,
    precision: incidents ? matched / incidents : 1,
    recall: trueEvents ? detected / trueEvents : 1,
    incidentsPerEvent: detected ? matched / detected : 0,
    delaysAfterFirst: scores.flatMap((s) => s.delaysAfterFirst),
    delaysAfterSecond: scores.flatMap((s) => s.delaysAfterSecond),
    delaysAfterSecondArrival: scores.flatMap((s) => s.delaysAfterSecondArrival),
    unmatched: scores.flatMap((s) => s.unmatched),
    missed: scores.flatMap((s) => s.missed),
    duplicates: scores.flatMap((s) => s.duplicates),
    tailIncidents: sum((s) => s.tailIncidents),
  };
}

const f2 = (n: number) => (Number.isNaN(n) ? '   –' : n.toFixed(2));
const secs = (ms: number) => (Number.isNaN(ms) ? '   –' : `${Math.round(ms / 1000)} s`);

function print(label: string, set: string, s: ScenarioScore, extra = ''): void {
  process.stdout.write(
    `  ${label.padEnd(20)} ${set.padEnd(12)} ${String(s.trueEvents).padStart(5)} ${String(s.incidents).padStart(6)}   ${f2(s.precision)}   ${f2(s.recall)}   ${f2(s.incidentsPerEvent)}   ${secs(median(s.delaysAfterFirst)).padStart(7)}   ${secs(median(s.delaysAfterSecond)).padStart(7)}   ${secs(median(s.delaysAfterSecondArrival)).padStart(7)}${extra}\n`,
  );
}

const rows: Row[] = [];
process.stdout.write('Incident fusion evaluation (scenario replay through the live twin and correlator)\n\n');
process.stdout.write('  scenario             seeds         true  incid.   prec.  recall  inc/ev  delay(1st) delay(2nd) (2nd arrived)\n');
for (const name of scenarios) {
  for (const [set, seeds] of seedsEnv ? [['given', seedsEnv] as const] : setsEnv.map((s) => [s, SEED_SETS[s as SeedSet]] as const)) {
    const scores: ScenarioScore[] = [];
    for (const seed of seeds) {
      const { run, replay, score, timing } = timedRun(city, name, seed, DEFAULT_INCIDENT_RULES);
      scores.push(score);
      rows.push({ scenario: name, set, score, timing });
      if (explain) process.stdout.write(explainScore(city, run, replay.incidents, score, DEFAULT_INCIDENT_RULES));
      else if (verbose) {
        for (const u of score.unmatched)
          process.stdout.write(
            `      seed ${seed} unmatched ${u.id} ${u.type} @${u.lng.toFixed(4)},${u.lat.toFixed(4)} conf ${u.confidence} evidence ${u.evidence.map((e) => `${e.id}[${e.signal}]`).join(' ')}\n`,
          );
        for (const m of score.missed)
          process.stdout.write(
            `      seed ${seed} missed ${m.id} ${m.type} ${m.assetId ?? ''} @${m.lng.toFixed(4)},${m.lat.toFixed(4)} ${m.notes ?? ''}\n`,
          );
      }
    }
    const combined = combine(scores);
    print(name, set, combined, combined.tailIncidents ? `   tail ${combined.tailIncidents}` : '');
  }
}
process.stdout.write('\n');
for (const set of seedsEnv ? ['given'] : setsEnv)
  print(`ALL (${set})`, set, combine(rows.filter((r) => r.set === set).map((r) => r.score)));
const speed = evaluationSpeed(rows.map((r) => r.timing));
const times = (x: number) => `${Math.round(x).toLocaleString('en-US')}×`;
process.stdout.write(
  `\n  targets: precision ≥ 0.95, recall ≥ 0.95, ≤ 1.05 incidents per true event, median delay after the 2nd independent evidence ≤ 60 s\n`,
);
const pct = (x: number) => `${Math.round(x * 100)} %`;
process.stdout.write(
  `  evaluation speed (target ≥ ${times(EVALUATION_SPEED_TARGET)} real time; CPU time of this process, wall clock in brackets, as the machine may be shared):\n` +
    `    whole evaluation (generate, replay, score): ${times(speed.wholeCpuX)} real time (${(speed.wholeCpuX / EVALUATION_SPEED_TARGET).toFixed(2)} of target; wall ${times(speed.wholeX)}), ${speed.runs} runs, ${Math.round(speed.simulatedMs / 3_600_000)} h of city time\n` +
    `    replay through twin + correlator: ${times(speed.replayCpuX)} real time (wall ${times(speed.replayX)}), ${Math.round(speed.inputsPerCpuSec).toLocaleString('en-US')} inputs/s\n` +
    `    CPU time: generation ${pct(speed.shares.generate)}, replay ${pct(speed.shares.replay)}, scoring ${pct(speed.shares.score)}\n`,
);
