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
