/**
 * The index within one tick: held late alarms committed one after another, and incidents the
 * twin resolves in the same tick, decide as a walk over every incident would (with more than a
 * handful of incidents in memory, the correlator looks them up in the index).
 */
import { describe, expect, it } from 'vitest';
import { applyIncidentInput, createIncidentState, type Evidence, type IncidentContext } from './incident-correlator.ts';
import { LATE_HOLD_MS } from './incident-late-evidence.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const MIN = 60_000;
const busy = (sensorId: string, ts: number, lng: number, lat: number, assetId: string): Evidence => ({
  id: `alarm:${sensorId}`,
  kind: 'sensor_alarm',
  sensorKind: 'service_hall',
  sensorId,
  level: 'warning',
  metric: 'wait_min',
  value: 64,
  ts,
  lng,
  lat,
  assetId,
  district: '420106',
});
const HALL = { lng: 114.35, lat: 30.57 };

/** `pads` unrelated open incidents far away (past the size below which the correlator walks). */
function withPads(pads: number) {
  let now = T0;
  const ctx: IncidentContext = { now: () => now };
  const state = createIncidentState();
  const apply = (i: Parameters<typeof applyIncidentInput>[1]) => applyIncidentInput(state, i, ctx);
  for (let k = 0; k < pads; k++) apply({ type: 'alarm', evidence: busy(`pad-${k}`, T0, 113 + k * 0.05, 29, `pad-${k}`) });
  return { state, apply, at: (t: number) => (now = t) };
}

describe('the incident index within one tick', () => {
  it.each([0, 40])(
    'links two late alarms of one flush, committed at the same tick, to the incident the first reopens (%i other incidents)',
    (pads) => {
      const { state, apply, at } = withPads(pads);
      const id = apply({ type: 'alarm', evidence: busy('sh-1', T0, HALL.lng, HALL.lat, 'hall-1') })[0]!.incidentId;
      at(T0 + 30 * MIN);
      apply({ type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 30 * MIN });
      at(T0 + 45 * MIN);
      apply({ type: 'tick' });
      expect(state.incidents.get(id)!.status).toBe('resolved');
      // A buffering gateway delivers two counter groups' warnings of the hall, dated before the resolution.
      at(T0 + 47 * MIN);
      apply({ type: 'alarm', evidence: busy('sh-2', T0 + 35 * MIN, HALL.lng, HALL.lat + 0.0002, 'hall-1') });
      apply({ type: 'alarm', evidence: busy('sh-3', T0 + 36 * MIN, HALL.lng, HALL.lat + 0.0002, 'hall-1') });
      at(T0 + 47 * MIN + LATE_HOLD_MS);
      const tick = apply({ type: 'tick' });
      const hall = [...state.incidents.values()].filter((i) => i.assetId === 'hall-1');
      expect(hall.map((i) => i.id)).toEqual([id]);
      expect(hall[0]!.status).toBe('open');
      expect(hall[0]!.evidence.map((e) => e.id)).toEqual(['alarm:sh-1', 'alarm:sh-2', 'alarm:sh-3']);
      expect(tick.filter((c) => c.incidentId === id).map((c) => c.what)).toEqual(['reopened', 'evidence_linked', 'evidence_linked']);
    },
  );

  it.each([0, 40])(
    'gives a late report exactly between two incidents resolved in one tick to the first resolved, as the walk does (%i other incidents)',
    (pads) => {
      const { state, apply, at } = withPads(pads);
      const D = 2 ** -10; // exact in binary: both halls exactly as far from the midpoint
      const R = apply({ type: 'alarm', evidence: busy('a1', T0, 114.5 - D, 30.5, 'hall-A') })[0]!.incidentId;
      const X = apply({ type: 'alarm', evidence: busy('b1', T0, 114.5 + D, 30.5, 'hall-B') })[0]!.incidentId;
      at(T0 + 5 * MIN);
      apply({ type: 'alarm_cleared', sensorId: 'b1', ts: T0 + 5 * MIN });
      at(T0 + 10 * MIN);
      apply({ type: 'alarm_cleared', sensorId: 'a1', ts: T0 + 10 * MIN });
      at(T0 + 20 * MIN);
      apply({ type: 'tick' }); // X resolved; R still within its quiet time
      at(T0 + 21 * MIN);
      apply({ type: 'alarm', evidence: busy('b2', T0 + 8 * MIN, 114.5 + D, 30.5, 'hall-B') }); // late: held for X
      at(T0 + 21 * MIN + 500);
      apply({ type: 'operator', incidentId: X, actor: 'op', command: { action: 'reopen' } });
      at(T0 + 21 * MIN + 1000);
      apply({ type: 'alarm_cleared', sensorId: 'b2', ts: T0 + 9 * MIN });
      at(T0 + 25 * MIN);
      apply({ type: 'tick' }); // b2 committed into X, then R and X resolved, in that order
      expect([...state.resolvedByTwin.keys()]).toEqual([R, X]);
      at(T0 + 26 * MIN);
      const report: Evidence = {
        id: 'event:manual:m1',
        kind: 'event',
        eventType: 'manual_report',
        category: 'crowd',
        source: 'manual',
        ts: T0 + 24 * MIN,
        lng: 114.5,
        lat: 30.5,
      };
      const out = apply({ type: 'event', evidence: report }).filter((c) => c.incident.type === 'service_surge');
      expect(out.map((c) => `${c.incidentId === R ? 'R' : c.incidentId === X ? 'X' : c.incidentId}:${c.what}`)).toEqual([
        'R:reopened',
        'R:evidence_linked',
      ]);
    },
  );
});
