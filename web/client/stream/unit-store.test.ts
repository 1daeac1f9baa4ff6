import { describe, expect, it } from 'vitest';
import type { UnitView } from '../../shared/protocol.ts';
import { remainingTripS, UnitStore } from './unit-store.ts';

function unit(id: string, patch: Partial<UnitView> = {}): UnitView {
  return {
    id,
    kind: 'pump_team',
    nameZh: `排水抢险队 ${id}`,
    nameEn: `pump team ${id}`,
    capabilities: ['pumping', 'rescue'],
    homeStationId: 'depot-1',
    homeDistrict: '420106',
    homeLng: 114.3,
    homeLat: 30.55,
    homeNodeId: 1,
    shift: { startHour: 0, endHour: 24 },
    status: 'available',
    lng: 114.3,
    lat: 30.55,
    nodeId: 1,
    lastFixAt: 0,
    version: 1,
    warnings: [],
    trip: null,
    ...patch,
  };
}

describe('UnitStore', () => {
  it('counts units by kind and status and lists the engaged ones first', () => {
    const store = new UnitStore();
    store.reset({
      serverTime: 0,
      units: [
        unit('a'),
        unit('b', { status: 'on_scene', incidentId: 'inc-000001' }),
        unit('c', { kind: 'ambulance', status: 'en_route', warnings: ['silent'] }),
      ],
    });
    const c = store.counts();
    expect(c.total).toBe(3);
    expect(c.busy).toBe(2);
    expect(c.warned).toBe(1);
    expect(c.byKind.get('pump_team')!.get('available')).toBe(1);
    expect(c.byKind.get('pump_team')!.get('on_scene')).toBe(1);
    expect(c.byKind.get('ambulance')!.get('en_route')).toBe(1);
    expect(store.list().map((u) => u.id)).toEqual(['b', 'c', 'a']);
    expect(store.assignedTo('inc-000001').map((u) => u.id)).toEqual(['b']);
  });

  it('reports which units changed status, and bumps its version on every batch', () => {
    const store = new UnitStore();
    store.reset({ serverTime: 0, units: [unit('a'), unit('b')] });
    const v = store.version;
    // A position fix alone is not a status change.
    expect(store.apply({ serverTime: 1, units: [unit('a', { lng: 114.31, lastFixAt: 5 })] })).toEqual([]);
    expect(store.apply({ serverTime: 2, units: [unit('b', { status: 'dispatched', incidentId: 'inc-000002', version: 2 })] })).toEqual([
      'b',
    ]);
    expect(store.version).toBe(v + 2);
    expect(store.get('b')!.status).toBe('dispatched');
    expect(store.get('a')!.lng).toBe(114.31);
  });
});

describe('remainingTripS', () => {
  const trip = {
    incidentId: 'inc-000001',
    leg: 'to_incident' as const,
    since: 1_000,
    etaS: 300,
    lengthM: 3000,
    reroutes: 0,
    path: [
      [114.3, 30.5],
      [114.31, 30.5],
      [114.32, 30.5],
    ] as [number, number][],
    cumulativeS: [0, 100, 300],
  };

  it('is the whole drive while the unit has not moved off', () => {
    expect(remainingTripS(unit('a', { status: 'dispatched', trip }), 50_000)).toBe(300);
  });

  it('counts from the route point nearest the last fix', () => {
    expect(remainingTripS(unit('a', { status: 'en_route', trip, lng: 114.3101, lat: 30.5, lastFixAt: 2_000 }), 3_000)).toBe(200);
  });

  it('runs on the clock without a fix since the route was planned', () => {
    expect(remainingTripS(unit('a', { status: 'en_route', trip, lastFixAt: 0 }), 61_000)).toBe(240);
  });

  it('is null without a trip', () => {
    expect(remainingTripS(unit('a'), 0)).toBeNull();
  });
});
