import { describe, expect, it } from 'vitest';
import { HALL, hallBusy, hallReport, incidentClock, MIN, T0 } from '../../test/support/service-hall.ts';
import { applyIncidentInput, createIncidentState, MAX_EVIDENCE_PER_INCIDENT } from './incident-correlator.ts';
import { restoreIncidents } from './incident-restore.ts';

// A service hall (test/support/service-hall.ts, quiet time 15 min) whose incident holds the
// evidence cap: its queue warning and 299 reports from the floor.
function hallAtCap() {
  const { state, ctx, apply } = incidentClock();
  const id = apply({ type: 'alarm', evidence: hallBusy('sh-1', T0) })[0]!.incidentId;
  for (let n = 1; n < MAX_EVIDENCE_PER_INCIDENT; n++) apply({ type: 'event', evidence: hallReport(T0 + n * 1000, n) });
  expect(state.incidents.get(id)!.evidence).toHaveLength(MAX_EVIDENCE_PER_INCIDENT);
  /** Ticks each minute from `from` to `to` (minutes after T0): the minute the twin resolves the incident, or null. */
  const resolvedBetween = (from: number, to: number): number | null => {
    for (let m = from; m <= to; m++) {
      ctx.set(T0 + m * MIN);
      if (apply({ type: 'tick' }).some((c) => c.incidentId === id && c.what === 'resolved')) return m;
    }
    return null;
  };
  return { state, ctx, apply, id, resolvedBetween };
}

describe('an incident at its evidence cap', () => {
  it('stays open while an alarm beyond the cap is active, and resolves the quiet time after it clears', () => {
    const { state, ctx, apply, id, resolvedBetween } = hallAtCap();
    ctx.set(T0 + 20 * MIN);
    expect(apply({ type: 'alarm', evidence: hallBusy('sh-2', T0 + 20 * MIN) }).map((c) => c.what)).toEqual(['evidence_linked']);
    // Raised again at another level while active: one piece of evidence, counted once.
    apply({ type: 'alarm', evidence: { ...hallBusy('sh-2', T0 + 21 * MIN), level: 'alarm' } });
    const incident = state.incidents.get(id)!;
    expect(incident.evidence.map((e) => e.id)).not.toContain('alarm:sh-2');
    expect(incident.moreEvidence).toBe(1);
    ctx.set(T0 + 25 * MIN);
    apply({ type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 25 * MIN });
    // sh-1 cleared at +25 min, but sh-2 (beyond the cap) is still active.
    expect(resolvedBetween(25, 49)).toBeNull();
    ctx.set(T0 + 50 * MIN);
    const cleared = apply({ type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 50 * MIN });
    expect(cleared.map((c) => [c.incidentId, c.what])).toEqual([[id, 'evidence_inactive']]);
    expect(resolvedBetween(51, 90)).toBe(65);
  });

  it('does not reopen a resolved incident for one tick when a late alarm arrives: it holds it as if listed', () => {
    const { state, ctx, apply, id, resolvedBetween } = hallAtCap();
    ctx.set(T0 + 30 * MIN);
    apply({ type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 30 * MIN });
    expect(resolvedBetween(31, 45)).toBe(45);
    // A queue feed behind a buffering gateway: its warning dated +35 min arrives at +47 min, still active.
    ctx.set(T0 + 47 * MIN);
    apply({ type: 'alarm', evidence: hallBusy('sh-2', T0 + 35 * MIN) });
    expect(resolvedBetween(47, 59)).toBeNull();
    expect(state.incidents.get(id)!.status).toBe('open');
    ctx.set(T0 + 60 * MIN);
    apply({ type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 58 * MIN });
    expect(resolvedBetween(60, 90)).toBe(73);
    const reopenings = state.incidents.get(id)!;
    expect(reopenings.status).toBe('resolved');
    expect(reopenings.moreEvidence).toBe(1);
  });

  it('holds the evidence beyond its cap across a restart (stored with the incident)', () => {
    const { ctx, apply } = hallAtCap();
    ctx.set(T0 + 20 * MIN);
    const [linked] = apply({ type: 'alarm', evidence: hallBusy('sh-2', T0 + 20 * MIN) });
    expect(linked!.incident.beyondCap).toEqual({ active: ['alarm:sh-2'], quietSince: T0 + 20 * MIN });
    ctx.set(T0 + 25 * MIN);
    const [stored] = apply({ type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 25 * MIN });
    const after = createIncidentState();
    restoreIncidents(after, [stored!.incident]);
    ctx.set(T0 + 45 * MIN);
    expect(applyIncidentInput(after, { type: 'tick' }, ctx)).toEqual([]);
    ctx.set(T0 + 50 * MIN);
    applyIncidentInput(after, { type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 50 * MIN }, ctx);
    ctx.set(T0 + 65 * MIN);
    expect(applyIncidentInput(after, { type: 'tick' }, ctx).map((c) => c.what)).toEqual(['resolved']);
  });

  it('is not held open for good by an alarm held beyond the cap and listed after a split made room', () => {
    const { state, ctx, apply, id, resolvedBetween } = hallAtCap();
    ctx.set(T0 + 5 * MIN);
    apply({ type: 'alarm', evidence: hallBusy('sh-2', T0 + 5 * MIN) });
    expect(state.incidents.get(id)!.beyondCap?.active).toEqual(['alarm:sh-2']);
    // The operator splits two reports off; sh-2 raised again at another level is then listed.
    ctx.set(T0 + 6 * MIN);
    apply({
      type: 'operator',
      incidentId: id,
      actor: 'op',
      command: { action: 'split', evidenceIds: ['event:manual:m1', 'event:manual:m2'] },
    });
    ctx.set(T0 + 7 * MIN);
    apply({ type: 'alarm', evidence: { ...hallBusy('sh-2', T0 + 7 * MIN), level: 'alarm' } });
    const incident = state.incidents.get(id)!;
    expect(incident.evidence.find((e) => e.id === 'alarm:sh-2')?.active).toBe(true);
    expect(incident.beyondCap?.active).toEqual([]);
    expect(incident.moreEvidence).toBe(0);
    ctx.set(T0 + 8 * MIN);
    apply({ type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 8 * MIN });
    apply({ type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 8 * MIN });
    expect(resolvedBetween(9, 60)).toBe(23);
  });

  for (const into of ['the incident that lists it', 'the incident that holds it beyond its cap'] as const)
    it(`is not held open for good by an alarm one incident lists and another holds beyond its cap, merged into ${into}`, () => {
      const { state, ctx, apply, id: capped } = hallAtCap();
      // sh-9 (about hall-2) opens an incident of its own; raised again about hall-1, it joins the
      // incident at its cap, held beyond it, while the first still lists it active.
      ctx.set(T0 + 5 * MIN);
      const hall2 = hallBusy('sh-9', T0 + 5 * MIN, { assetId: 'hall-2', lng: HALL.lng + 0.01 });
      const listing = apply({ type: 'alarm', evidence: hall2 })[0]!.incidentId;
      expect(listing).not.toBe(capped);
      ctx.set(T0 + 6 * MIN);
      apply({ type: 'alarm', evidence: { ...hallBusy('sh-9', T0 + 6 * MIN), level: 'alarm' } });
      expect(state.incidents.get(capped)!.beyondCap?.active).toEqual(['alarm:sh-9']);
      ctx.set(T0 + 7 * MIN);
      const [incidentId, otherId] = into === 'the incident that lists it' ? [listing, capped] : [capped, listing];
      apply({ type: 'operator', incidentId, actor: 'op', command: { action: 'merge', otherId } });
      const merged = state.incidents.get(incidentId)!;
      expect(merged.beyondCap?.active).toEqual([]);
      expect(merged.moreEvidence).toBe(0);
      expect(merged.evidence.find((e) => e.id === 'alarm:sh-9')?.active).toBe(true);
      ctx.set(T0 + 8 * MIN);
      apply({ type: 'alarm_cleared', sensorId: 'sh-9', ts: T0 + 8 * MIN });
      apply({ type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 8 * MIN });
      let resolvedAt: number | null = null;
      for (let m = 9; m <= 60 && resolvedAt === null; m++) {
        ctx.set(T0 + m * MIN);
        if (apply({ type: 'tick' }).some((c) => c.incidentId === incidentId && c.what === 'resolved')) resolvedAt = m;
      }
      expect(resolvedAt).toBe(23);
    });

  it('restores an alarm stored both listed and held beyond the cap as listed only', () => {
    const { ctx, apply } = hallAtCap();
    ctx.set(T0 + 20 * MIN);
    apply({ type: 'alarm', evidence: hallBusy('sh-2', T0 + 20 * MIN) });
    ctx.set(T0 + 25 * MIN);
    const [c] = apply({ type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 25 * MIN });
    // As a row of an earlier build has it: sh-2 listed and cleared, its id still held beyond the cap.
    const [first, ...rest] = c!.incident.evidence;
    const sh2 = { ...first!, id: 'alarm:sh-2', sensorId: 'sh-2', ts: T0 + 20 * MIN, active: false, clearedAt: T0 + 30 * MIN };
    const stored = { ...c!.incident, evidence: [...rest, sh2], updatedAt: T0 + 30 * MIN };
    expect(stored.beyondCap?.active).toEqual(['alarm:sh-2']);
    const after = createIncidentState();
    restoreIncidents(after, [stored]);
    expect(after.incidents.get(stored.id)!.beyondCap?.active).toEqual([]);
    ctx.set(T0 + 45 * MIN);
    expect(applyIncidentInput(after, { type: 'tick' }, ctx).map((x) => x.what)).toEqual(['resolved']);
  });

  it('counts an alarm stored both listed and held beyond the cap once when restored', () => {
    const { ctx, apply } = hallAtCap();
    ctx.set(T0 + 20 * MIN);
    apply({ type: 'alarm', evidence: hallBusy('sh-2', T0 + 20 * MIN) });
    ctx.set(T0 + 21 * MIN);
    const [c] = apply({ type: 'alarm', evidence: hallBusy('sh-3', T0 + 21 * MIN) });
    expect(c!.incident.beyondCap?.active).toEqual(['alarm:sh-2', 'alarm:sh-3']);
    expect(c!.incident.moreEvidence).toBe(2);
    // As a row of an earlier build has it: sh-2 listed too (in a report's place), still held and counted beyond the cap.
    const [first, ...rest] = c!.incident.evidence;
    const sh2 = { ...first!, id: 'alarm:sh-2', sensorId: 'sh-2', ts: T0 + 20 * MIN };
    const stored = { ...c!.incident, evidence: [...rest, sh2] };
    const after = createIncidentState();
    restoreIncidents(after, [stored]);
    const restored = after.incidents.get(stored.id)!;
    expect(restored.evidence).toHaveLength(MAX_EVIDENCE_PER_INCIDENT);
    // sh-2 is listed only; sh-3 alone is beyond the cap, and counted there once.
    expect(restored.beyondCap?.active).toEqual(['alarm:sh-3']);
    expect(restored.moreEvidence).toBe(1);
  });
});
