import { describe, expect, it } from 'vitest';
import type { Incident } from '../incidents/incident-correlator.ts';
import { listedIncident } from '../incidents/fixtures/listed-incident.ts';
import { activeIncidentFor, planAssignment, rankingKey, rankingLogInput, type AssignRequest } from './assignment.ts';
import { DispatchError } from './unit-state.ts';
import type { ResponseUnit, UnitKind, UnitRecommendation } from './unit-types.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const incident = (status: Incident['status'] = 'open'): Incident =>
  listedIncident('inc-000001', 'waterlogging', 114.3, 30.6, { status, district: 'D1', openedAt: T0 });
const unit = (id: string, kind: UnitKind, extra: Partial<ResponseUnit> = {}): ResponseUnit => ({
  id,
  kind,
  nameZh: id,
  nameEn: id,
  capabilities: [],
  homeStationId: `st-${id}`,
  homeDistrict: 'D1',
  homeLng: 114.3,
  homeLat: 30.6,
  homeNodeId: 0,
  shift: { startHour: 0, endHour: 24 },
  status: 'available',
  lng: 114.3,
  lat: 30.6,
  nodeId: 0,
  lastFixAt: 0,
  version: 3,
  ...extra,
});
const rec = (unitId: string, kind: UnitKind, rank: number, etaS: number): UnitRecommendation => ({
  unitId,
  kind,
  etaS,
  distanceM: etaS * 8,
  matched: [],
  fullMatch: true,
  coverage: { district: 'D1', remaining: 2, awayMin: 60 },
  rank,
  reasons: [],
  route: { fromNode: 0, toNode: 1, nodes: [0, 1], edges: [0], lengthM: etaS * 8, travelTimeS: etaS, coords: [], cumulativeS: [] },
});

const units = new Map(
  [
    unit('pump1', 'pump_team'),
    unit('pump2', 'pump_team'),
    unit('tpol1', 'traffic_police'),
    unit('busy', 'pump_team', { status: 'en_route', incidentId: 'inc-000009' }),
  ].map((u) => [u.id, u]),
);
const ranking = [rec('pump1', 'pump_team', 1, 240), rec('tpol1', 'traffic_police', 2, 300), rec('pump2', 'pump_team', 3, 420)];
const request = (over: Partial<AssignRequest>): AssignRequest => ({ incidentId: 'inc-000001', unitIds: ['pump1'], actor: 'disp', ...over });
const plan = (over: Partial<AssignRequest>) => planAssignment(request(over), incident(), (id) => units.get(id), ranking);
const refusal = (fn: () => unknown): { code: string; message: string } => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DispatchError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('not refused');
};

describe('activeIncidentFor', () => {
  it('refuses an unknown incident and one that has ended, with their codes', () => {
    expect(refusal(() => activeIncidentFor('inc-000404', undefined))).toEqual({
      code: 'unknown_incident',
      message: 'incident "inc-000404" is not known',
    });
    expect(refusal(() => activeIncidentFor('inc-000001', incident('resolved')))).toEqual({
      code: 'incident_not_active',
      message: 'incident inc-000001 is resolved; units go to open or acknowledged incidents',
    });
    expect(activeIncidentFor('inc-000001', incident('acknowledged')).id).toBe('inc-000001');
  });
});

describe('planAssignment', () => {
  it('assigns the recommended units of each kind without an override, at the incident', () => {
    expect(plan({ unitIds: ['pump1', 'tpol1'], reason: 'flooded underpass' })).toEqual([
      {
        type: 'assign',
        unitId: 'pump1',
        incidentId: 'inc-000001',
        actor: 'disp',
        reason: 'flooded underpass',
        place: { lng: 114.3, lat: 30.6 },
      },
      {
        type: 'assign',
        unitId: 'tpol1',
        incidentId: 'inc-000001',
        actor: 'disp',
        reason: 'flooded underpass',
        place: { lng: 114.3, lat: 30.6 },
      },
    ]);
  });

  it('needs a reason to send another unit than the best of its kind, and records the override', () => {
    expect(refusal(() => plan({ unitIds: ['pump2'] }))).toEqual({
      code: 'override_needs_reason',
      message: 'pump2 is not the recommended pump_team (pump1, ETA 4 min); give a reason to override',
    });
    expect(plan({ unitIds: ['pump2'], overrideReason: 'pump1 has a small pump', expectedVersions: { pump2: 3 } })).toEqual([
      {
        type: 'assign',
        unitId: 'pump2',
        incidentId: 'inc-000001',
        actor: 'disp',
        expectedVersion: 3,
        override: { recommendedUnitId: 'pump1', reason: 'pump1 has a small pump' },
        place: { lng: 114.3, lat: 30.6 },
      },
    ]);
  });

  it('refuses all or nothing: no unit, an unknown unit, a unit that moved on, a busy unit', () => {
    expect(refusal(() => plan({ unitIds: [] })).code).toBe('no_unit');
    expect(refusal(() => plan({ unitIds: ['pump1', 'ghost'] }))).toEqual({ code: 'unknown_unit', message: 'unit "ghost" is not known' });
    expect(refusal(() => plan({ unitIds: ['pump1'], expectedVersions: { pump1: 2 } }))).toEqual({
      code: 'version_conflict',
      message: 'pump1 changed since you looked (now available, version 3); refresh and choose again',
    });
    expect(refusal(() => plan({ unitIds: ['busy'], overrideReason: 'closest' }))).toEqual({
      code: 'unit_unavailable',
      message: 'busy is en_route; only available or returning units can be assigned',
    });
  });
});

describe('rankings in the log', () => {
  it('records the units in order with rounded ETAs, keyed by dispatcher and order', () => {
    expect(rankingLogInput('inc-000001', 'disp', ranking.slice(0, 2), 4, T0)).toEqual({
      at: T0,
      actor: 'disp',
      action: 'recommend',
      incidentId: 'inc-000001',
      data: {
        ranked: [
          { unitId: 'pump1', etaS: 240, rank: 1 },
          { unitId: 'tpol1', etaS: 300, rank: 2 },
        ],
        closures: 4,
      },
    });
    expect(rankingKey('disp', ranking)).toBe('disp|pump1,tpol1,pump2');
    expect(rankingKey('other', ranking)).not.toBe(rankingKey('disp', ranking));
  });
});
