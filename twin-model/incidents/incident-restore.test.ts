import { describe, expect, it } from 'vitest';
import { applyIncidentInput, createIncidentState, type Evidence } from './incident-correlator.ts';
import { activeIncidents, restoreIncidents } from './incident-restore.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
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
});
