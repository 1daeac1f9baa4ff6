import { describe, expect, it } from 'vitest';
import { AlarmLevel } from '../alarm-rules.ts';
import type { SensorSite } from '../city/city-types.ts';
import { createIncidentState } from '../incidents/incident-correlator.ts';
import { FusionEngine } from '../incidents/fusion-engine.ts';
import { SensorStateCode } from '../sensor-state.ts';
import {
  applyTwinInput,
  createTwinChanges,
  createTwinState,
  isSuspect,
  setRules,
  stateReasonAt,
  type TwinContext,
  type TwinState,
} from '../twin-state.ts';
import { compileRuleSet } from './rule-resolve.ts';
import { parseRuleSet } from './rule-set.ts';

const T0 = Date.UTC(2026, 6, 1);
const MIN = 60_000;
const meta = { kind: 'water_level' as const, lng: 114.3, lat: 30.55 };
const threshold = {
  type: 'threshold',
  metric: 'water_level_cm',
  direction: 'above',
  warning: { enter: 15, exit: 10 },
  alarm: { enter: 30, exit: 25 },
} as const;

function rulesWith(water: { staleAfterMs?: number; rules: Record<string, unknown> }, extra: Record<string, unknown> = {}) {
  return compileRuleSet(parseRuleSet({ schemaVersion: 1, kinds: { water_level: { staleAfterMs: 3 * MIN, ...water } }, ...extra }));
}

function twinWith(rules: ReturnType<typeof rulesWith>, sites: SensorSite[] = []) {
  const state = createTwinState({ rules, sites: new Map(sites.map((s) => [s.id, s])) });
  let now = T0;
  const ctx: TwinContext & { at(t: number): void } = { now: () => now, at: (t) => (now = t) };
  const changes = createTwinChanges({ collectAlarms: true });
  applyTwinInput(state, { type: 'meta', id: 'wl-1', meta }, ctx, changes);
  const read = (ts: number, value: number, id = 'wl-1') => {
    ctx.at(ts);
    applyTwinInput(state, { type: 'readings', id, readings: [{ metric: 'water_level_cm', ts, value }] }, ctx, changes);
    return state.byId.get(id)!;
  };
  return { state, ctx, changes, read };
}

describe('rate of change', () => {
  const rise = { type: 'rate', metric: 'water_level_cm', direction: 'rise', delta: 10, exitDelta: 6, windowMs: 5 * MIN, level: 'warning' };

  it('raises when the value rises by delta within the window, not when it rises as much more slowly, and clears below exitDelta', () => {
    const { state, ctx, read } = twinWith(rulesWith({ rules: { rise } }));
    // +9 over 10 minutes: never 10 within 5.
    for (let i = 0; i <= 10; i++) expect(read(T0 + i * MIN, 2 + 0.9 * i).state).toBe(SensorStateCode.normal);
    // then +10 in 3 minutes
    read(T0 + 11 * MIN, 14);
    read(T0 + 12 * MIN, 18);
    // The window reaches 5 to 5.5 min back (steps of 30 s): 21 against 9.2 read at 8 min.
    const s = read(T0 + 13 * MIN, 21);
    expect(s.state).toBe(SensorStateCode.warning);
    expect(stateReasonAt(state, s, ctx.now())).toBe('water_level_cm +11.8 in 5 min ≥ +10 (rate warning)');
    // Flat afterwards: the rise leaves the window; +7 (against 14 at 11 min) still holds (exitDelta 6), +3 clears.
    expect(read(T0 + 16 * MIN, 21).state).toBe(SensorStateCode.warning);
    expect(read(T0 + 17 * MIN, 21).state).toBe(SensorStateCode.normal);
  });

  it('keeps history only for sensors that have a rate or flatline rule', () => {
    const { state, read } = twinWith(rulesWith({ rules: { rise } }));
    read(T0, 1);
    expect(state.byId.get('wl-1')!.memory).toHaveLength(1);
    applyTwinInput(
      state,
      { type: 'readings', id: 'rg-1', readings: [{ metric: 'rainfall_mm_h', ts: T0, value: 3 }] },
      { now: () => T0 },
      createTwinChanges(),
    );
    applyTwinInput(
      state,
      { type: 'meta', id: 'rg-1', meta: { kind: 'rain_gauge', lng: 114.3, lat: 30.5 } },
      { now: () => T0 },
      createTwinChanges(),
    );
    expect(state.byId.get('rg-1')!.memory).toBeNull();
  });

  it('holds a rise for its on-delay', () => {
    const { read } = twinWith(rulesWith({ rules: { rise: { ...rise, onDelayMs: 2 * MIN } } }));
    read(T0, 0);
    expect(read(T0 + MIN, 12).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 2 * MIN, 14).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 3 * MIN, 16).state).toBe(SensorStateCode.warning);
  });
});

describe('on-delay with hysteresis', () => {
  const delayed = { ...threshold, onDelayMs: 5 * MIN };

  it('keeps a pending rise through dips that stay inside the hysteresis band, and enters on a reading over enter', () => {
    // Readings every 2 min around a warning of 15 (exit 10): 16, 14, 17, 13 — the value dips under
    // 15 but never back below 10, so the rise that began at T0 has lasted its 5 min at T0 + 6 min;
    // the level is entered on the next reading that crosses 15, as hysteresis enters a level.
    const { read } = twinWith(rulesWith({ rules: { water_level_cm: delayed } }));
    expect(read(T0, 16).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 2 * MIN, 14).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 4 * MIN, 17).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 6 * MIN, 13).state).toBe(SensorStateCode.normal);
    const s = read(T0 + 8 * MIN, 16);
    expect(s.state).toBe(SensorStateCode.warning);
    expect(s.levels.get('water_level_cm')).toBe(AlarmLevel.warning);
    // Once raised, the band holds it as before.
    expect(read(T0 + 10 * MIN, 11).state).toBe(SensorStateCode.warning);
  });

  it('restarts the on-delay when the value falls back past the exit value, and never starts one below enter', () => {
    const { read } = twinWith(rulesWith({ rules: { water_level_cm: delayed } }));
    // Inside the band from below: no rise begins at 12 or 14.
    read(T0, 12);
    expect(read(T0 + 6 * MIN, 14).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 12 * MIN, 15).state).toBe(SensorStateCode.normal);
    // The rise from T0 + 12 min falls to 9 (< exit 10) at T0 + 14 min: it starts again at T0 + 16 min.
    read(T0 + 14 * MIN, 9);
    expect(read(T0 + 16 * MIN, 16).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 18 * MIN, 11).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 20 * MIN, 15).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 21 * MIN, 15).state).toBe(SensorStateCode.warning);
  });

  it('holds a rise from warning to alarm in the alarm band the same way', () => {
    const { read } = twinWith(rulesWith({ rules: { water_level_cm: { ...delayed, onDelayMs: 2 * MIN } } }));
    read(T0, 16);
    expect(read(T0 + 2 * MIN, 17).state).toBe(SensorStateCode.warning);
    read(T0 + 3 * MIN, 31);
    // 27 and 28 are under the alarm's enter (30) but inside its band (exit 25): the rise goes on,
    // and the alarm is entered at 32, past its on-delay.
    expect(read(T0 + 4 * MIN, 27).state).toBe(SensorStateCode.warning);
    expect(read(T0 + 5 * MIN, 28).state).toBe(SensorStateCode.warning);
    expect(read(T0 + 6 * MIN, 32).state).toBe(SensorStateCode.alarm);
    // Falling is immediate, as before: under the alarm's exit it is a warning again.
    expect(read(T0 + 7 * MIN, 24).state).toBe(SensorStateCode.warning);
  });
});

describe('flatline', () => {
  const stuck = { type: 'flatline', metric: 'water_level_cm', epsilon: 0.2, forMs: 30 * MIN, minReadings: 5, level: 'warning' };

  it('raises when the value stays within ±epsilon for forMs and minReadings, marks the sensor suspect, and clears when it moves', () => {
    const { state, ctx, read } = twinWith(rulesWith({ rules: { stuck } }));
    for (let i = 0; i < 30; i += 5) expect(read(T0 + i * MIN, 7 + (i % 2) * 0.1).state).toBe(SensorStateCode.normal);
    const s = read(T0 + 30 * MIN, 7.1);
    expect(s.state).toBe(SensorStateCode.warning);
    expect(stateReasonAt(state, s, ctx.now())).toBe('water_level_cm 7.1 unchanged ±0.2 for 30 min (flatline warning)');
    expect(isSuspect(s)).toBe(true);
    expect(read(T0 + 31 * MIN, 7.5).state).toBe(SensorStateCode.normal);
    expect(isSuspect(s)).toBe(false);
  });

  it('is no evidence for an incident: the fusion engine raises none for a flatline alone', () => {
    const state = createTwinState({ rules: rulesWith({ rules: { stuck } }) });
    const engine = new FusionEngine(state, createIncidentState(), { inCity: () => true, districtAt: () => '420106' });
    const ctx = { now: () => T0 };
    engine.meta('wl-1', meta, ctx);
    const changes = [];
    for (let i = 0; i <= 40; i += 5)
      changes.push(...engine.readings('wl-1', [{ metric: 'water_level_cm', ts: T0 + i * MIN, value: 20 }], ctx));
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.warning);
    expect(changes).toEqual([]);
    expect(engine.counters.alarmsRaised).toBe(0);
  });
});

describe('setRules: a new rule set applied live', () => {
  it('re-evaluates every sensor from its current values, notes the transitions and the changed sensors', () => {
    const { state, ctx, changes, read } = twinWith(rulesWith({ rules: { water_level_cm: threshold } }));
    read(T0, 20);
    read(T0, 5, 'wl-2');
    applyTwinInput(state, { type: 'meta', id: 'wl-2', meta }, ctx, changes);
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.warning);
    changes.changed.clear();
    changes.alarms!.length = 0;

    ctx.at(T0 + 1000);
    setRules(state, rulesWith({ rules: { water_level_cm: { ...threshold, warning: { enter: 25, exit: 22 } } } }), ctx, changes);
    const s = state.byId.get('wl-1')!;
    expect(s.state).toBe(SensorStateCode.normal);
    expect(stateReasonAt(state, s, ctx.now())).toBe('water_level_cm 20 within limits');
    expect([...changes.changed]).toEqual([s.index]);
    expect(changes.alarms).toEqual([{ sensorId: 'wl-1', from: SensorStateCode.warning, to: SensorStateCode.normal, at: T0 + 1000, ts: 0 }]);
  });

  it('keeps a level as hysteresis memory when the rule keeps its id, and re-applying the same rules changes nothing', () => {
    const rules = rulesWith({ rules: { water_level_cm: threshold } });
    const { state, ctx, changes, read } = twinWith(rules);
    read(T0, 31);
    read(T0 + MIN, 27); // alarm, held by hysteresis (exit 25)
    changes.changed.clear();
    setRules(state, rulesWith({ rules: { water_level_cm: threshold } }), ctx, changes);
    expect(state.byId.get('wl-1')!.levels.get('water_level_cm')).toBe(AlarmLevel.alarm);
    expect(changes.changed.size).toBe(0);
  });

  it('waits out an on-delay that a new rule brings, from the last reading', () => {
    const { state, ctx, changes, read } = twinWith(rulesWith({ rules: { water_level_cm: threshold } }));
    read(T0, 12);
    setRules(
      state,
      rulesWith({ rules: { water_level_cm: { ...threshold, warning: { enter: 10, exit: 8 }, onDelayMs: 2 * MIN } } }),
      ctx,
      changes,
    );
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.normal);
    expect(read(T0 + MIN, 12).state).toBe(SensorStateCode.normal);
    expect(read(T0 + 2 * MIN, 12).state).toBe(SensorStateCode.warning);
  });

  it("applies an asset's override to the sensors watching it only, and a new staleness at the next tick", () => {
    const site = (id: string, assetId?: string): SensorSite => ({
      id,
      kind: 'water_level',
      lng: 114.3,
      lat: 30.55,
      district: '420106',
      sourceId: 'swj',
      nameZh: id,
      nameEn: id,
      lowness: 1,
      ...(assetId ? { assetId } : {}),
    });
    const { state, ctx, changes, read } = twinWith(rulesWith({ rules: { water_level_cm: threshold } }), [
      site('wl-1', 'up-1'),
      site('wl-2'),
    ]);
    applyTwinInput(state, { type: 'meta', id: 'wl-2', meta }, ctx, changes);
    read(T0, 12);
    read(T0, 12, 'wl-2');
    setRules(
      state,
      rulesWith(
        { rules: { water_level_cm: threshold } },
        { assets: { 'up-1': { water_level: { staleAfterMs: 60_000, rules: { water_level_cm: { warning: { enter: 11, exit: 9 } } } } } } },
      ),
      ctx,
      changes,
    );
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.warning);
    expect(state.byId.get('wl-2')!.state).toBe(SensorStateCode.normal);
    ctx.at(T0 + 2 * MIN);
    applyTwinInput(state, { type: 'tick' }, ctx, changes);
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.stale);
    expect(state.byId.get('wl-2')!.state).toBe(SensorStateCode.normal);
  });

  it('through the fusion engine: a sensor that a new rule puts in alarm becomes evidence', () => {
    const state: TwinState = createTwinState({ rules: rulesWith({ rules: { water_level_cm: threshold } }) });
    const engine = new FusionEngine(state, createIncidentState(), { inCity: () => true, districtAt: () => '420106' });
    const ctx = { now: () => T0 };
    engine.meta('wl-1', meta, ctx);
    engine.readings('wl-1', [{ metric: 'water_level_cm', ts: T0, value: 12 }], ctx);
    expect(engine.counters.alarmsRaised).toBe(0);
    engine.setRules(rulesWith({ rules: { water_level_cm: { ...threshold, warning: { enter: 10, exit: 8 } } } }), ctx);
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.warning);
    expect(engine.counters.alarmsRaised).toBe(1);
  });
});
