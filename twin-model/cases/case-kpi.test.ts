import { describe, expect, it } from 'vitest';
import { applyCaseDeskCommand, createCaseDesk, intakeCase } from './case-desk.ts';
import { caseKpi } from './case-kpi.ts';
import type { CaseCommand } from './case-workflow.ts';
import {
  clock,
  deskContext,
  dispatcher,
  ECOLOGY,
  handler,
  HOUR,
  hotline,
  intake,
  MIN,
  PLACE,
  shanghai,
  TRAFFIC_POLICE,
  WATER,
  wuhanRules,
} from './fixtures/case-fixtures.ts';

const T0 = shanghai(2026, 7, 1, 10, 0);
const water = handler(WATER);
const ecology = handler(ECOLOGY);

/**
 * Six cases: three waterlogging (the same caller twice at one place; one replied late), one noise
 * replied and rated, one traffic unanswered past its deadline, one noise not yet due.
 */
function scenario() {
  const time = clock(T0);
  const desk = createCaseDesk(wuhanRules());
  const ctx = deskContext(time);
  const take = (externalId: string, o: Parameters<typeof intake>[0] = {}) =>
    intakeCase(desk, intake({ externalId, receivedAt: time.now(), ...o }), ctx).caseId;
  const act = (id: string, ...commands: CaseCommand[]) => {
    for (const command of commands) {
      const r = applyCaseDeskCommand(desk, id, command, time);
      if (!r.ok) throw new Error(JSON.stringify(r.refusal));
    }
  };
  const w1 = take('w1');
  act(
    w1,
    { type: 'accept', actor: water },
    { type: 'reply', actor: water, text: 'ok' },
    { type: 'close', actor: dispatcher },
    { type: 'feedback', actor: hotline, satisfaction: 5 },
  );
  time.advance(HOUR);
  const w2 = take('w2', { lat: PLACE.lat + 0.0002 });
  act(w2, { type: 'accept', actor: water });
  time.advance(5 * HOUR);
  act(
    w2,
    { type: 'reply', actor: water, text: 'late' },
    { type: 'close', actor: dispatcher },
    { type: 'feedback', actor: hotline, satisfaction: 2 },
  );
  const w3 = take('w3', { caller: { name: null, phone: '13900139000' }, lng: PLACE.lng + 0.0003 });
  const n1 = take('n1', { category: 'noise', caller: { name: null, phone: '13700137000' }, lng: 114.35, lat: 30.55, district: '420106' });
  act(
    n1,
    { type: 'accept', actor: ecology },
    { type: 'reply', actor: ecology, text: 'ok' },
    { type: 'close', actor: ecology },
    { type: 'feedback', actor: hotline, satisfaction: 4 },
  );
  const t1 = take('t1', { category: 'traffic', lng: 114.3, lat: 30.6, caller: { name: null, phone: null } });
  time.advance(5 * HOUR);
  const n2 = take('n2', { category: 'noise', lng: 114.36, lat: 30.56, caller: { name: null, phone: null } });
  return { cases: [...desk.cases.values()], now: time.now(), ids: { w1, w2, w3, n1, t1, n2 } };
}

describe('case KPI', () => {
  const { cases, now } = scenario();
  const kpi = caseKpi(cases, { now });

  it('counts cases by status and by department', () => {
    expect(kpi.total).toBe(6);
    expect(kpi.byStatus).toMatchObject({ closed: 3, assigned: 3, received: 0, reopened: 0 });
    expect(kpi.byDepartment.map((d) => [d.department, d.total, d.byStatus.closed, d.byStatus.assigned])).toEqual([
      [WATER, 3, 2, 1],
      [ECOLOGY, 2, 1, 1],
      [TRAFFIC_POLICE, 1, 0, 1],
    ]);
    expect(kpi.unassigned).toBe(0);
  });

  it('the on-time rate counts replies by the deadline against replies late and cases unanswered past it', () => {
    // On time: w1, n1. Late: w2 (replied after 4 h), w3 and t1 (unanswered, 4 h passed). n2 not due.
    expect(kpi.onTime).toEqual({ onTime: 2, late: 3, rate: 0.4 });
    const water = kpi.byDepartment.find((d) => d.department === WATER)!;
    expect(water.onTime).toEqual({ onTime: 1, late: 2, rate: 0.3333 });
    expect(water.overdueOpen).toBe(0);
    const ecologyKpi = kpi.byDepartment.find((d) => d.department === ECOLOGY)!;
    expect(ecologyKpi.onTime).toEqual({ onTime: 1, late: 0, rate: 1 });
  });

  it('satisfaction: the average and the distribution of the ratings given', () => {
    expect(kpi.satisfaction).toEqual({ count: 3, average: 3.67, distribution: [0, 1, 0, 1, 1] });
    expect(kpi.byDepartment.find((d) => d.department === WATER)!.satisfaction.average).toBe(3.5);
    expect(kpi.byDepartment.find((d) => d.department === TRAFFIC_POLICE)!.satisfaction).toEqual({
      count: 0,
      average: null,
      distribution: [0, 0, 0, 0, 0],
    });
  });

  it('repeat callers per coarse place, without a phone or an exact place, only where enough cases are', () => {
    expect(kpi.repeatCases).toBe(2);
    expect(kpi.repeatPlaces).toHaveLength(1);
    const place = kpi.repeatPlaces[0]!;
    expect(place).toMatchObject({ district: '420103', cases: 3, repeatCases: 2, repeatCallers: 1 });
    expect(place.lng).not.toBe(PLACE.lng);
    expect(JSON.stringify(kpi)).not.toMatch(/1380013|[0-9a-f]{64}/);
    expect(caseKpi(cases, { now, minCasesPerPlace: 4 }).repeatPlaces).toEqual([]);
  });

  it('counts overdue open cases per department after the clock marked them', () => {
    const later = scenario();
    const marked = later.cases.map((c) => (c.status === 'assigned' ? { ...c, sla: { ...c.sla, replyOverdueAt: later.now } } : c));
    expect(caseKpi(marked, { now: later.now }).byDepartment.map((d) => [d.department, d.overdueOpen])).toEqual([
      [WATER, 1],
      [ECOLOGY, 1],
      [TRAFFIC_POLICE, 1],
    ]);
  });

  it('an empty set has no rates', () => {
    const empty = caseKpi([], { now: T0 + MIN });
    expect(empty).toMatchObject({ total: 0, onTime: { rate: null }, satisfaction: { average: null }, repeatPlaces: [] });
  });
});
