/**
 * Golden scenario tests: scenario + seed → the incidents the twin opens, compared with a
 * reviewed file in test/golden/. A change to the rules or the correlator that changes what
 * operators would see fails here; regenerate on purpose with `UPDATE_GOLDEN=1` and review the
 * diff like code.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCity } from '../../twin-model/city/index.ts';
import { generateScenario } from '../scenarios/index.ts';
import { SCENARIO_NAMES } from '../scenarios/scenario-types.ts';
import { replayScenario } from './replay-scenario.ts';

const GOLDEN_DIR = join(import.meta.dirname, '..', '..', 'test', 'golden');
const SEED = 1;
const city = generateCity();

describe('golden scenarios (seed 1)', () => {
  it.each(SCENARIO_NAMES)('%s opens the reviewed incidents', (name) => {
    const run = generateScenario(name, { city, seed: SEED });
    const { incidents } = replayScenario(city, run);
    const summary = incidents
      .map((i) => ({
        type: i.type,
        place: i.assetId ?? i.district ?? `${i.lng.toFixed(3)},${i.lat.toFixed(3)}`,
        openedAfterMin: Math.round((i.openedAt - run.startMs) / 60_000),
        status: i.status,
        severity: i.severity,
        confidence: i.confidence,
        signals: [...new Set(i.evidence.map((e) => e.signal))].sort(),
        evidence: i.evidence.length,
      }))
      .sort((a, b) => a.openedAfterMin - b.openedAfterMin || a.place.localeCompare(b.place));
    const file = join(GOLDEN_DIR, `${name}-seed${SEED}.json`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
    if (!existsSync(file)) throw new Error(`no golden file ${file}: run with UPDATE_GOLDEN=1 and review it`);
    expect(summary).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });
});
