/**
 * The index within one tick: held late alarms committed one after another, and incidents the
 * twin resolves in the same tick, decide as a walk over every incident would (with more than a
 * handful of incidents in memory, the correlator looks them up in the index).
 */
import { describe, expect, it } from 'vitest';
import { hallBusy, hallWarnedAndCleared, incidentClock, MIN, T0 } from '../../test/support/service-hall.ts';
import type { Evidence } from './incident-correlator.ts';
import { LATE_HOLD_MS } from './incident-late-evidence.ts';

/** `pads` unrelated open incidents far away (past the size below which the correlator walks). */
function withPads(pads: number) {
  const clock = incidentClock();
  for (let k = 0; k < pads; k++)
    clock.apply({ type: 'alarm', evidence: hallBusy(`pad-${k}`, T0, { lng: 113 + k * 0.05, lat: 29, assetId: `pad-${k}` }) });
  return clock;
}

/** Queue warnings of two halls exactly as far from the point between them (`D` is exact in binary). */
const D = 2 ** -10;
const hallA = (sensorId: string, ts: number) => hallBusy(sensorId, ts, { lng: 114.5 - D, lat: 30.5, assetId: 'hall-A' });
const hallB = (sensorId: string, ts: number) => hallBusy(sensorId, ts, { lng: 114.5 + D, lat: 30.5, assetId: 'hall-B' });

describe('the incident index within one tick', () => {
  it.each([0, 40])(
    'links two late alarms of one flush, committed at the same tick, to the incident the first reopens (%i other incidents)',
    (pads) => {
      const clock = withPads(pads);
      const { state, apply, at } = clock;
      const { id } = hallWarnedAndCleared(clock);
      at(T0 + 45 * MIN, { type: 'tick' });
      expect(state.incidents.get(id)!.status).toBe('resolved');
      // A buffering gateway delivers two counter groups' warnings of the hall, dated before the resolution.
      at(T0 + 47 * MIN, { type: 'alarm', evidence: hallBusy('sh-2', T0 + 35 * MIN) });
      apply({ type: 'alarm', evidence: hallBusy('sh-3', T0 + 36 * MIN) });
      const tick = at(T0 + 47 * MIN + LATE_HOLD_MS, { type: 'tick' });
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
      const R = apply({ type: 'alarm', evidence: hallA('a1', T0) })[0]!.incidentId;
      const X = apply({ type: 'alarm', evidence: hallB('b1', T0) })[0]!.incidentId;
      at(T0 + 5 * MIN, { type: 'alarm_cleared', sensorId: 'b1', ts: T0 + 5 * MIN });
      at(T0 + 10 * MIN, { type: 'alarm_cleared', sensorId: 'a1', ts: T0 + 10 * MIN });
      at(T0 + 20 * MIN, { type: 'tick' }); // X resolved; R still within its quiet time
      at(T0 + 21 * MIN, { type: 'alarm', evidence: hallB('b2', T0 + 8 * MIN) }); // late: held for X
      at(T0 + 21 * MIN + 500, { type: 'operator', incidentId: X, actor: 'op', command: { action: 'reopen' } });
      at(T0 + 21 * MIN + 1000, { type: 'alarm_cleared', sensorId: 'b2', ts: T0 + 9 * MIN });
      at(T0 + 25 * MIN, { type: 'tick' }); // b2 committed into X, then R and X resolved, in that order
      expect([...state.resolvedByTwin.keys()]).toEqual([R, X]);
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
      const out = at(T0 + 26 * MIN, { type: 'event', evidence: report }).filter((c) => c.incident.type === 'service_surge');
      expect(out.map((c) => `${c.incidentId === R ? 'R' : c.incidentId === X ? 'X' : c.incidentId}:${c.what}`)).toEqual([
        'R:reopened',
        'R:evidence_linked',
      ]);
    },
  );
});
