import { describe, expect, it } from 'vitest';
import type { SensorSite } from '../city/city-types.ts';
import { SensorStateCode } from '../sensor-state.ts';
import { createTwinState } from '../twin-state.ts';
import { createIncidentState } from './incident-correlator.ts';
import { FusionEngine } from './fusion-engine.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const site = (id: string, kind: SensorSite['kind'], dLat: number, assetId?: string): SensorSite => ({
  id,
  kind,
  lng: 114.3,
  lat: 30.55 + dLat,
  district: '420106',
  sourceId: 'swj',
  nameZh: id,
  nameEn: id,
  lowness: 1,
  ...(assetId ? { assetId } : {}),
});

function engine(sites: SensorSite[]) {
  const twin = createTwinState({ sites: new Map(sites.map((s) => [s.id, s])) });
  const e = new FusionEngine(twin, createIncidentState(), { inCity: (lng) => lng > 113.7 && lng < 115.1, districtAt: () => '420106' });
  let now = T0;
  const ctx = { now: () => now, set: (t: number) => (now = t) };
  for (const s of sites) e.meta(s.id, { kind: s.kind, lng: s.lng, lat: s.lat, district: s.district }, ctx);
  return { e, ctx };
}

describe('FusionEngine', () => {
  it('turns readings into alarm evidence and fuses it with a hotline call into one incident at the underpass', () => {
    const { e, ctx } = engine([site('wl-a', 'water_level', 0, 'up-1'), site('wl-b', 'water_level', 0.0003, 'up-1')]);
    expect(e.readings('wl-a', [{ metric: 'water_level_cm', ts: T0, value: 34 }], ctx)).toEqual([]);
    ctx.set(T0 + 60_000);
    // A second gauge agreeing at the same underpass is enough to open (one gauge alone is not).
    const opened = e.readings('wl-b', [{ metric: 'water_level_cm', ts: T0 + 60_000, value: 18 }], ctx);
    expect(opened.map((c) => c.what)).toEqual(['opened']);
    expect(opened[0]!.incident.confidence).toBe(0.618);
    ctx.set(T0 + 120_000);
    const changes = e.event(
      {
        source: 'hotline',
        id: 'c-1',
        ts: T0 + 120_000,
        type: 'citizen_report',
        lng: 114.301,
        lat: 30.5505,
        category: 'waterlogging',
        severity: 3,
        text: '下穿通道积水',
      },
      ctx,
    );
    expect(changes.map((c) => c.what)).toEqual(['evidence_linked']);
    const inc = changes[0]!.incident;
    expect(inc.confidence).toBeGreaterThan(0.75);
    expect(inc.assetId).toBe('up-1');
    expect(inc.evidence.map((x) => x.id).sort()).toEqual(['alarm:wl-a', 'alarm:wl-b', 'event:hotline:c-1']);
    expect(inc.evidence.find((x) => x.id === 'alarm:wl-a')).toMatchObject({ metric: 'water_level_cm', value: 34, level: 'alarm' });
    expect(e.counters).toMatchObject({ eventsAccepted: 1, alarmsRaised: 2 });
  });

  it('clears evidence when a sensor returns to normal, and rejects reports outside the city', () => {
    const { e, ctx } = engine([site('wl-a', 'water_level', 0, 'up-1')]);
    e.readings('wl-a', [{ metric: 'water_level_cm', ts: T0, value: 34 }], ctx);
    e.event(
      {
        source: 'hotline',
        id: 'c-2',
        ts: T0,
        type: 'citizen_report',
        lng: 114.3,
        lat: 30.55,
        category: 'waterlogging',
        severity: null,
        text: null,
      },
      ctx,
    );
    ctx.set(T0 + 60_000);
    const cleared = e.readings('wl-a', [{ metric: 'water_level_cm', ts: T0 + 60_000, value: 2 }], ctx);
    expect(cleared.map((c) => c.what)).toEqual(['evidence_inactive']);
    expect(
      e.event(
        {
          source: 'hotline',
          id: 'c-3',
          ts: T0,
          type: 'citizen_report',
          lng: 120,
          lat: 30,
          category: 'waterlogging',
          severity: null,
          text: null,
        },
        ctx,
      ),
    ).toEqual([]);
    expect(e.counters.eventsRejected).toEqual({ outside_city: 1 });
  });

  it('takes the level of late readings as evidence while the sensor is stale, and clears it when they fall back', () => {
    const { e, ctx } = engine([site('wl-a', 'water_level', 0, 'up-1'), site('wl-b', 'water_level', 0.0003, 'up-1')]);
    const lateMs = 8 * 60_000;
    // A buffering gateway: the gauge's readings arrive 8 min after they were taken (its limit is 3 min).
    ctx.set(T0 + lateMs);
    e.readings('wl-a', [{ metric: 'water_level_cm', ts: T0, value: 34 }], ctx);
    expect(e.twin.byId.get('wl-a')!.state).toBe(SensorStateCode.stale);
    expect(e.counters.alarmsRaised).toBe(1);
    // The same level again raises nothing new.
    ctx.set(T0 + lateMs + 60_000);
    expect(e.readings('wl-a', [{ metric: 'water_level_cm', ts: T0 + 60_000, value: 35 }], ctx)).toEqual([]);
    expect(e.counters.alarmsRaised).toBe(1);
    // A second gauge at the underpass, on time: the late gauge's water is the other half of the incident.
    const opened = e.readings('wl-b', [{ metric: 'water_level_cm', ts: T0 + lateMs + 60_000, value: 18 }], ctx);
    expect(opened.map((c) => c.what)).toEqual(['opened']);
    expect(opened[0]!.incident.evidence.find((x) => x.id === 'alarm:wl-a')).toMatchObject({ level: 'alarm', ts: T0, value: 34 });
    // Its late readings fall back: the evidence clears, at their time.
    ctx.set(T0 + lateMs + 120_000);
    const cleared = e.readings('wl-a', [{ metric: 'water_level_cm', ts: T0 + 120_000, value: 4 }], ctx);
    expect(cleared.map((c) => c.what)).toEqual(['evidence_inactive']);
    expect(e.counters).toMatchObject({ alarmsRaised: 2, alarmsCleared: 1 });
  });

  it('clears late evidence when the sensor is fresh again and normal (the twin notes no transition from stale to normal)', () => {
    const { e, ctx } = engine([site('wl-a', 'water_level', 0, 'up-1'), site('wl-b', 'water_level', 0.0003, 'up-1')]);
    ctx.set(T0 + 8 * 60_000);
    e.readings('wl-a', [{ metric: 'water_level_cm', ts: T0, value: 34 }], ctx);
    e.readings('wl-b', [{ metric: 'water_level_cm', ts: T0 + 8 * 60_000, value: 18 }], ctx);
    ctx.set(T0 + 9 * 60_000);
    const fresh = e.readings('wl-a', [{ metric: 'water_level_cm', ts: T0 + 9 * 60_000, value: 3 }], ctx);
    expect(e.twin.byId.get('wl-a')!.state).toBe(SensorStateCode.normal);
    expect(fresh.map((c) => c.what)).toEqual(['evidence_inactive']);
    expect(e.counters).toMatchObject({ alarmsRaised: 2, alarmsCleared: 1 });
  });

  it('raises no late evidence for a stale sensor whose late readings are normal', () => {
    const { e, ctx } = engine([site('wl-a', 'water_level', 0, 'up-1')]);
    ctx.set(T0 + 8 * 60_000);
    expect(e.readings('wl-a', [{ metric: 'water_level_cm', ts: T0, value: 6 }], ctx)).toEqual([]);
    expect(e.twin.byId.get('wl-a')!.state).toBe(SensorStateCode.stale);
    expect(e.counters).toMatchObject({ alarmsRaised: 0, alarmsCleared: 0 });
  });

  it('links a late warning whose clear came in the same flush of its gateway to the resolved incident, without reopening it', () => {
    const hall = (id: string) => site(id, 'service_hall', 0.0002, 'hall-1');
    const { e, ctx } = engine([hall('sh-1'), hall('sh-2')]);
    const MIN = 60_000;
    const at = (m: number) => T0 + m * MIN;
    const changes: Array<[number, string, string]> = [];
    const note = (m: number, out: ReturnType<typeof e.tick>) => {
      for (const c of out) changes.push([m, c.what, c.incident.status]);
    };
    // sh-1 waits 64 min from -6 to +30 (an incident opens once its on-delay has passed), normal after;
    // sh-2 reports normal on time until +27, then its gateway buffers.
    for (let m = -10; m <= 70; m++) {
      ctx.set(at(m));
      note(m, e.readings('sh-1', [{ metric: 'wait_min', ts: at(m), value: m >= -6 && m < 30 ? 64 : 40 }], ctx));
      if (m < 28) note(m, e.readings('sh-2', [{ metric: 'wait_min', ts: at(m), value: 40 }], ctx));
      // At +47 the gateway flushes sh-2's readings of +28…+46, one message each: a warning from
      // +34 (64 min since +29) that cleared at +39.
      if (m === 47)
        for (let k = 28; k <= 46; k++)
          note(m, e.readings('sh-2', [{ metric: 'wait_min', ts: at(k), value: k >= 29 && k <= 38 ? 64 : 40 }], ctx));
      note(m, e.tick(ctx));
    }
    expect(changes).toEqual([
      [-1, 'opened', 'open'],
      [30, 'evidence_inactive', 'open'],
      [45, 'resolved', 'resolved'],
      // Decided at the first tick at least LATE_HOLD_MS after the flush: the next minute's.
      [48, 'evidence_linked', 'resolved'],
    ]);
    const incident = [...e.incidents.incidents.values()][0]!;
    expect(incident.evidence.map((x) => [x.id, x.active, x.clearedAt])).toEqual([
      ['alarm:sh-1', false, at(30)],
      ['alarm:sh-2', false, at(39)],
    ]);
  });
});
