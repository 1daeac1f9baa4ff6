import { describe, expect, it } from 'vitest';
import { AlarmLevel, DEFAULT_ALARM_RULES, evaluateLevel } from './alarm-rules.ts';
import { SensorStateCode } from './sensor-state.ts';
import {
  applyTwinInput,
  countByState,
  createTwinChanges,
  createTwinState,
  headlineValue,
  stateReasonAt,
  type TwinContext,
} from './twin-state.ts';
import { seenUnitOf } from './seen-units.ts';

const T0 = Date.UTC(2026, 6, 1);
function clock(start = T0): TwinContext & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}
const meta = { kind: 'water_level' as const, lng: 114.3, lat: 30.55, source: 'swj', district: '420106' };

/** A twin that knows wl-1 (its meta) and has taken one water level of `value` cm from it at T0. */
function knownWithReading(value: number) {
  const state = createTwinState();
  const ctx = clock();
  applyTwinInput(state, { type: 'meta', id: 'wl-1', meta }, ctx, createTwinChanges());
  applyTwinInput(
    state,
    { type: 'readings', id: 'wl-1', readings: [{ metric: 'water_level_cm', ts: T0, value }] },
    ctx,
    createTwinChanges(),
  );
  return { state, ctx };
}

describe('evaluateLevel (hysteresis)', () => {
  const rule = DEFAULT_ALARM_RULES.water_level.metrics[0]!;
  it('enters at the threshold and leaves only past the exit value', () => {
    expect(evaluateLevel(rule, 14, AlarmLevel.normal)).toBe(AlarmLevel.normal);
    expect(evaluateLevel(rule, 15, AlarmLevel.normal)).toBe(AlarmLevel.warning);
    expect(evaluateLevel(rule, 12, AlarmLevel.warning)).toBe(AlarmLevel.warning);
    expect(evaluateLevel(rule, 9, AlarmLevel.warning)).toBe(AlarmLevel.normal);
    expect(evaluateLevel(rule, 31, AlarmLevel.warning)).toBe(AlarmLevel.alarm);
    expect(evaluateLevel(rule, 27, AlarmLevel.alarm)).toBe(AlarmLevel.alarm);
    expect(evaluateLevel(rule, 24, AlarmLevel.alarm)).toBe(AlarmLevel.warning);
  });
  it('handles low-is-bad metrics', () => {
    const speed = DEFAULT_ALARM_RULES.traffic_flow.metrics[0]!;
    expect(evaluateLevel(speed, 40, AlarmLevel.normal)).toBe(AlarmLevel.normal);
    expect(evaluateLevel(speed, 12, AlarmLevel.normal)).toBe(AlarmLevel.warning);
    expect(evaluateLevel(speed, 4, AlarmLevel.warning)).toBe(AlarmLevel.alarm);
  });
});

describe('applyTwinInput', () => {
  it('registers from meta, takes readings and raises alarms with a reason', () => {
    const state = createTwinState();
    const ctx = clock();
    const changes = createTwinChanges();
    applyTwinInput(state, { type: 'meta', id: 'wl-1', meta }, ctx, changes);
    applyTwinInput(state, { type: 'readings', id: 'wl-1', readings: [{ metric: 'water_level_cm', ts: T0, value: 34 }] }, ctx, changes);
    const s = state.byId.get('wl-1')!;
    expect(s.registered).toBe(true);
    expect(s.state).toBe(SensorStateCode.alarm);
    expect(stateReasonAt(state, s, ctx.now())).toBe('water_level_cm 34 ≥ 30 (alarm)');
    expect(headlineValue(s)).toEqual({ value: 34, ts: T0 });
    expect(changes.added).toEqual([0]);
    expect([...changes.changed]).toEqual([0]);
    expect(state.lastDataTime).toBe(T0);
  });
  it('keeps a reading without meta as unregistered, positioned from the planned site', () => {
    const site = {
      id: 'wl-2',
      kind: 'water_level' as const,
      lng: 114.2,
      lat: 30.5,
      district: '420105',
      sourceId: 'swj',
      nameZh: '积水点',
      nameEn: 'Spot',
      lowness: 1,
    };
    const state = createTwinState({ sites: new Map([[site.id, site]]) });
    applyTwinInput(
      state,
      { type: 'readings', id: 'wl-2', readings: [{ metric: 'water_level_cm', ts: T0, value: 3 }] },
      clock(),
      createTwinChanges(),
    );
    applyTwinInput(
      state,
      { type: 'readings', id: 'ghost', readings: [{ metric: 'pm25', ts: T0, value: 3 }] },
      clock(),
      createTwinChanges(),
    );
    expect(state.byId.get('wl-2')).toMatchObject({ registered: false, lng: 114.2, state: SensorStateCode.unregistered });
    expect(state.byId.get('ghost')).toMatchObject({ registered: false, lng: null, kind: 'unknown' });
    expect(countByState(state).unregistered).toBe(2);
  });
  it('ignores late readings for the live state', () => {
    const { state, ctx } = knownWithReading(5);
    const changes = createTwinChanges();
    applyTwinInput(
      state,
      { type: 'readings', id: 'wl-1', readings: [{ metric: 'water_level_cm', ts: T0 - 60_000, value: 40 }] },
      ctx,
      changes,
    );
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.normal);
    expect(changes.changed.size).toBe(0);
  });
  it('turns a silent sensor stale on tick and back when data comes', () => {
    const { state, ctx } = knownWithReading(5);
    ctx.advance(DEFAULT_ALARM_RULES.water_level.staleAfterMs + 1000);
    const changes = createTwinChanges();
    applyTwinInput(state, { type: 'tick' }, ctx, changes);
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.stale);
    expect(changes.changed.has(0)).toBe(true);
    applyTwinInput(
      state,
      { type: 'readings', id: 'wl-1', readings: [{ metric: 'water_level_cm', ts: ctx.now(), value: 5 }] },
      ctx,
      createTwinChanges(),
    );
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.normal);
  });
  it("words a stale sensor's growing silence when asked, without rewriting it on every tick", () => {
    const { state, ctx } = knownWithReading(5);
    const limitS = DEFAULT_ALARM_RULES.water_level.staleAfterMs / 1000;
    ctx.advance(DEFAULT_ALARM_RULES.water_level.staleAfterMs + 1000);
    applyTwinInput(state, { type: 'tick' }, ctx, createTwinChanges());
    const entry = state.byId.get('wl-1')!;
    expect(stateReasonAt(state, entry, ctx.now())).toBe(`no reading for ${limitS + 1} s (limit ${limitS} s)`);
    ctx.advance(59_000);
    const changes = createTwinChanges();
    applyTwinInput(state, { type: 'tick' }, ctx, changes);
    expect(entry.state).toBe(SensorStateCode.stale);
    expect(changes.changed.size).toBe(0);
    expect(stateReasonAt(state, entry, ctx.now())).toBe(`no reading for ${limitS + 60} s (limit ${limitS} s)`);
  });
  it('keeps the state and reason of a sensor inside its staleness limit on tick', () => {
    const { state, ctx } = knownWithReading(34);
    ctx.advance(DEFAULT_ALARM_RULES.water_level.staleAfterMs - 1000);
    const changes = createTwinChanges({ collectAlarms: true });
    applyTwinInput(state, { type: 'tick' }, ctx, changes);
    const entry = state.byId.get('wl-1')!;
    expect(entry.state).toBe(SensorStateCode.alarm);
    expect(stateReasonAt(state, entry, ctx.now())).toBe('water_level_cm 34 ≥ 30 (alarm)');
    expect(changes.changed.size).toBe(0);
    expect(changes.alarms).toEqual([]);
  });
  it('turns each sensor stale at its own limit, also one registered between ticks', () => {
    const state = createTwinState();
    const ctx = clock();
    const read = (id: string) =>
      applyTwinInput(
        state,
        { type: 'readings', id, readings: [{ metric: 'water_level_cm', ts: ctx.now(), value: 5 }] },
        ctx,
        createTwinChanges(),
      );
    const limit = DEFAULT_ALARM_RULES.water_level.staleAfterMs;
    applyTwinInput(state, { type: 'meta', id: 'wl-1', meta }, ctx, createTwinChanges());
    read('wl-1');
    const tick = () => applyTwinInput(state, { type: 'tick' }, ctx, createTwinChanges());
    tick();
    ctx.advance(limit / 2);
    // Registered after the tick above, with a reading from before it: stale before wl-1.
    applyTwinInput(state, { type: 'meta', id: 'wl-2', meta }, ctx, createTwinChanges());
    applyTwinInput(
      state,
      { type: 'readings', id: 'wl-2', readings: [{ metric: 'water_level_cm', ts: ctx.now() - limit + 2000, value: 5 }] },
      ctx,
      createTwinChanges(),
    );
    tick();
    expect(state.byId.get('wl-2')!.state).toBe(SensorStateCode.normal);
    ctx.advance(1000);
    tick();
    expect(state.byId.get('wl-2')!.state).toBe(SensorStateCode.normal);
    ctx.advance(2000);
    tick();
    expect(state.byId.get('wl-2')!.state).toBe(SensorStateCode.stale);
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.normal);
    ctx.advance(limit / 2 - 3000);
    tick();
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.normal);
    ctx.advance(1000);
    tick();
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.stale);
  });
  it('deregisters on an empty meta', () => {
    const state = createTwinState();
    const ctx = clock();
    applyTwinInput(state, { type: 'meta', id: 'wl-1', meta }, ctx, createTwinChanges());
    applyTwinInput(state, { type: 'meta', id: 'wl-1', meta: null }, ctx, createTwinChanges());
    expect(state.byId.get('wl-1')!.state).toBe(SensorStateCode.unregistered);
  });
});

describe('registered sensors against device meta', () => {
  const site = {
    id: 'ed-1',
    kind: 'hospital_ed' as const,
    lng: 114.27,
    lat: 30.58,
    district: '420103',
    sourceId: 'wjw.hospital-ed',
    nameZh: '协和医院急诊',
    nameEn: 'Union Hospital ED',
    lowness: 0,
  };
  const registered = () => createTwinState({ sites: new Map([[site.id, site]]) });
  const own = {
    kind: 'hospital_ed' as const,
    lng: 114.270000004,
    lat: 30.58,
    name: '协和医院急诊',
    district: '420103',
    source: 'wjw.hospital-ed',
  };

  it("keeps the register's position, name, kind and source when a device meta changes them, and takes the rest", () => {
    const state = registered();
    const ctx = clock();
    applyTwinInput(state, { type: 'meta', id: 'ed-1', meta: own }, ctx, createTwinChanges());
    applyTwinInput(
      state,
      {
        type: 'meta',
        id: 'ed-1',
        meta: {
          kind: 'air_quality',
          lng: 114.4,
          lat: 30.6,
          name: 'moved',
          source: 'sthjj.air-quality',
          classification: 'public',
          unit: '%',
        },
      },
      ctx,
      createTwinChanges(),
    );
    expect(state.byId.get('ed-1')).toMatchObject({
      registered: true,
      kind: 'hospital_ed',
      lng: 114.27,
      lat: 30.58,
      name: '协和医院急诊',
      sourceId: 'wjw.hospital-ed',
      district: '420103',
      classification: 'public',
    });
  });

  it('refuses a deregistration of a registered sensor and keeps it registered', () => {
    const state = registered();
    const ctx = clock();
    applyTwinInput(state, { type: 'meta', id: 'ed-1', meta: own }, ctx, createTwinChanges());
    applyTwinInput(state, { type: 'meta', id: 'ed-1', meta: null }, ctx, createTwinChanges());
    expect(state.byId.get('ed-1')!.registered).toBe(true);
  });

  it("lets an unregistered sensor's meta register and then move it", () => {
    const state = registered();
    const ctx = clock();
    applyTwinInput(state, { type: 'meta', id: 'wl-9', meta }, ctx, createTwinChanges());
    applyTwinInput(state, { type: 'meta', id: 'wl-9', meta: { ...meta, lng: 114.31, name: 'new name' } }, ctx, createTwinChanges());
    expect(state.byId.get('wl-9')).toMatchObject({ registered: true, lng: 114.31, name: 'new name' });
  });
});

describe('the unit a metric outside the vocabulary came in', () => {
  it('is kept per metric, the newest winning; a refused one forgets it; a late message changes nothing', () => {
    const state = createTwinState();
    const ctx = clock();
    const changes = { ...createTwinChanges(), described: new Set<number>() };
    const read = (ts: number, unit: string, metric = 'temp') =>
      applyTwinInput(
        state,
        { type: 'readings', id: 'dev-1', readings: [{ metric, ts, value: 1 }], units: [{ metric, unit }] },
        ctx,
        changes,
      );
    read(T0, 'Cel');
    const entry = state.byId.get('dev-1')!;
    expect(seenUnitOf(entry, 'temp')).toBe('Cel');
    expect(seenUnitOf(entry, 'temp:sum')).toBe('Cel');
    // Noted on its first readings too (the live stream sends a sensor new to it once, in added).
    expect([...changes.described]).toEqual([0]);
    changes.described.clear();
    read(T0 + 1000, 'K');
    expect(seenUnitOf(entry, 'temp')).toBe('K');
    expect([...changes.described]).toEqual([0]);
    changes.described.clear();
    read(T0 - 5000, 'Cel');
    expect(seenUnitOf(entry, 'temp')).toBe('K');
    read(T0 + 2000, 'K');
    expect(changes.described.size).toBe(0);
    // Another metric than the headline: kept, the summary unchanged.
    read(T0 + 3000, 'hPa', 'pressure');
    expect(seenUnitOf(entry, 'pressure')).toBe('hPa');
    expect(changes.described.size).toBe(0);
    read(T0 + 4000, '');
    expect(seenUnitOf(entry, 'temp')).toBeNull();
    // A sensor that never sent one holds the shared empty map.
    applyTwinInput(state, { type: 'readings', id: 'dev-2', readings: [{ metric: 'x', ts: T0, value: 1 }] }, ctx, changes);
    expect(state.byId.get('dev-2')!.units.size).toBe(0);
  });

  it("notes a change of unit when the map shows the metric's sum (SenML `s`)", () => {
    const state = createTwinState();
    const ctx = clock();
    const changes = { ...createTwinChanges(), described: new Set<number>() };
    const read = (ts: number, unit: string) =>
      applyTwinInput(
        state,
        { type: 'readings', id: 'dev-s', readings: [{ metric: 'flow:sum', ts, value: 1 }], units: [{ metric: 'flow', unit }] },
        ctx,
        changes,
      );
    read(T0, 'm3');
    changes.described.clear();
    read(T0 + 1000, 'l');
    expect(seenUnitOf(state.byId.get('dev-s')!, 'flow:sum')).toBe('l');
    expect([...changes.described]).toEqual([0]);
  });
});
