import { describe, expect, it } from 'vitest';
import { hallBusy, hallReport, hallWarnedAndCleared, incidentClock, MIN, SEC, T0 } from '../../test/support/service-hall.ts';
import type { IncidentChange } from './incident-correlator.ts';
import { changeNoteOf } from './incident-explanations.ts';
import { LATE_HOLD_MS } from './incident-late-evidence.ts';

// A service hall with two queue sensors (counter groups, test/support/service-hall.ts); the second
// sits behind a gateway that delivers its readings ten minutes late.
function hall() {
  const clock = incidentClock();
  // The first counter group warns at +0 (a hall's wait warning opens on its own), clears at +30 min;
  // quiet for 15 min, the twin resolves the incident at +45 min.
  const { id, opened } = hallWarnedAndCleared(clock);
  const resolved = clock.at(T0 + 45 * MIN, { type: 'tick' });
  return { state: clock.state, ctx: clock.ctx, apply: clock.apply, id, opened, resolved };
}

describe('late evidence and a resolved incident', () => {
  it('reopens the incident the twin resolved when evidence dated before the resolution arrives after it', () => {
    const { state, ctx, apply, id, opened, resolved } = hall();
    expect(opened.map((c) => c.what)).toEqual(['opened']);
    expect(resolved.map((c) => [c.incidentId, c.what])).toEqual([[id, 'resolved']]);
    // The second counter group warned at +35 min; its gateway delivers the reading at +47 min.
    ctx.set(T0 + 47 * MIN);
    // Held for the rest of its delivery; still active at the first tick after that, it reopens the incident.
    expect(apply({ type: 'alarm', evidence: hallBusy('sh-2', T0 + 35 * MIN) })).toEqual([]);
    ctx.set(T0 + 47 * MIN + LATE_HOLD_MS);
    const late = apply({ type: 'tick' });
    expect(late.map((c) => [c.incidentId, c.what])).toEqual([
      [id, 'reopened'],
      [id, 'evidence_linked'],
    ]);
    expect(late[0]!.actor).toBe('twin');
    expect(changeNoteOf('reopened', late[0]!.detail)).toEqual({
      code: 'late_evidence',
      params: { evidenceId: 'alarm:sh-2', minutesBefore: 10 },
    });
    expect(late[1]!.incident.evidence.map((e) => e.id)).toEqual(['alarm:sh-1', 'alarm:sh-2']);
    expect(late[1]!.incident.evidence[1]!.why.code).toBe('same_asset');
    expect([...state.incidents.values()].map((i) => [i.id, i.status])).toEqual([[id, 'open']]);
    // It resolves again once the late sensor clears and the hall is quiet.
    ctx.set(T0 + 50 * MIN);
    apply({ type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 40 * MIN });
    ctx.set(T0 + 66 * MIN);
    expect(apply({ type: 'tick' }).map((c) => [c.incidentId, c.what])).toEqual([[id, 'resolved']]);
  });

  it('opens a new incident for evidence dated after the resolution: the hall is crowded again', () => {
    const { state, ctx, apply, id } = hall();
    ctx.set(T0 + 60 * MIN);
    const again = apply({ type: 'alarm', evidence: hallBusy('sh-2', T0 + 50 * MIN) });
    expect(again.map((c) => c.what)).toEqual(['opened']);
    expect(again[0]!.incidentId).not.toBe(id);
    expect(state.incidents.get(id)!.status).toBe('resolved');
  });

  it('leaves an incident an operator resolved to the operator', () => {
    const { state, apply, at } = incidentClock();
    const id = apply({ type: 'alarm', evidence: hallBusy('sh-1', T0) })[0]!.incidentId;
    at(T0 + 20 * MIN, { type: 'operator', incidentId: id, actor: 'zhang', command: { action: 'resolve' } });
    const late = at(T0 + 25 * MIN, { type: 'alarm', evidence: hallBusy('sh-2', T0 + 15 * MIN) });
    expect(late.map((c) => c.what)).toEqual(['opened']);
    expect(late[0]!.incidentId).not.toBe(id);
    expect(state.incidents.get(id)!.status).toBe('resolved');
  });

  // The twin resolved the hall at +45 min (quiet time 15 min). A manual report taken at +35 min,
  // 10 min before the resolution, is entered late: at +50 min its own quiet time is over.
  const surge = (changes: IncidentChange[]) => changes.filter((c) => c.incident.type === 'service_surge');

  it('links a late report whose quiet time is over when it arrives to the resolved incident, without reopening it', () => {
    const { state, ctx, apply, id } = hall();
    ctx.set(T0 + 50 * MIN);
    const out = surge(apply({ type: 'event', evidence: hallReport(T0 + 35 * MIN) }));
    expect(out.map((c) => [c.incidentId, c.what])).toEqual([[id, 'evidence_linked']]);
    expect(out[0]!.actor).toBe('twin');
    expect(out[0]!.incident.status).toBe('resolved');
    expect(changeNoteOf('evidence_linked', out[0]!.detail)).toEqual({
      code: 'late_evidence_linked',
      params: {
        evidenceId: 'event:manual:m1',
        signal: 'manual',
        why: { code: 'same_asset', params: { assetId: 'hall-1', minutes: 35 } },
        minutesBefore: 10,
      },
    });
    expect(out[0]!.incident.evidence.map((e) => e.id)).toEqual(['alarm:sh-1', 'event:manual:m1']);
    expect([...state.incidents.values()].filter((i) => i.type === 'service_surge').map((i) => [i.id, i.status])).toEqual([
      [id, 'resolved'],
    ]);
    // Nothing to resolve again: the next ticks change nothing of the hall's surge (the report
    // is a crowd report too, and the crowd rule has its own incident).
    expect(surge(apply({ type: 'tick' }))).toEqual([]);
    ctx.set(T0 + 80 * MIN);
    expect(surge(apply({ type: 'tick' }))).toEqual([]);
  });

  it('reopens for the same report a second earlier: it keeps the incident open until its quiet time is over', () => {
    const { state, ctx, apply, id } = hall();
    ctx.set(T0 + 50 * MIN - SEC);
    const out = surge(apply({ type: 'event', evidence: hallReport(T0 + 35 * MIN) }));
    expect(out.map((c) => [c.incidentId, c.what])).toEqual([
      [id, 'reopened'],
      [id, 'evidence_linked'],
    ]);
    expect(changeNoteOf('reopened', out[0]!.detail)).toEqual({
      code: 'late_evidence',
      params: { evidenceId: 'event:manual:m1', minutesBefore: 10 },
    });
    expect(changeNoteOf('evidence_linked', out[1]!.detail).code).toBe('evidence_linked');
    expect(state.incidents.get(id)!.status).toBe('open');
    // Held open for that second, as the resolution rule holds any incident.
    expect(surge(apply({ type: 'tick' }))).toEqual([]);
    ctx.set(T0 + 50 * MIN);
    expect(surge(apply({ type: 'tick' })).map((c) => [c.incidentId, c.what])).toEqual([[id, 'resolved']]);
  });

  it('still reopens for a late alarm after a late report was linked without reopening', () => {
    const { ctx, apply, id } = hall();
    ctx.set(T0 + 50 * MIN);
    expect(surge(apply({ type: 'event', evidence: hallReport(T0 + 35 * MIN) })).map((c) => c.what)).toEqual(['evidence_linked']);
    ctx.set(T0 + 52 * MIN);
    expect(apply({ type: 'alarm', evidence: hallBusy('sh-2', T0 + 40 * MIN) })).toEqual([]);
    ctx.set(T0 + 52 * MIN + LATE_HOLD_MS);
    const late = surge(apply({ type: 'tick' }));
    expect(late.map((c) => [c.incidentId, c.what])).toEqual([
      [id, 'reopened'],
      [id, 'evidence_linked'],
    ]);
  });

  it('leaves an incident an operator resolved alone: a late report neither reopens it nor is linked to it', () => {
    const { state, apply, at } = incidentClock();
    const id = apply({ type: 'alarm', evidence: hallBusy('sh-1', T0) })[0]!.incidentId;
    at(T0 + 20 * MIN, { type: 'operator', incidentId: id, actor: 'zhang', command: { action: 'resolve' } });
    const out = surge(at(T0 + 40 * MIN, { type: 'event', evidence: hallReport(T0 + 15 * MIN) }));
    expect(out.every((c) => c.incidentId !== id)).toBe(true);
    expect(state.incidents.get(id)!.status).toBe('resolved');
    expect(state.incidents.get(id)!.evidence.map((e) => e.id)).toEqual(['alarm:sh-1']);
  });

  it('does not reopen for a late report older than the quiet time before the resolution', () => {
    const { state, ctx, apply, id } = hall();
    // A manual report (can open) taken at +20 min, 25 min before the resolution, entered at +47 min.
    ctx.set(T0 + 47 * MIN);
    const out = surge(apply({ type: 'event', evidence: hallReport(T0 + 20 * MIN) }));
    expect(out.map((c) => c.what)).toEqual(['opened']);
    expect(out[0]!.incidentId).not.toBe(id);
    expect(state.incidents.get(id)!.status).toBe('resolved');
  });
});
