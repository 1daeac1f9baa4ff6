/**
 * An incident's quiet time counts from when its alarms cleared (incident-refresh.ts `heldOpen`,
 * docs/incidents.md "Quiet time"): an alarm active for half an hour keeps its incident open for
 * the rule's quiet time after it clears, and one that clears and raises again within that time
 * joins the same incident instead of opening another.
 */
import { describe, expect, it } from 'vitest';
import { hallBusy, hallReport, hallWarnedAndCleared, incidentClock, MIN, SEC, T0 } from '../../test/support/service-hall.ts';
import type { IncidentType } from '../vocabulary.ts';
import type { IncidentChange, IncidentInput } from './incident-correlator.ts';
import { changeNoteOf } from './incident-explanations.ts';
import { LATE_HOLD_MS } from './incident-late-evidence.ts';
import { heldOpen } from './incident-refresh.ts';
import { DEFAULT_INCIDENT_RULES } from './incident-rules.ts';
import type { IncidentRule } from './incident-rules.ts';

const QUIET = 10 * MIN;
// A service hall whose queue warning opens an incident on its own (test/support/service-hall.ts);
// its rule's quiet time set to 10 min.

function rules(): ReadonlyMap<IncidentType, IncidentRule> {
  const surge = DEFAULT_INCIDENT_RULES.get('service_surge')!;
  return new Map([...DEFAULT_INCIDENT_RULES, ['service_surge', { ...surge, resolve: { ...surge.resolve, quietS: QUIET / SEC } }]]);
}

/** The hall's queue warns at +0 and clears at +30 min (the clearing reading's time). */
function hall() {
  const clock = incidentClock(rules());
  const at = (ms: number, input: IncidentInput): IncidentChange[] => clock.at(ms, input).filter((c) => c.incident.type === 'service_surge');
  const { id } = hallWarnedAndCleared(clock);
  const status = () => clock.state.incidents.get(id)!.status;
  return { state: clock.state, at, id, status };
}

describe("an incident's quiet time counts from when its alarms cleared", () => {
  it('stays open for the quiet time after a 30-minute alarm clears, and resolves once it has passed', () => {
    const { at, id, status } = hall();
    // The first tick after the clear: the alarm went quiet a second ago, not 30 minutes ago.
    expect(at(T0 + 30 * MIN + SEC, { type: 'tick' })).toEqual([]);
    expect(status()).toBe('open');
    // Just under the quiet time after the clear: still open.
    expect(at(T0 + 40 * MIN - SEC, { type: 'tick' })).toEqual([]);
    expect(status()).toBe('open');
    // Exactly the quiet time after it: resolved.
    const resolved = at(T0 + 40 * MIN, { type: 'tick' });
    expect(resolved.map((c) => [c.incidentId, c.what])).toEqual([[id, 'resolved']]);
    expect(changeNoteOf('resolved', resolved[0]!.detail)).toEqual({
      code: 'signals_normal',
      params: { quietS: QUIET / SEC, operatorConfirms: false },
    });
    expect(resolved[0]!.incident.evidence[0]).toMatchObject({ id: 'alarm:sh-1', active: false, clearedAt: T0 + 30 * MIN });
  });

  it('keeps a flapping alarm in one incident: raised again just under the quiet time after it cleared, it joins', () => {
    const { state, at, id, status } = hall();
    at(T0 + 35 * MIN, { type: 'tick' });
    const again = at(T0 + 40 * MIN - SEC, { type: 'alarm', evidence: hallBusy('sh-1', T0 + 40 * MIN - SEC) });
    expect(again.map((c) => [c.incidentId, c.what])).toEqual([[id, 'evidence_linked']]);
    // Active again: no clear time until it clears again, and the incident holds while it lasts.
    expect(again[0]!.incident.evidence).toEqual([expect.not.objectContaining({ clearedAt: expect.anything() })]);
    expect(at(T0 + 60 * MIN, { type: 'tick' })).toEqual([]);
    at(T0 + 61 * MIN, { type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 61 * MIN });
    expect(at(T0 + 71 * MIN - SEC, { type: 'tick' })).toEqual([]);
    expect(at(T0 + 71 * MIN, { type: 'tick' }).map((c) => [c.incidentId, c.what])).toEqual([[id, 'resolved']]);
    expect([...state.incidents.keys()]).toEqual([id]);
    expect(status()).toBe('resolved');
  });

  it('opens a new incident for an alarm raised again just over the quiet time after it cleared: a new event', () => {
    const { state, at, id, status } = hall();
    expect(at(T0 + 40 * MIN, { type: 'tick' }).map((c) => c.what)).toEqual(['resolved']);
    const again = at(T0 + 40 * MIN + SEC, { type: 'alarm', evidence: hallBusy('sh-1', T0 + 40 * MIN + SEC) });
    expect(again.map((c) => c.what)).toEqual(['opened']);
    expect(again[0]!.incidentId).not.toBe(id);
    expect(status()).toBe('resolved');
    expect(state.incidents.size).toBe(2);
  });

  it('counts a report from its date, as before: the later of the clear and the report decides', () => {
    const { at, id } = hall();
    // A supervisor's report at +35 min: quiet until +45, past the alarm's +40.
    expect(at(T0 + 35 * MIN, { type: 'event', evidence: hallReport(T0 + 35 * MIN) }).map((c) => [c.incidentId, c.what])).toEqual([
      [id, 'evidence_linked'],
    ]);
    expect(at(T0 + 45 * MIN - SEC, { type: 'tick' })).toEqual([]);
    expect(at(T0 + 45 * MIN, { type: 'tick' }).map((c) => c.what)).toEqual(['resolved']);
  });

  it('counts an alarm withdrawn as untrusted (a stuck sensor) from its own date, not from the withdrawal', () => {
    const clock = incidentClock(rules());
    const { id } = hallWarnedAndCleared(clock, true);
    expect(clock.state.incidents.get(id)!.evidence[0]!.clearedAt).toBeUndefined();
    expect(clock.at(T0 + 30 * MIN + SEC, { type: 'tick' }).map((c) => [c.incidentId, c.what])).toEqual([[id, 'resolved']]);
  });

  it('reopens for a late alarm and counts the quiet time from its own clear, however late that clear arrives', () => {
    const { at, id, status } = hall();
    expect(at(T0 + 40 * MIN, { type: 'tick' }).map((c) => c.what)).toEqual(['resolved']);
    // A second counter group warned at +38 min and cleared at +44; its gateway delivers the warning
    // at +47 (still active at the tick after its hold: the incident reopens) and the clear a minute later.
    expect(at(T0 + 47 * MIN, { type: 'alarm', evidence: hallBusy('sh-2', T0 + 38 * MIN) })).toEqual([]);
    expect(at(T0 + 47 * MIN + LATE_HOLD_MS, { type: 'tick' }).map((c) => [c.incidentId, c.what])).toEqual([
      [id, 'reopened'],
      [id, 'evidence_linked'],
    ]);
    at(T0 + 48 * MIN, { type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 44 * MIN });
    expect(at(T0 + 54 * MIN - SEC, { type: 'tick' })).toEqual([]);
    expect(status()).toBe('open');
    expect(at(T0 + 54 * MIN, { type: 'tick' }).map((c) => [c.incidentId, c.what])).toEqual([[id, 'resolved']]);
  });

  it('does not reopen for a late alarm whose clear came in the same delivery: linked to the resolved incident, noted', () => {
    const { state, at, id, status } = hall();
    expect(at(T0 + 40 * MIN, { type: 'tick' }).map((c) => c.what)).toEqual(['resolved']);
    // The same counter group's warning (+38 min) and its clear (+44) in one flush of its gateway at +47.
    expect(at(T0 + 47 * MIN, { type: 'alarm', evidence: hallBusy('sh-2', T0 + 38 * MIN) })).toEqual([]);
    expect(at(T0 + 47 * MIN, { type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 44 * MIN })).toEqual([]);
    const linked = at(T0 + 47 * MIN + LATE_HOLD_MS, { type: 'tick' });
    expect(linked.map((c) => [c.incidentId, c.what, c.incident.status])).toEqual([[id, 'evidence_linked', 'resolved']]);
    expect(changeNoteOf('evidence_linked', linked[0]!.detail)).toEqual({
      code: 'late_alarm_cleared',
      params: {
        evidenceId: 'alarm:sh-2',
        signal: 'hall_busy',
        why: { code: 'same_asset', params: { assetId: 'hall-1', minutes: 38 } },
        minutesBefore: 2,
      },
    });
    expect(state.incidents.get(id)!.evidence.find((e) => e.id === 'alarm:sh-2')).toMatchObject({
      active: false,
      clearedAt: T0 + 44 * MIN,
    });
    // Nothing reopens it or resolves it again; it stays one the twin resolved.
    for (let m = 48; m <= 60; m++) expect(at(T0 + m * MIN, { type: 'tick' })).toEqual([]);
    expect(status()).toBe('resolved');
    expect(state.resolvedByTwin.has(id)).toBe(true);
  });

  it('holds a late alarm for LATE_HOLD_MS, not until the next tick: a tick between its raise and its clear does not reopen', () => {
    const { state, at, id, status } = hall();
    expect(at(T0 + 40 * MIN, { type: 'tick' }).map((c) => c.what)).toEqual(['resolved']);
    // The flush at +47 min: the warning (+38) and its clear (+44) 800 ms apart, the second's tick between them.
    const t = T0 + 47 * MIN;
    expect(at(t, { type: 'alarm', evidence: hallBusy('sh-2', T0 + 38 * MIN) })).toEqual([]);
    expect(at(t + 500, { type: 'tick' })).toEqual([]);
    expect(status()).toBe('resolved');
    expect(at(t + 800, { type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 44 * MIN })).toEqual([]);
    expect(at(t + 1500, { type: 'tick' })).toEqual([]);
    const linked = at(t + LATE_HOLD_MS + 500, { type: 'tick' });
    expect(linked.map((c) => [c.incidentId, c.what, c.incident.status])).toEqual([[id, 'evidence_linked', 'resolved']]);
    expect(changeNoteOf('evidence_linked', linked[0]!.detail).code).toBe('late_alarm_cleared');
    expect(state.heldLate.size).toBe(0);
  });

  it('reopens for a late alarm still active at the first tick LATE_HOLD_MS after it arrived', () => {
    const { at, id, status } = hall();
    expect(at(T0 + 40 * MIN, { type: 'tick' }).map((c) => c.what)).toEqual(['resolved']);
    const t = T0 + 47 * MIN;
    expect(at(t, { type: 'alarm', evidence: hallBusy('sh-2', T0 + 38 * MIN) })).toEqual([]);
    expect(at(t + 500, { type: 'tick' })).toEqual([]);
    expect(at(t + LATE_HOLD_MS - 1, { type: 'tick' })).toEqual([]);
    expect(status()).toBe('resolved');
    expect(at(t + LATE_HOLD_MS, { type: 'tick' }).map((c) => [c.incidentId, c.what])).toEqual([
      [id, 'reopened'],
      [id, 'evidence_linked'],
    ]);
  });

  it('keeps the clear time of a late alarm delivered with its clear when the incident already lists that sensor', () => {
    const { state, at, id } = hall();
    expect(at(T0 + 40 * MIN, { type: 'tick' }).map((c) => c.what)).toEqual(['resolved']);
    // sh-1 itself warned again at +38 and cleared at +44; its gateway delivers both at +47.
    expect(at(T0 + 47 * MIN, { type: 'alarm', evidence: hallBusy('sh-1', T0 + 38 * MIN) })).toEqual([]);
    expect(at(T0 + 47 * MIN, { type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 44 * MIN })).toEqual([]);
    const linked = at(T0 + 47 * MIN + LATE_HOLD_MS, { type: 'tick' });
    expect(linked.map((c) => [c.incidentId, c.what, c.incident.status])).toEqual([[id, 'evidence_linked', 'resolved']]);
    expect(linked[0]!.incident.evidence).toMatchObject([{ id: 'alarm:sh-1', active: false, ts: T0 + 38 * MIN, clearedAt: T0 + 44 * MIN }]);
    expect(state.incidents.get(id)!.evidence[0]!.clearedAt).toBe(T0 + 44 * MIN);
  });

  it('still opens a new incident from a short alarm whose clear came in the same delivery, when the rules open on it', () => {
    const { apply, at } = incidentClock(rules(), T0 + 12 * MIN);
    // No incident at the hall: the warning (+0) and its clear (+8 min) delivered together at +12.
    const opened = apply({ type: 'alarm', evidence: hallBusy('sh-1', T0) });
    expect(opened.map((c) => c.what)).toEqual(['opened']);
    apply({ type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 8 * MIN });
    expect(at(T0 + 18 * MIN - SEC, { type: 'tick' })).toEqual([]);
    expect(at(T0 + 18 * MIN, { type: 'tick' }).map((c) => [c.incidentId, c.what])).toEqual([[opened[0]!.incidentId, 'resolved']]);
  });

  it('decides late evidence by the same rule: an incident holds while any alarm of it cleared less than the quiet time ago', () => {
    const rule = rules().get('service_surge')!;
    const e = {
      ...hallBusy('sh-1', T0),
      signal: 'hall_busy',
      family: 'service' as const,
      weight: 0.7,
      why: { code: 'anchor' as const, params: {} },
    };
    const cleared = { ...e, active: false, clearedAt: T0 + 30 * MIN, linkedAt: T0 };
    expect(heldOpen(rule, { evidence: [cleared], lastEvidenceAt: T0 }, T0 + 40 * MIN - SEC)).toBe(true);
    expect(heldOpen(rule, { evidence: [cleared], lastEvidenceAt: T0 }, T0 + 40 * MIN)).toBe(false);
    expect(heldOpen(rule, { evidence: [{ ...cleared, active: true }], lastEvidenceAt: T0 }, T0 + 90 * MIN)).toBe(true);
  });
});
