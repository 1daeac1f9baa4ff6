/**
 * Bytes per sensor in the twin, with the default rules (thresholds only: no history) and with a
 * rate-of-change rule (and a flatline rule) on every sensor: the heap grown by registering N
 * water-level sensors and giving each a few readings, after a full garbage collection.
 *
 *   npx tsx simulations/bench/rules-memory.ts [N]      (default 50,000)
 *
 * The product must hold 1,000,000 sensors at ≤ 1 KB each (docs/rules.md, docs/scale.md).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  applyTwinInput,
  compileRuleSet,
  createTwinChanges,
  createTwinState,
  DEFAULT_COMPILED_RULES,
  DEFAULT_RULE_SET,
  parseRuleSet,
  type CompiledRuleSet,
} from '../../twin-model/index.ts';

const T0 = Date.UTC(2026, 6, 1);

function collect(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** The JS heap and the typed arrays' buffers outside it. */
function usedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Rule sets measured: the defaults; plus a rate rule; plus a rate and a flatline rule, on water levels. */
export function measuredRuleSets(): Record<string, CompiledRuleSet> {
  const water = DEFAULT_RULE_SET.kinds.water_level!;
  const rise = { type: 'rate', metric: 'water_level_cm', direction: 'rise', delta: 10, windowMs: 300_000, level: 'warning' };
  const stuck = { type: 'flatline', metric: 'water_level_cm', epsilon: 0.2, forMs: 1_800_000, minReadings: 10, level: 'warning' };
  const withRules = (rules: Record<string, unknown>) =>
    compileRuleSet(parseRuleSet({ schemaVersion: 1, kinds: { water_level: { ...water, rules: { ...water.rules, ...rules } } } }));
  return {
    'default rules (thresholds, no history)': DEFAULT_COMPILED_RULES,
    'with a rate-of-change rule': withRules({ rise }),
    'with a rate and a flatline rule': withRules({ rise, stuck }),
  };
}

/** Heap bytes per sensor for `n` registered water-level sensors with a few readings each. */
export function bytesPerSensor(rules: CompiledRuleSet, n: number): number {
  const gc = collect();
  gc();
  const before = usedBytes();
  const state = createTwinState({ rules });
  const changes = createTwinChanges();
  let now = T0;
  const ctx = { now: () => now };
  for (let i = 0; i < n; i++) {
    const id = `wl-${String(i).padStart(7, '0')}`;
    applyTwinInput(state, { type: 'meta', id, meta: { kind: 'water_level', lng: 114 + i * 1e-6, lat: 30.5 } }, ctx, changes);
    for (let k = 0; k < 4; k++) {
      now = T0 + k * 60_000;
      applyTwinInput(state, { type: 'readings', id, readings: [{ metric: 'water_level_cm', ts: now, value: 3 + k * 4 }] }, ctx, changes);
    }
    changes.changed.clear();
    changes.added.length = 0;
  }
  gc();
  const after = usedBytes();
  // Keep the state alive until measured.
  if (state.sensors.length !== n) throw new Error('sensors lost');
  return (after - before) / n;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 50_000);
  process.stdout.write(`Twin memory per sensor (${n.toLocaleString('en-US')} water-level sensors, 4 readings each)\n`);
  for (const [name, rules] of Object.entries(measuredRuleSets()))
    process.stdout.write(`  ${name.padEnd(42)} ${Math.round(bytesPerSensor(rules, n))} bytes/sensor\n`);
}
