import { describe, expect, it } from 'vitest';
import type { Incident, IncidentChange } from '../incidents/incident-correlator.ts';
import { listedIncident } from '../incidents/fixtures/listed-incident.ts';
import { appendEntry } from './dispatch-log.ts';
import { dispatchMarksOf, percentile, responseTimesOf, summarizeResponseTimes } from './response-times.ts';
import type { UnitChange } from './unit-state.ts';
import type { DispatchLogEntry, ResponseUnit } from './unit-types.ts';

const T0 = Date.UTC(2026, 6, 1, 0, 0);
const min = (m: number) => T0 + m * 60_000;

function incident(id: string, openedAt: number): Incident {
  return listedIncident(id, 'waterlogging', 114.3, 30.55, { district: '420106', openedAt });
}
const change = (id: string, what: IncidentChange['what'], at: number, openedAt: number): IncidentChange => ({
  incidentId: id,
  at,
  actor: 'twin',
  what,
  detail: '',
  incident: incident(id, openedAt),
});
const unitChange = (what: UnitChange['what'], incidentId: string, at: number, to?: UnitChange['to']): UnitChange => ({
  unitId: 'p1',
  at,
  actor: 'x',
  what,
  incidentId,
  ...(to ? { to } : {}),
  unit: {} as ResponseUnit,
});

describe('responseTimesOf', () => {
  it('takes each moment from the changes and computes the stages', () => {
    const changes = [
      change('inc-1', 'opened', min(0), min(0)),
      change('inc-1', 'evidence_linked', min(1), min(0)),
      change('inc-1', 'acknowledged', min(2), min(0)),
      change('inc-1', 'resolved', min(40), min(0)),
    ];
    const units = [
      unitChange('assigned', 'inc-1', min(3)),
      unitChange('position', 'inc-1', min(5)),
      unitChange('arrived', 'inc-1', min(15)),
    ];
    const [t] = responseTimesOf(changes, units);
    expect(t).toEqual({
      incidentId: 'inc-1',
      type: 'waterlogging',
      outcome: 'resolved',
      detectedAt: min(0),
      acknowledgedAt: min(2),
      dispatchedAt: min(3),
      arrivedAt: min(15),
      resolvedAt: min(40),
      dispatches: 1,
      durations: {
        acknowledgeS: 120,
        dispatchS: 60,
        travelS: 720,
        onSceneS: 1500,
        dispatchAfterDetectS: 180,
        arriveAfterDetectS: 900,
        resolveAfterDetectS: 2400,
      },
    });
  });

  it('keeps the first of repeated moments and counts every dispatch', () => {
    const changes = [
      change('a', 'opened', min(0), min(0)),
      change('a', 'acknowledged', min(1), min(0)),
      change('a', 'resolved', min(30), min(0)),
      change('a', 'reopened', min(31), min(0)),
      change('a', 'acknowledged', min(32), min(0)),
      change('a', 'closed', min(50), min(0)),
    ];
    const units = [
      unitChange('assigned', 'a', min(4)),
      unitChange('assigned', 'a', min(2)),
      unitChange('status', 'a', min(10), 'on_scene'),
    ];
    const [t] = responseTimesOf(changes, units);
    expect(t).toMatchObject({
      acknowledgedAt: min(1),
      dispatchedAt: min(2),
      arrivedAt: min(10),
      resolvedAt: min(30),
      dispatches: 2,
      outcome: 'closed',
    });
  });

  it('leaves out a stage whose later step came first, and what did not happen', () => {
    const changes = [change('b', 'opened', min(0), min(0)), change('b', 'acknowledged', min(5), min(0))];
    const [t] = responseTimesOf(changes, [unitChange('assigned', 'b', min(3))]);
    expect(t!.durations).toEqual({
      acknowledgeS: 300,
      dispatchS: null,
      travelS: null,
      onSceneS: null,
      dispatchAfterDetectS: 180,
      arriveAfterDetectS: null,
      resolveAfterDetectS: null,
    });
    expect(t!.outcome).toBe('open');
  });

  it('does not count a false alarm or a merged incident as resolved', () => {
    const changes = [
      change('c', 'opened', min(0), min(0)),
      change('c', 'false_alarm', min(3), min(0)),
      change('c', 'closed', min(4), min(0)),
      change('d', 'opened', min(1), min(1)),
      change('d', 'merged_into', min(2), min(1)),
    ];
    const times = responseTimesOf(changes, []);
    expect(times.map((t) => [t.incidentId, t.outcome, t.resolvedAt])).toEqual([
      ['c', 'false_alarm', null],
      ['d', 'merged', null],
    ]);
  });

  it('reads the dispatch log as well as unit changes', () => {
    const log: DispatchLogEntry[] = [];
    log.push(appendEntry(null, { at: min(2), actor: 'li', action: 'override', unitId: 'p2', incidentId: 'e', data: { to: 'dispatched' } }));
    log.push(
      appendEntry(log[0]!, { at: min(9), actor: 'twin', action: 'arrive', unitId: 'p2', incidentId: 'e', data: { to: 'on_scene' } }),
    );
    expect(dispatchMarksOf(log)).toEqual([
      { incidentId: 'e', at: min(2), kind: 'dispatched' },
      { incidentId: 'e', at: min(9), kind: 'arrived' },
    ]);
    const [t] = responseTimesOf([change('e', 'opened', min(0), min(0))], log);
    expect(t!.durations.travelS).toBe(420);
  });

  it('ignores dispatch records of incidents it has no changes for', () => {
    expect(responseTimesOf([], [unitChange('assigned', 'zzz', min(1))])).toEqual([]);
  });
});

describe('percentile and summary', () => {
  it('interpolates between closest ranks', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBeCloseTo(9.1, 10);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(/101/);
  });

  it('summarises each duration over the incidents that have it', () => {
    const changes = [0, 1, 2, 3].flatMap((i) => [
      change(`i${i}`, 'opened', min(10 * i), min(10 * i)),
      change(`i${i}`, 'acknowledged', min(10 * i + i + 1), min(10 * i)),
    ]);
    const s = summarizeResponseTimes(responseTimesOf(changes, [unitChange('assigned', 'i0', min(2))]));
    expect(s.incidents).toBe(4);
    expect(s.acknowledgeS).toEqual({ count: 4, medianS: 150, p90S: 222 });
    expect(s.dispatchS).toEqual({ count: 1, medianS: 60, p90S: 60 });
    expect(s.travelS.count).toBe(0);
    expect(s.travelS.medianS).toBeNaN();
  });
});
