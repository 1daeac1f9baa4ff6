import { describe, expect, it } from 'vitest';
import type { ResponseUnit } from './unit-types.ts';
import {
  applyUnitInput,
  createFleetState,
  DispatchError,
  isAllowedTransition,
  logInputOf,
  type FleetState,
  type UnitContext,
  type UnitStateConfig,
} from './unit-state.ts';
import { createRoadSnapper } from './road-snapper.ts';

const T0 = Date.UTC(2026, 6, 1, 1, 0);
const HOME = { lng: 114.3, lat: 30.55 };
/** The incident: ≈ 1.1 km north of home (0.001° of latitude ≈ 111 m). */
const INC = { lng: 114.3, lat: 30.56 };

function clock(): UnitContext & { set(ms: number): void; add(s: number): void } {
  let now = T0;
  return { now: () => now, set: (ms) => (now = ms), add: (s) => (now += s * 1000) };
}

function unit(id: string, over: Partial<ResponseUnit> = {}): ResponseUnit {
  return {
    id,
    kind: 'pump_team',
    nameZh: `排水${id}`,
    nameEn: `Pump ${id}`,
    capabilities: ['pumping'],
    homeStationId: 'pd-001',
    homeDistrict: '420106',
    homeLng: HOME.lng,
    homeLat: HOME.lat,
    homeNodeId: 7,
    shift: { startHour: 0, endHour: 24 },
    status: 'available',
    lng: HOME.lng,
    lat: HOME.lat,
    nodeId: 7,
    lastFixAt: 0,
    version: 0,
    ...over,
  };
}

/** A city that is the box 114.0–114.6 × 30.3–30.8, with a road along every 0.01° of longitude. */
const CITY: UnitStateConfig = {
  inCity: (lng, lat) => lng >= 114 && lng <= 114.6 && lat >= 30.3 && lat <= 30.8,
  snap: (lng) => {
    const roadLng = Math.round(lng * 100) / 100;
    return { nodeId: Math.round(roadLng * 100), distanceM: Math.abs(lng - roadLng) * 95_800 };
  },
  incidentPlace: (id) => (id === 'inc-1' ? INC : null),
};

function fleet(...units: ResponseUnit[]): FleetState {
  return createFleetState(units.length ? units : [unit('p1'), unit('p2')], CITY);
}

function refused(fn: () => unknown): DispatchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DispatchError) return err;
    throw err;
  }
  throw new Error('expected a DispatchError');
}

const dispatched = (s: FleetState, ctx: UnitContext, id = 'p1') =>
  applyUnitInput(s, { type: 'assign', unitId: id, incidentId: 'inc-1', actor: 'zhang.wei' }, ctx);
const enRoute = (s: FleetState, ctx: UnitContext, id = 'p1') => {
  dispatched(s, ctx, id);
  return applyUnitInput(s, { type: 'status', unitId: id, to: 'en_route', actor: 'zhang.wei' }, ctx);
};

describe('assign', () => {
  it('dispatches an available unit to the incident and bumps its version', () => {
    const s = fleet();
    const ctx = clock();
    const changes = dispatched(s, ctx);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      unitId: 'p1',
      at: T0,
      actor: 'zhang.wei',
      what: 'assigned',
      from: 'available',
      to: 'dispatched',
      incidentId: 'inc-1',
    });
    expect(changes[0]!.unit).toMatchObject({ status: 'dispatched', incidentId: 'inc-1', version: 1 });
    expect(s.units.get('p1')).toBe(changes[0]!.unit);
  });

  it('does not change the units it was created from', () => {
    const u = unit('p1');
    const s = createFleetState([u], CITY);
    dispatched(s, clock());
    expect(u.status).toBe('available');
  });

  it('refuses a busy unit, naming its status, and leaves the state unchanged', () => {
    const s = fleet();
    const ctx = clock();
    dispatched(s, ctx);
    const before = s.units.get('p1');
    const err = refused(() => applyUnitInput(s, { type: 'assign', unitId: 'p1', incidentId: 'inc-2', actor: 'li.na' }, ctx));
    expect(err.code).toBe('unit_unavailable');
    expect(err.message).toBe('unit p1 is dispatched for inc-1; only units that are available or returning can be assigned');
    expect(s.units.get('p1')).toBe(before);
  });

  it('refuses the second of two dispatchers assigning the same unit from the same version', () => {
    const s = fleet();
    const ctx = clock();
    const seen = s.units.get('p1')!.version;
    applyUnitInput(s, { type: 'assign', unitId: 'p1', incidentId: 'inc-1', actor: 'zhang.wei', expectedVersion: seen }, ctx);
    const err = refused(() =>
      applyUnitInput(s, { type: 'assign', unitId: 'p1', incidentId: 'inc-2', actor: 'li.na', expectedVersion: seen }, ctx),
    );
    expect(err.code).toBe('version_conflict');
    expect(err.message).toContain('unit p1 changed since version 0 (now version 1, dispatched for inc-1)');
    expect(s.units.get('p1')!.incidentId).toBe('inc-1');
  });

  it('refuses an unknown unit', () => {
    const err = refused(() => applyUnitInput(fleet(), { type: 'assign', unitId: 'nope', incidentId: 'inc-1', actor: 'x' }, clock()));
    expect(err.code).toBe('unknown_unit');
    expect(err.message).toBe('unknown unit "nope"');
  });

  it('needs a reason to send another unit than the recommended one, and records it', () => {
    const s = fleet();
    const ctx = clock();
    const err = refused(() =>
      applyUnitInput(
        s,
        { type: 'assign', unitId: 'p2', incidentId: 'inc-1', actor: 'li.na', override: { recommendedUnitId: 'p1', reason: ' ' } },
        ctx,
      ),
    );
    expect(err.code).toBe('override_needs_reason');
    expect(s.units.get('p2')!.status).toBe('available');
    const [change] = applyUnitInput(
      s,
      {
        type: 'assign',
        unitId: 'p2',
        incidentId: 'inc-1',
        actor: 'li.na',
        override: { recommendedUnitId: 'p1', reason: 'p1 crew on break' },
      },
      ctx,
    );
    expect(change!.override).toEqual({ recommendedUnitId: 'p1', reason: 'p1 crew on break' });
    expect(logInputOf(change!)).toMatchObject({
      action: 'override',
      data: { recommendedUnitId: 'p1', overrideReason: 'p1 crew on break' },
    });
  });

  it('re-assigns a returning unit', () => {
    const s = fleet(unit('p1', { status: 'returning' }));
    const [change] = dispatched(s, clock());
    expect(change).toMatchObject({ from: 'returning', to: 'dispatched' });
  });
});

describe('status', () => {
  it('follows the table and refuses the rest with what is allowed', () => {
    expect(isAllowedTransition('available', 'on_scene')).toBe(false);
    const s = fleet();
    const ctx = clock();
    const err = refused(() => applyUnitInput(s, { type: 'status', unitId: 'p1', to: 'on_scene', actor: 'x' }, ctx));
    expect(err.code).toBe('transition_not_allowed');
    expect(err.message).toBe('unit p1 cannot go from available to on_scene; from available it can go to out_of_service');
    expect(refused(() => applyUnitInput(s, { type: 'status', unitId: 'p1', to: 'dispatched', actor: 'x' }, ctx)).message).toContain(
      'assign it to an incident instead',
    );
  });

  it('walks the whole cycle dispatched → en route → on scene → returning → available', () => {
    const s = fleet();
    const ctx = clock();
    dispatched(s, ctx);
    const path = ['en_route', 'on_scene', 'returning', 'available'] as const;
    const seen = path.map((to) => applyUnitInput(s, { type: 'status', unitId: 'p1', to, actor: 'crew' }, ctx)[0]!);
    expect(seen.map((c) => `${c.from}>${c.to}`)).toEqual([
      'dispatched>en_route',
      'en_route>on_scene',
      'on_scene>returning',
      'returning>available',
    ]);
    expect(seen[1]!.unit.incidentId).toBe('inc-1');
    expect(seen[2]!.unit.incidentId).toBeUndefined();
    expect(seen[2]!.incidentId).toBe('inc-1');
    expect(s.units.get('p1')!.version).toBe(5);
  });

  it('needs a reason to cancel an assignment or to take a unit out of service', () => {
    const s = fleet();
    const ctx = clock();
    dispatched(s, ctx);
    expect(refused(() => applyUnitInput(s, { type: 'status', unitId: 'p1', to: 'available', actor: 'x' }, ctx)).code).toBe(
      'reason_required',
    );
    const [cancel] = applyUnitInput(s, { type: 'status', unitId: 'p1', to: 'available', actor: 'x', reason: 'duplicate incident' }, ctx);
    expect(cancel).toMatchObject({ from: 'dispatched', to: 'available', reason: 'duplicate incident', incidentId: 'inc-1' });
    expect(cancel!.unit.incidentId).toBeUndefined();
    expect(refused(() => applyUnitInput(s, { type: 'status', unitId: 'p1', to: 'out_of_service', actor: 'x' }, ctx)).message).toBe(
      'taking a unit out of service needs a reason (unit p1, available → out_of_service)',
    );
    applyUnitInput(s, { type: 'status', unitId: 'p1', to: 'out_of_service', actor: 'x', reason: 'pump broken' }, ctx);
    expect(refused(() => dispatched(s, ctx)).message).toContain('unit p1 is out_of_service');
    expect(applyUnitInput(s, { type: 'status', unitId: 'p1', to: 'available', actor: 'x' }, ctx)[0]).toMatchObject({
      from: 'out_of_service',
      to: 'available',
    });
  });

  it('refuses a status that does not exist', () => {
    expect(refused(() => applyUnitInput(fleet(), { type: 'status', unitId: 'p1', to: 'lunch' as never, actor: 'x' }, clock())).code).toBe(
      'unknown_status',
    );
  });
});

describe('position (AVL)', () => {
  it('moves the unit, snaps it to the road and keeps its version', () => {
    const s = fleet();
    const ctx = clock();
    const changes = applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0 - 1000, lng: 114.31, lat: 30.551, speed: 30 }, ctx);
    expect(changes.map((c) => c.what)).toEqual(['position']);
    expect(changes[0]!.unit).toMatchObject({ lng: 114.31, lat: 30.551, nodeId: 11431, lastFixAt: T0 - 1000, version: 0 });
  });

  it('warns once when a fix is far from any road, still moves the unit, and clears when back', () => {
    const s = fleet();
    const ctx = clock();
    // 0.004° of longitude from the nearest road ≈ 383 m.
    const a = applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0, lng: 114.314, lat: 30.55 }, ctx);
    expect(a.map((c) => c.what)).toEqual(['position', 'warning']);
    expect(a[1]).toMatchObject({ warning: 'off_road', distanceM: 383 });
    expect(s.units.get('p1')!.lng).toBe(114.314);
    ctx.add(5);
    expect(applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0 + 5000, lng: 114.3141, lat: 30.55 }, ctx).map((c) => c.what)).toEqual(
      ['position'],
    );
    ctx.add(5);
    expect(
      applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0 + 10_000, lng: 114.3101, lat: 30.55 }, ctx).map(
        (c) => `${c.what}:${c.warning ?? ''}`,
      ),
    ).toEqual(['position:', 'warning_cleared:off_road']);
  });

  it('rejects fixes outside the city, far in the future, or not newer than the last, leaving the unit', () => {
    const s = fleet();
    const ctx = clock();
    applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0, lng: 114.3, lat: 30.55 }, ctx);
    const before = s.units.get('p1');
    const cases = [
      [{ ts: T0 + 1000, lng: 116, lat: 30.55 }, /outside the city/],
      [{ ts: T0 + 600_000, lng: 114.3, lat: 30.55 }, /600 s ahead of the clock \(limit 120 s\)/],
      [{ ts: T0, lng: 114.3, lat: 30.55 }, /not after the last fix/],
      [{ ts: T0 - 5000, lng: 114.3, lat: 30.55 }, /not after the last fix/],
    ] as const;
    for (const [fix, why] of cases) {
      const changes = applyUnitInput(s, { type: 'position', unitId: 'p1', ...fix }, ctx);
      expect(changes).toHaveLength(1);
      expect(changes[0]!.what).toBe('fix_rejected');
      expect(changes[0]!.reason).toMatch(why);
      expect(s.units.get('p1')).toBe(before);
    }
  });

  it('arrives by itself within 100 m of its incident while en route', () => {
    const s = fleet();
    const ctx = clock();
    enRoute(s, ctx);
    ctx.add(60);
    expect(
      applyUnitInput(s, { type: 'position', unitId: 'p1', ts: ctx.now(), lng: INC.lng, lat: INC.lat - 0.0012 }, ctx).map((c) => c.what),
    ).toEqual(['position']);
    ctx.add(20);
    const changes = applyUnitInput(s, { type: 'position', unitId: 'p1', ts: ctx.now(), lng: INC.lng, lat: INC.lat - 0.0008 }, ctx);
    expect(changes.map((c) => c.what)).toEqual(['position', 'arrived']);
    expect(changes[1]).toMatchObject({ actor: 'twin', from: 'en_route', to: 'on_scene', incidentId: 'inc-1', distanceM: 89 });
    expect(logInputOf(changes[1]!)).toMatchObject({ action: 'arrive', actor: 'twin', incidentId: 'inc-1' });
  });

  it('does not arrive while only dispatched', () => {
    const s = fleet();
    const ctx = clock();
    dispatched(s, ctx);
    expect(applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0, lng: INC.lng, lat: INC.lat }, ctx).map((c) => c.what)).toEqual([
      'position',
    ]);
  });

  it('applies a reported status the table allows, and warns about one it does not', () => {
    const s = fleet();
    const ctx = clock();
    dispatched(s, ctx);
    const ok = applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0, lng: 114.3, lat: 30.551, status: 'en_route' }, ctx);
    expect(ok.map((c) => c.what)).toEqual(['position', 'status']);
    expect(ok[1]).toMatchObject({ actor: 'unit:p1', from: 'dispatched', to: 'en_route' });
    ctx.add(10);
    const bad = applyUnitInput(s, { type: 'position', unitId: 'p1', ts: ctx.now(), lng: 114.3, lat: 30.552, status: 'available' }, ctx);
    expect(bad.map((c) => c.what)).toEqual(['position', 'warning']);
    expect(bad[1]).toMatchObject({ warning: 'bad_status' });
    expect(bad[1]!.reason).toContain('a dispatcher cancels an assignment');
    expect(s.units.get('p1')!.status).toBe('en_route');
    ctx.add(10);
    const unknown = applyUnitInput(s, { type: 'position', unitId: 'p1', ts: ctx.now(), lng: 114.3, lat: 30.553, status: 'lunch' }, ctx);
    expect(unknown[1]!.reason).toMatch(/"lunch" is not one of/);
  });
});

describe('release', () => {
  it('sends every unit of the incident home, and no other', () => {
    const s = fleet(unit('p1'), unit('p2'), unit('p3'));
    const ctx = clock();
    enRoute(s, ctx, 'p1');
    applyUnitInput(s, { type: 'status', unitId: 'p1', to: 'on_scene', actor: 'crew' }, ctx);
    dispatched(s, ctx, 'p2');
    applyUnitInput(s, { type: 'assign', unitId: 'p3', incidentId: 'inc-9', actor: 'x' }, ctx);
    const changes = applyUnitInput(s, { type: 'release', incidentId: 'inc-1', actor: 'twin' }, ctx);
    expect(changes.map((c) => [c.unitId, c.what, c.from, c.to, c.incidentId])).toEqual([
      ['p1', 'released', 'on_scene', 'returning', 'inc-1'],
      ['p2', 'released', 'dispatched', 'returning', 'inc-1'],
    ]);
    expect(s.units.get('p3')!.status).toBe('dispatched');
    expect(applyUnitInput(s, { type: 'release', incidentId: 'inc-1', actor: 'twin' }, ctx)).toEqual([]);
  });
});

describe('tick (silent units)', () => {
  it('flags a dispatched unit with no fix for 120 s once, and clears it when it reports', () => {
    const s = fleet();
    const ctx = clock();
    dispatched(s, ctx);
    ctx.add(119);
    expect(applyUnitInput(s, { type: 'tick' }, ctx)).toEqual([]);
    ctx.add(1);
    const raised = applyUnitInput(s, { type: 'tick' }, ctx);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      what: 'warning',
      warning: 'silent',
      incidentId: 'inc-1',
      reason: 'no position for 120 s while dispatched (limit 120 s)',
    });
    ctx.add(30);
    expect(applyUnitInput(s, { type: 'tick' }, ctx)).toEqual([]);
    const back = applyUnitInput(s, { type: 'position', unitId: 'p1', ts: ctx.now(), lng: 114.3, lat: 30.551 }, ctx);
    expect(back.map((c) => `${c.what}:${c.warning ?? ''}`)).toEqual(['position:', 'warning_cleared:silent']);
  });

  it('counts silence from the last fix, and ignores units not on the way', () => {
    const s = fleet();
    const ctx = clock();
    enRoute(s, ctx);
    ctx.add(100);
    applyUnitInput(s, { type: 'position', unitId: 'p1', ts: ctx.now(), lng: 114.3, lat: 30.551 }, ctx);
    ctx.add(119);
    expect(applyUnitInput(s, { type: 'tick' }, ctx)).toEqual([]);
    ctx.add(1);
    expect(applyUnitInput(s, { type: 'tick' }, ctx).map((c) => c.unitId)).toEqual(['p1']);
    ctx.add(3600);
    // p2 is available all along: never flagged.
    expect(applyUnitInput(s, { type: 'tick' }, ctx)).toEqual([]);
  });

  it('clears the warning when the unit leaves the statuses that must report', () => {
    const s = fleet();
    const ctx = clock();
    enRoute(s, ctx);
    ctx.add(200);
    applyUnitInput(s, { type: 'tick' }, ctx);
    const changes = applyUnitInput(s, { type: 'status', unitId: 'p1', to: 'on_scene', actor: 'crew' }, ctx);
    expect(changes.map((c) => `${c.what}:${c.warning ?? ''}`)).toEqual(['status:', 'warning_cleared:silent']);
  });

  it('uses the configured silence limit', () => {
    const s = createFleetState([unit('p1')], { ...CITY, silentAfterS: 30 });
    const ctx = clock();
    dispatched(s, ctx);
    ctx.add(30);
    expect(applyUnitInput(s, { type: 'tick' }, ctx)).toHaveLength(1);
  });
});

describe('logInputOf', () => {
  it('logs dispatcher and twin actions but not positions', () => {
    const s = fleet();
    const ctx = clock();
    const [assigned] = dispatched(s, ctx);
    expect(logInputOf(assigned!)).toEqual({
      at: T0,
      actor: 'zhang.wei',
      action: 'assign',
      unitId: 'p1',
      incidentId: 'inc-1',
      data: { from: 'available', to: 'dispatched', version: 1 },
    });
    const [pos] = applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0, lng: 114.3, lat: 30.551 }, ctx);
    expect(logInputOf(pos!)).toBeNull();
  });
});

describe('createRoadSnapper', () => {
  // Two nodes 0.02° of longitude apart (≈ 1.9 km) joined by one street, and a third node north.
  const graph = {
    nodes: [
      { id: 0, lng: 114.3, lat: 30.55 },
      { id: 1, lng: 114.32, lat: 30.55 },
      { id: 2, lng: 114.3, lat: 30.56 },
    ],
    edges: [
      {
        id: 0,
        from: 0,
        to: 1,
        roadClass: 'street' as const,
        lengthM: 1900,
        speedKmh: 40,
        travelTimeS: 171,
        underpass: false,
        bridge: false,
        tunnel: false,
      },
      {
        id: 1,
        from: 0,
        to: 2,
        roadClass: 'street' as const,
        lengthM: 1100,
        speedKmh: 40,
        travelTimeS: 99,
        underpass: false,
        bridge: false,
        tunnel: false,
      },
    ],
  };
  const snap = createRoadSnapper(graph);

  it('measures the distance to the road, not to the nearest node', () => {
    const mid = snap(114.309, 30.55);
    expect(mid.nodeId).toBe(0);
    expect(mid.distanceM).toBeLessThan(1);
  });

  it('gives the distance to the nearest street for a fix off the road', () => {
    // 0.004° north of the east-west street ≈ 445 m.
    const off = snap(114.312, 30.554);
    expect(off.distanceM).toBeGreaterThan(440);
    expect(off.distanceM).toBeLessThan(450);
  });

  it('drives the off-road warning of the fleet state', () => {
    const s = createFleetState([unit('p1')], { snap });
    const ctx = clock();
    expect(applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0, lng: 114.309, lat: 30.55 }, ctx).map((c) => c.what)).toEqual([
      'position',
    ]);
    expect(applyUnitInput(s, { type: 'position', unitId: 'p1', ts: T0 + 1, lng: 114.312, lat: 30.554 }, ctx).map((c) => c.what)).toEqual([
      'position',
      'warning',
    ]);
  });
});
