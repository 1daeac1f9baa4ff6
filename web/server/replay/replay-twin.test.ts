import { describe, expect, it } from 'vitest';
import { DEFAULT_ALARM_RULES, SensorStateCode } from '../../../twin-model/index.ts';
import type { DeclaredSensorSite, IncidentChange } from '../../../twin-model/index.ts';
import { decodeDelta } from '../../shared/delta-codec.ts';
import { sensorClassifier, clearanceMask } from '../auth/classification.ts';
import {
  actionsOf,
  advanceFrames,
  bucketize,
  GAP_MIN_MS,
  historyMatters,
  keyframeSensors,
  keyframeStart,
  rebuildTimings,
  rebuildTwin,
  registerTwin,
  registryAt,
  replayIds,
  REPLAY_GRID_MS,
  snapToGrid,
  stepForSpeed,
  type StoredValue,
} from './replay-twin.ts';
import { proposedRange } from './after-action-report.ts';
import type { SensorRegistryRow } from '../../../storage/index.ts';

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const MIN = 60_000;

function row(sensorId: string, updatedAt: number, extra: Partial<SensorRegistryRow> = {}): SensorRegistryRow {
  return {
    sensorId,
    kind: 'water_level',
    lng: 114.3,
    lat: 30.55,
    name: '',
    unit: 'cm',
    district: '420106',
    source: '',
    classification: 'public',
    deleted: false,
    updatedAt,
    ...extra,
  };
}

describe('stepForSpeed', () => {
  it('gives one second of data per frame at 1x-10x and whole minutes (the rollup) at 1000x', () => {
    expect(stepForSpeed(1)).toBe(1000);
    expect(stepForSpeed(10)).toBe(1000);
    expect(stepForSpeed(60)).toBe(10_000);
    expect(stepForSpeed(600)).toBe(60_000);
    expect(stepForSpeed(1000)).toBe(120_000);
    expect(stepForSpeed(1000) % MIN).toBe(0);
  });

  it('snaps moments down to the 10 s replay grid, on which every step of 10 s or more reads the rollup', () => {
    expect(snapToGrid(T0 + 37_512)).toBe(T0 + 30_000);
    expect(snapToGrid(T0 + 40_000)).toBe(T0 + 40_000);
    expect(stepForSpeed(60) % REPLAY_GRID_MS).toBe(0);
    expect(stepForSpeed(50) % REPLAY_GRID_MS).not.toBe(0);
  });
});

describe('registry at a moment and the replay numbering', () => {
  const rows = [
    row('b', T0),
    row('a', T0 + 10 * MIN, { classification: 'sensitive' }),
    row('b', T0 + 5 * MIN, { name: 'renamed' }),
    row('c', T0, { classification: null, source: 'src-open' }),
  ];

  it('takes the newest version at or before T, and null for a sensor registered after it', () => {
    const at = registryAt(rows, T0 + 6 * MIN);
    expect(at.get('b')?.name).toBe('renamed');
    expect(at.get('a')).toBeNull();
    expect(registryAt(rows, T0 + 1).get('b')?.name).toBe('');
  });

  it('numbers the sensors a clearance covers in id order, classified as live (own, else source, else internal)', () => {
    const classify = sensorClassifier([{ id: 'src-open', classification: 'public' }]);
    expect(replayIds(rows, classify, clearanceMask(['public', 'internal', 'sensitive']))).toEqual(['a', 'b', 'c']);
    expect(replayIds(rows, classify, clearanceMask(['public']))).toEqual(['b', 'c']);
  });
});

describe('rebuilding the twin from stored values', () => {
  const ids = ['wl-1', 'wl-2'];
  const registry = registryAt([row('wl-1', T0 - 60 * MIN), row('wl-2', T0 - 60 * MIN)], T0);

  it('runs the live alarm rules with their hysteresis: a level that fell from 33 to 28 cm stays in alarm', () => {
    // water_level: alarm at 30 cm, hysteresis 5 cm (twin-model/alarm-rules.ts).
    const values: StoredValue[] = [
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 - 3 * MIN, value: 33 },
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 - MIN, value: 28 },
      { sensorId: 'wl-2', metric: 'water_level_cm', ts: T0 - MIN, value: 28 },
    ];
    const { twin } = rebuildTwin(ids, registry, values, T0);
    expect(twin.sensors.map((s) => s.id)).toEqual(ids);
    expect(twin.byId.get('wl-1')!.state).toBe(SensorStateCode.alarm);
    // The same value without the earlier peak is only a warning.
    expect(twin.byId.get('wl-2')!.state).toBe(SensorStateCode.warning);
    expect(twin.byId.get('wl-1')!.latest.get('water_level_cm')).toEqual({ value: 28, ts: T0 - MIN });
  });

  it('ignores values after T and turns a silent sensor stale at T', () => {
    const values: StoredValue[] = [
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 - 10 * MIN, value: 5 },
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 + MIN, value: 40 },
      { sensorId: 'wl-2', metric: 'water_level_cm', ts: T0 - 10_000, value: 5 },
    ];
    const { twin } = rebuildTwin(ids, registry, values, T0);
    expect(twin.byId.get('wl-1')!.state).toBe(SensorStateCode.stale);
    expect(twin.byId.get('wl-1')!.latest.get('water_level_cm')!.value).toBe(5);
    expect(twin.byId.get('wl-2')!.state).toBe(SensorStateCode.normal);
  });

  it('shows a sensor registered after T as unregistered', () => {
    const later = registryAt([row('wl-1', T0 - 60 * MIN), row('wl-2', T0 + MIN)], T0);
    const { twin } = rebuildTwin(ids, later, [], T0);
    expect(twin.byId.get('wl-2')!.state).toBe(SensorStateCode.unregistered);
  });
});

describe('sensors not registered yet at the moment shown', () => {
  // The city's register places every planned site, so a sensor without meta has a position.
  const site: DeclaredSensorSite = {
    id: 'wl-2',
    kind: 'water_level',
    lng: 114.31,
    lat: 30.56,
    district: '420106',
    sourceId: 'water',
    nameZh: '',
    nameEn: '',
    lowness: 0.5,
  };
  const sites = new Map([['wl-2', site]]);
  const ids = ['wl-1', 'wl-2'];
  const rows = [row('wl-1', T0 - 60 * MIN), row('wl-2', T0 + 25_000, { lng: 114.32, lat: 30.57 })];

  it('are not on the map in the keyframe (no position), rather than drawn as unregistered', () => {
    const start = rebuildTwin(ids, registryAt(rows, T0), [], T0, { sites });
    const [one, two] = keyframeSensors(start);
    expect(one!.lng).toBe(114.3);
    expect(two!.state).toBe(SensorStateCode.unregistered);
    expect(two!.lng).toBeNull();
    expect(two!.lat).toBeNull();
  });

  it('appear with their position in the frame that registers them', () => {
    const start = registerTwin(ids, registryAt(rows, T0), T0, { sites });
    keyframeSensors(start);
    const frames = advanceFrames(start, new Map(), T0, 10_000, 4, 'replay-test', 0, rows);
    expect(frames.map((f) => f.delta.added.map((s) => s.id))).toEqual([[], [], ['wl-2'], []]);
    const added = frames[2]!.delta.added[0]!;
    // At the register's site (the register places a sensor, not its meta), registered.
    expect([added.lng, added.lat, added.registered, added.state]).toEqual([114.31, 30.56, true, SensorStateCode.normal]);
  });

  it('a sensor that sent data before its meta is shown as unregistered, where it is', () => {
    const values: StoredValue[] = [{ sensorId: 'wl-2', metric: 'water_level_cm', ts: T0 - 5000, value: 5 }];
    const start = rebuildTwin(ids, registryAt(rows, T0), values, T0, { sites });
    const two = keyframeSensors(start)[1]!;
    expect([two.state, two.lng]).toEqual([SensorStateCode.unregistered, 114.31]);
  });
});

describe('playback frames', () => {
  it('applies each step’s downsampled values in order, one delta per step, and marks sensors without data as gaps', () => {
    const ids = ['wl-1', 'wl-2'];
    const registry = registryAt([row('wl-1', T0 - 60 * MIN), row('wl-2', T0 - 60 * MIN)], T0);
    const start = rebuildTwin(
      ids,
      registry,
      [
        { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 - 1000, value: 10 },
        { sensorId: 'wl-2', metric: 'water_level_cm', ts: T0 - 1000, value: 10 },
      ],
      T0,
    );
    const step = 60_000;
    // wl-1 reports every step and rises into alarm; wl-2 stops after the first step.
    const rows = [
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 + 59_000, value: 20, k: 0 },
      { sensorId: 'wl-2', metric: 'water_level_cm', ts: T0 + 30_000, value: 11, k: 0 },
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 + 119_000, value: 31, k: 1 },
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 + 179_000, value: 32, k: 2 },
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 + 239_000, value: 33, k: 3 },
      { sensorId: 'wl-x', metric: 'water_level_cm', ts: T0 + 1000, value: 99, k: 0 },
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 + 299_000, value: 99, k: 9 },
    ];
    const frames = advanceFrames(start, bucketize(rows, 4), T0, step, 4, 'replay-test');
    expect(frames.map((f) => f.delta.seq)).toEqual([1, 2, 3, 4]);
    expect(frames.map((f) => f.delta.serverTime)).toEqual([T0 + 60_000, T0 + 120_000, T0 + 180_000, T0 + 240_000]);
    const first = frames[0]!.delta;
    expect([...decodeDelta(first).index]).toEqual([0, 1]);
    expect([...decodeDelta(first).value]).toEqual([20, 11]);
    expect([...decodeDelta(first).state]).toEqual([SensorStateCode.warning, SensorStateCode.normal]);
    expect([...decodeDelta(frames[1]!.delta).state]).toEqual([SensorStateCode.alarm]);
    expect(frames[1]!.delta.dataTime).toBe(T0 + 119_000);
    // wl-2's last reading was at T0 + 30 s: a gap once GAP_MIN_MS has passed.
    const gapFrame = frames.findIndex((f) => f.gaps.includes(1));
    expect(T0 + (gapFrame + 1) * step - (T0 + 30_000)).toBeGreaterThan(GAP_MIN_MS);
    expect(frames[0]!.gaps.length).toBe(0);
    expect(frames.every((f) => !f.gaps.includes(0))).toBe(true);
    // Values outside the numbering (another clearance) or the buckets asked for are not applied.
    expect(start.twin.byId.has('wl-x')).toBe(false);
    expect(start.twin.byId.get('wl-1')!.latest.get('water_level_cm')!.value).toBe(33);
  });
});

describe('operator actions and incident ranges', () => {
  const incident = { id: 'inc-000001', openedAt: T0, status: 'open' } as IncidentChange['incident'];
  const change = (at: number, actor: string, what: IncidentChange['what'], status = 'open'): IncidentChange => ({
    incidentId: 'inc-000001',
    at,
    actor,
    what,
    detail: what,
    incident: { ...incident, status } as IncidentChange['incident'],
  });

  it('keeps people’s incident changes and every dispatch log entry, in time order, flagging automatic ones', () => {
    const actions = actionsOf(
      [change(T0, 'twin', 'opened'), change(T0 + 60_000, 'op1', 'acknowledged')],
      [
        {
          seq: 1,
          at: T0 + 120_000,
          actor: 'disp1',
          action: 'override',
          unitId: 'pump-01',
          incidentId: 'inc-000001',
          data: { from: 'available', to: 'dispatched', recommendedUnitId: 'pump-02', overrideReason: 'closer by boat' },
          prevHash: '',
          hash: '',
        },
        {
          seq: 2,
          at: T0 + 30_000,
          actor: 'twin',
          action: 'arrive',
          unitId: 'pump-01',
          incidentId: 'inc-000001',
          data: { from: 'en_route', to: 'on_scene' },
          prevHash: '',
          hash: '',
        },
      ],
    );
    expect(actions.map((a) => [a.actor, a.what, a.automatic])).toEqual([
      ['twin', 'arrive', true],
      ['op1', 'acknowledged', false],
      ['disp1', 'override', false],
    ]);
    expect(actions[2]!.detail).toContain('closer by boat');
    expect(actions[2]!.detail).toContain('recommended pump-02');
  });

  it('proposes 15 minutes either side of an incident, to now while it is open', () => {
    const closed = [change(T0 + 30_000, 'twin', 'opened'), change(T0 + 40 * MIN, 'op1', 'closed', 'closed')];
    expect(proposedRange(closed, T0 + 5 * 3600_000)).toEqual({ from: T0 - 15 * MIN, to: T0 + 55 * MIN });
    const open = [change(T0, 'twin', 'opened')];
    expect(proposedRange(open, T0 + 20 * MIN)).toEqual({ from: T0 - 15 * MIN, to: T0 + 20 * MIN });
  });
});

describe('which sensors a keyframe feeds their history', () => {
  // water_level_cm: warning 15 (exit 10), alarm 30 (exit 25), no on-delay.
  const water = DEFAULT_ALARM_RULES.water_level.metrics;
  const aqi = DEFAULT_ALARM_RULES.air_quality.metrics.filter((r) => r.metric === 'aqi');

  it('needs history only where the last value sits in a band whose level the window reached, or an on-delay may be running', () => {
    expect(historyMatters(water, 28, 5, 34)).toBe(true); // fell back from alarm into its band
    expect(historyMatters(water, 28, 5, 29)).toBe(false); // never reached 30: warning either way
    expect(historyMatters(water, 12, 5, 16)).toBe(true); // warning band, warning reached
    expect(historyMatters(water, 20, 5, 40)).toBe(false); // warning whatever came before
    expect(historyMatters(water, 3, 3, 40)).toBe(false); // below every exit: normal
    expect(historyMatters(aqi, 100, 50, 160)).toBe(true); // on-delay rule that reached its warning
    expect(historyMatters(aqi, 100, 50, 120)).toBe(false);
    expect(historyMatters(undefined, 1e9, 0, 1e9)).toBe(false);
  });

  it('gives the same states from the last value alone as from the whole history when it says no history is needed', () => {
    const ids = ['wl-1'];
    const registry = registryAt([row('wl-1', T0 - 60 * MIN)], T0);
    for (const series of [
      [5, 12, 22, 29, 28],
      [40, 35, 20],
      [8, 9, 3],
      [31, 40, 33],
    ]) {
      const values = series.map((value, k) => ({ sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 - (series.length - k) * MIN, value }));
      const last = values.at(-1)!;
      const needs = historyMatters(water, last.value, Math.min(...series), Math.max(...series));
      const full = rebuildTwin(ids, registry, values, T0).twin.byId.get('wl-1')!.state;
      const lastOnly = rebuildTwin(ids, registry, [last], T0).twin.byId.get('wl-1')!.state;
      if (!needs) expect([series, lastOnly]).toEqual([series, full]);
    }
  });
});

describe('the values a keyframe starts from', () => {
  const rules = new Map([['water_level_cm', DEFAULT_ALARM_RULES.water_level.metrics.filter((r) => r.metric === 'water_level_cm')]]);
  const win = (sensorId: string, value: number, lo: number, hi: number, seedTs = 0, seedValue = 0) => ({
    sensorId,
    metric: 'water_level_cm',
    ts: T0 - 10_000,
    value,
    lo,
    hi,
    seedTs,
    seedValue,
  });

  it('feeds a sensor its last value only, unless its history can change its state: then its seed, and the minutes come later', () => {
    const { values, history } = keyframeStart(
      [win('wl-1', 28, 5, 34, T0 - 50 * MIN, 6), win('wl-2', 28, 5, 29, T0 - 50 * MIN, 6)],
      [],
      rules,
    );
    expect(history).toEqual(['wl-1']);
    expect(values).toEqual([
      { sensorId: 'wl-2', metric: 'water_level_cm', ts: T0 - 10_000, value: 28 },
      { sensorId: 'wl-1', metric: 'water_level_cm', ts: T0 - 50 * MIN, value: 6 },
    ]);
  });

  it('takes the raw tail after the grid point as the last value, widening the window’s range with it', () => {
    const tail = [{ sensorId: 'wl-2', metric: 'water_level_cm', ts: T0 + 3000, value: 28, lo: 28, hi: 31 }];
    const { values, history } = keyframeStart([win('wl-2', 20, 5, 29)], tail, rules);
    expect(history).toEqual(['wl-2']);
    expect(values).toEqual([{ sensorId: 'wl-2', metric: 'water_level_cm', ts: T0 + 3000, value: 28 }]);
  });
});

describe('rebuild timings', () => {
  it('counts the registry built while the values load once, in twinMs, so query + twin is the wall time', () => {
    // Start at 1000, registry built in 30 ms while the values load, values in at 1100, fed by 1150.
    const t = rebuildTimings(1000, 30, 1100, 1150);
    expect(t).toEqual({ queryMs: 70, twinMs: 80, registerMs: 30 });
    expect(t.queryMs + t.twinMs).toBe(1150 - 1000);
  });
});
