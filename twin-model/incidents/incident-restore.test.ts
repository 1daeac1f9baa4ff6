import { describe, expect, it } from 'vitest';
import { hallWarnedAndCleared, incidentClock, MIN, T0 } from '../../test/support/service-hall.ts';
import { applyIncidentInput, createIncidentState, type Evidence, type Incident } from './incident-correlator.ts';
import { activeIncidents, restoreIncidents } from './incident-restore.ts';

const report = (id: string, lng: number, category = 'waterlogging'): Evidence => ({
  id: `event:hotline:${id}`,
  kind: 'event',
  eventType: 'manual_report',
  category,
  source: 'hotline',
  ts: T0,
  lng,
  lat: 30.55,
});

describe('restoreIncidents', () => {
  it('puts active incidents back so new evidence joins them, and continues the id sequence', () => {
    const ctx = { now: () => T0 };
    const before = createIncidentState();
    const [opened] = applyIncidentInput(before, { type: 'event', evidence: report('a', 114.3) }, ctx);
    const [other] = applyIncidentInput(before, { type: 'event', evidence: report('b', 114.4) }, ctx);
    applyIncidentInput(before, { type: 'operator', incidentId: other!.incidentId, actor: 'op', command: { action: 'close' } }, ctx);
    const stored = [opened!.incident, before.incidents.get(other!.incidentId)!];

    const after = createIncidentState();
    expect(restoreIncidents(after, stored)).toEqual([opened!.incidentId]);
    expect(activeIncidents(after).map((i) => i.id)).toEqual([opened!.incidentId]);
    expect(after.nextId).toBe(3);
    // A re-delivered report is a duplicate, not new evidence.
    expect(applyIncidentInput(after, { type: 'event', evidence: report('a', 114.3) }, ctx)).toEqual([]);
    // A new report at the same place joins the restored incident.
    const joined = applyIncidentInput(after, { type: 'event', evidence: report('c', 114.3001) }, ctx);
    expect(joined.map((c) => [c.what, c.incidentId])).toEqual([['evidence_linked', opened!.incidentId]]);
    // The restored copy is independent of what was passed in.
    expect(stored[0]!.evidence).toHaveLength(1);
  });

  it('skips incidents of types without a rule', () => {
    const state = createIncidentState(new Map());
    const incident = { id: 'inc-000007', type: 'fire', status: 'open', evidence: [] } as never;
    expect(restoreIncidents(state, [incident])).toEqual([]);
    expect(state.nextId).toBe(8);
  });

  // A hall's queue warning opens an incident at +0 and clears at +30 min (quiet time 15 min).
  function clearedHall(withdrawn = false) {
    const { id, cleared } = hallWarnedAndCleared(incidentClock(), withdrawn);
    return { id, stored: cleared[0]!.incident };
  }
  /** Restores `stored` at +31 min and ticks each minute to +60: when the twin resolves it (minutes after T0). */
  function resolvedAfterRestore(stored: Incident): number | null {
    const { state, at } = incidentClock(undefined, T0 + 31 * MIN);
    restoreIncidents(state, [stored]);
    for (let m = 31; m <= 60; m++) {
      if (at(T0 + m * MIN, { type: 'tick' }).some((c) => c.what === 'resolved')) return m;
    }
    return null;
  }

  it('gives an alarm stored without a clear time (rows written before clear times) one: the incident’s last change', () => {
    const { stored } = clearedHall();
    expect(stored.evidence[0]!.clearedAt).toBe(T0 + 30 * MIN);
    // As a row written before clear times existed stores it: the cleared alarm without `clearedAt`.
    const old: Incident = { ...stored, evidence: stored.evidence.map(({ clearedAt: _, ...e }) => e) };
    expect(resolvedAfterRestore(old)).toBe(45);
    expect(resolvedAfterRestore(stored)).toBe(45);
    // The caller's rows stay as they were.
    expect(old.evidence[0]!.clearedAt).toBeUndefined();
  });

  it('leaves an alarm withdrawn as untrusted without a clear time: it counts from its own date, as before the restart', () => {
    const { stored } = clearedHall(true);
    expect(stored.evidence[0]).toMatchObject({ active: false, withdrawnAt: T0 + 30 * MIN });
    expect(stored.evidence[0]!.clearedAt).toBeUndefined();
    expect(resolvedAfterRestore(stored)).toBe(31);
  });
});
