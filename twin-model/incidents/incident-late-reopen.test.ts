import { describe, expect, it } from 'vitest';
import { changeNoteOf } from './incident-explanations.ts';
import {
  applyIncidentInput,
  createIncidentState,
  type Evidence,
  type IncidentChange,
  type IncidentContext,
} from './incident-correlator.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const MIN = 60_000;
// A service hall with two queue sensors (counter groups); the second sits behind a gateway that
// delivers its readings ten minutes late.
const HALL = { lng: 114.35, lat: 30.57, assetId: 'hall-1' };
const busy = (sensorId: string, ts: number): Evidence => ({
  id: `alarm:${sensorId}`,
  kind: 'sensor_alarm',
  sensorKind: 'service_hall',
  sensorId,
  level: 'warning',
  metric: 'wait_min',
  value: 64,
  ts,
  lng: HALL.lng,
  lat: HALL.lat + 0.0002,
  assetId: HALL.assetId,
  district: '420106',
});

function hall() {
  let now = T0;
  const ctx: IncidentContext & { set(ms: number): void } = { now: () => now, set: (ms) => (now = ms) };
  const state = createIncidentState();
  const apply = (input: Parameters<typeof applyIncidentInput>[1]): IncidentChange[] => applyIncidentInput(state, input, ctx);
  // The first counter group warns at +0 (a hall's wait warning opens on its own), clears at +30 min;
  // quiet for 15 min, the twin resolves the incident at +45 min.
  const opened = apply({ type: 'alarm', evidence: busy('sh-1', T0) });
  const id = opened[0]!.incidentId;
  ctx.set(T0 + 30 * MIN);
  apply({ type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 30 * MIN });
  ctx.set(T0 + 45 * MIN);
  const resolved = apply({ type: 'tick' });
  return { state, ctx, apply, id, opened, resolved };
}

describe('late evidence and a resolved incident', () => {
  it('reopens the incident the twin resolved when evidence dated before the resolution arrives after it', () => {
    const { state, ctx, apply, id, opened, resolved } = hall();
    expect(opened.map((c) => c.what)).toEqual(['opened']);
    expect(resolved.map((c) => [c.incidentId, c.what])).toEqual([[id, 'resolved']]);
    // The second counter group warned at +35 min; its gateway delivers the reading at +47 min.
    ctx.set(T0 + 47 * MIN);
    const late = apply({ type: 'alarm', evidence: busy('sh-2', T0 + 35 * MIN) });
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
    const again = apply({ type: 'alarm', evidence: busy('sh-2', T0 + 50 * MIN) });
    expect(again.map((c) => c.what)).toEqual(['opened']);
    expect(again[0]!.incidentId).not.toBe(id);
    expect(state.incidents.get(id)!.status).toBe('resolved');
  });

  it('leaves an incident an operator resolved to the operator', () => {
    let now = T0;
    const ctx: IncidentContext = { now: () => now };
    const state = createIncidentState();
    const id = applyIncidentInput(state, { type: 'alarm', evidence: busy('sh-1', T0) }, ctx)[0]!.incidentId;
    now = T0 + 20 * MIN;
    applyIncidentInput(state, { type: 'operator', incidentId: id, actor: 'zhang', command: { action: 'resolve' } }, ctx);
    now = T0 + 25 * MIN;
    const late = applyIncidentInput(state, { type: 'alarm', evidence: busy('sh-2', T0 + 15 * MIN) }, ctx);
    expect(late.map((c) => c.what)).toEqual(['opened']);
    expect(late[0]!.incidentId).not.toBe(id);
    expect(state.incidents.get(id)!.status).toBe('resolved');
  });

  it('does not reopen for a late report older than the quiet time before the resolution', () => {
    const { state, ctx, apply, id } = hall();
    // A manual report (can open) taken at +20 min, 25 min before the resolution, entered at +47 min.
    ctx.set(T0 + 47 * MIN);
    const manual: Evidence = {
      id: 'event:manual:m1',
      kind: 'event',
      eventType: 'manual_report',
      category: 'crowd',
      source: 'manual',
      ts: T0 + 20 * MIN,
      lng: HALL.lng,
      lat: HALL.lat,
      assetId: HALL.assetId,
      district: '420106',
    };
    const out = apply({ type: 'event', evidence: manual }).filter((c) => c.incident.type === 'service_surge');
    expect(out.map((c) => c.what)).toEqual(['opened']);
    expect(out[0]!.incidentId).not.toBe(id);
    expect(state.incidents.get(id)!.status).toBe('resolved');
  });
});
