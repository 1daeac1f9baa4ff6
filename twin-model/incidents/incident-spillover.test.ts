import { describe, expect, it } from 'vitest';
import { applyIncidentInput, createIncidentState, type Evidence, type IncidentContext } from './incident-correlator.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const MIN = 60_000;
// A Yangtze bridge and points north of it (≈ 111 m per 0.001° of latitude).
const BRIDGE = { lng: 114.56, lat: 30.65 };
const counter = (sensorId: string, dLat: number, ts: number): Evidence => ({
  id: `alarm:${sensorId}`,
  kind: 'sensor_alarm',
  sensorKind: 'traffic_flow',
  sensorId,
  level: 'alarm',
  metric: 'speed_kmh',
  value: 4,
  ts,
  lng: BRIDGE.lng,
  lat: BRIDGE.lat + dLat,
});
const report = (source: string, id: string, type: string, category: string, dLat: number, ts: number): Evidence => ({
  id: `event:${source}:${id}`,
  kind: 'event',
  eventType: type,
  category,
  source,
  ts,
  lng: BRIDGE.lng,
  lat: BRIDGE.lat + dLat,
});

describe('the queue behind a bridge crash (spill-over)', () => {
  it('joins the open crash from 4 km up the approach — counter and call alike — and stays apart beyond 5 km', () => {
    let now = T0;
    const ctx: IncidentContext = { now: () => now };
    const s = createIncidentState();
    applyIncidentInput(s, { type: 'event', evidence: report('video', 'v-1', 'video_detection', 'crash', 0, T0) }, ctx);
    now = T0 + 2 * MIN;
    applyIncidentInput(s, { type: 'alarm', evidence: counter('tf-bridge', 0.001, now) }, ctx);
    const open = [...s.incidents.values()];
    expect(open.map((i) => i.type)).toEqual(['traffic_accident']);

    // The queue reaches a ring-road counter ≈ 4 km away and a driver stuck there calls.
    now = T0 + 19 * MIN;
    applyIncidentInput(s, { type: 'event', evidence: report('hotline', 'c-1', 'citizen_report', 'traffic', 0.037, now) }, ctx);
    now = T0 + 20 * MIN;
    applyIncidentInput(s, { type: 'alarm', evidence: counter('tf-ring', 0.0363, now) }, ctx);
    expect(s.incidents.size).toBe(1);
    const crash = [...s.incidents.values()][0]!;
    const joined = crash.evidence.filter((e) => e.id === 'alarm:tf-ring' || e.id === 'event:hotline:c-1');
    expect(joined.map((e) => e.why.code)).toEqual(['spill_over', 'spill_over']);

    // A counter and a call 6 km from the bridge, on the other bank, are not this queue.
    now = T0 + 21 * MIN;
    applyIncidentInput(s, { type: 'alarm', evidence: counter('tf-far', -0.054, now) }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('hotline', 'c-2', 'citizen_report', 'traffic', -0.054, now) }, ctx);
    expect(crash.evidence.some((e) => e.id === 'alarm:tf-far' || e.id === 'event:hotline:c-2')).toBe(false);
  });
});

describe('a second crash within spill-over reach of an open one', () => {
  /** Crash A at the bridge at T0 (camera + bridge counter + a call); returns the state and a clock. */
  function crashA() {
    let now = T0;
    const ctx: IncidentContext = { now: () => now };
    const s = createIncidentState();
    const at = (ms: number) => {
      now = ms;
    };
    applyIncidentInput(s, { type: 'event', evidence: report('video', 'a-cam', 'video_detection', 'crash', 0, T0) }, ctx);
    at(T0 + 2 * MIN);
    applyIncidentInput(s, { type: 'alarm', evidence: counter('tf-a', 0.001, now) }, ctx);
    at(T0 + 3 * MIN);
    applyIncidentInput(s, { type: 'event', evidence: report('hotline', 'a-call', 'citizen_report', 'traffic', 0.0005, now) }, ctx);
    expect([...s.incidents.values()].map((i) => i.type)).toEqual(['traffic_accident']);
    return { s, ctx, at, now: () => now };
  }
  // Crash B 4 km south of the bridge (≈ 0.036° of latitude), 20 minutes later.
  const B = -0.036;

  it('a crash 4 km away 20 min later, seen by a camera, gets its own incident with its counter and calls', () => {
    const { s, ctx, at, now } = crashA();
    const a = [...s.incidents.values()][0]!;
    at(T0 + 20 * MIN);
    applyIncidentInput(s, { type: 'event', evidence: report('video', 'b-cam', 'video_detection', 'crash', B, now()) }, ctx);
    at(T0 + 21 * MIN);
    applyIncidentInput(s, { type: 'alarm', evidence: counter('tf-b', B + 0.001, now()) }, ctx);
    at(T0 + 22 * MIN);
    applyIncidentInput(s, { type: 'event', evidence: report('hotline', 'b-call-1', 'citizen_report', 'traffic', B - 0.0005, now()) }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('hotline', 'b-call-2', 'citizen_report', 'traffic', B + 0.0005, now()) }, ctx);
    expect(s.incidents.size).toBe(2);
    const b = [...s.incidents.values()].find((i) => i !== a)!;
    expect(b.evidence.map((e) => e.id).sort()).toEqual([
      'alarm:tf-b',
      'event:hotline:b-call-1',
      'event:hotline:b-call-2',
      'event:video:b-cam',
    ]);
    expect(a.evidence.some((e) => e.id.includes('b-') || e.id === 'alarm:tf-b')).toBe(false);
  });

  it('a manual report of the second crash opens its own incident, and its calls go to it', () => {
    const { s, ctx, at, now } = crashA();
    const a = [...s.incidents.values()][0]!;
    at(T0 + 20 * MIN);
    applyIncidentInput(s, { type: 'event', evidence: report('police', 'b-manual', 'manual_report', 'crash', B, now()) }, ctx);
    at(T0 + 22 * MIN);
    applyIncidentInput(s, { type: 'event', evidence: report('hotline', 'b-call-1', 'citizen_report', 'traffic', B - 0.0005, now()) }, ctx);
    expect(s.incidents.size).toBe(2);
    const b = [...s.incidents.values()].find((i) => i !== a)!;
    expect(b.evidence.map((e) => e.id).sort()).toEqual(['event:hotline:b-call-1', 'event:police:b-manual']);
  });

  // Without a camera (or a manual report) nothing tells such a crash from the queue of the first:
  // a counter and calls 4 km up the approach are what the queue behind a bridge crash looks like
  // too (docs/incidents.md, "Spill-over"). They join the open crash as spill-over, each with its
  // distance, for the operator to judge.
  it('a crash 4 km away 20 min later without a camera: its counter and calls join the open crash as spill-over', () => {
    const { s, ctx, at, now } = crashA();
    at(T0 + 20 * MIN);
    applyIncidentInput(s, { type: 'alarm', evidence: counter('tf-b', B + 0.001, now()) }, ctx);
    at(T0 + 22 * MIN);
    applyIncidentInput(s, { type: 'event', evidence: report('hotline', 'b-call-1', 'citizen_report', 'traffic', B - 0.0005, now()) }, ctx);
    applyIncidentInput(s, { type: 'event', evidence: report('hotline', 'b-call-2', 'citizen_report', 'traffic', B + 0.0005, now()) }, ctx);
    expect(s.incidents.size).toBe(1);
    const a = [...s.incidents.values()][0]!;
    const b = a.evidence.filter((e) => e.id === 'alarm:tf-b' || e.id.startsWith('event:hotline:b-'));
    expect(b.map((e) => e.why.code)).toEqual(['spill_over', 'spill_over', 'spill_over']);
    for (const e of b) expect(Number((e.why.params as { distanceM?: number }).distanceM)).toBeGreaterThan(800);
  });
});
