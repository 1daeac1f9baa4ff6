import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, topics } from '../twin-model/index.ts';
import { decodePayload, routeTopic } from './message-router.ts';

const NOW = Date.UTC(2026, 6, 1, 8);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Routes and decodes one message the way both the ingest and a web node do. */
function route(topic: string, payload: Buffer, limits = DEFAULT_PARSE_LIMITS) {
  const r = routeTopic(topic);
  if (r.to !== 'handler') throw new Error(`${topic} routed to ${r.to}`);
  return decodePayload(r.topic, payload, NOW, limits);
}

describe('routeTopic', () => {
  it('sends workers stats, audit checkpoints and published alerts to the system route, stats and audit ones marked', () => {
    expect(routeTopic(topics.ingestStats('w-1'))).toEqual({ to: 'system', audit: false, stats: true });
    expect(routeTopic(topics.auditCheckpoints('node-a'))).toEqual({ to: 'system', audit: true, stats: false });
    expect(routeTopic('citytwin/v1/alerts/cap')).toEqual({ to: 'system', audit: false, stats: false });
  });

  it('names what is wrong with a topic outside the scheme or with a bad id', () => {
    expect(routeTopic('x/y')).toMatchObject({ to: 'unroutable', reason: 'unknown_topic', detail: expect.stringContaining('"x/y"') });
    expect(routeTopic('citytwin/v1/sensors/a b/data')).toMatchObject({
      to: 'unroutable',
      reason: 'bad_id',
      detail: expect.stringContaining('"a b"'),
    });
  });

  it('routes each kind of the scheme to its handler', () => {
    expect(routeTopic(topics.sensorData('wl-1'))).toEqual({ to: 'handler', topic: { kind: 'sensor_data', id: 'wl-1' } });
    expect(routeTopic(topics.serviceData('hall-1'))).toEqual({ to: 'handler', topic: { kind: 'service_data', id: 'hall-1' } });
    expect(routeTopic(topics.sensorMeta('wl-1'))).toEqual({ to: 'handler', topic: { kind: 'sensor_meta', id: 'wl-1' } });
    expect(routeTopic(topics.event('hotline'))).toEqual({ to: 'handler', topic: { kind: 'event', source: 'hotline' } });
    expect(routeTopic(topics.unitPosition('u-1'))).toEqual({ to: 'handler', topic: { kind: 'unit_position', id: 'u-1' } });
    expect(routeTopic(topics.capWarning('wuhan-met'))).toEqual({ to: 'handler', topic: { kind: 'cap_warning', source: 'wuhan-met' } });
    expect(routeTopic('citytwin/v1/warnings/a b/cap')).toMatchObject({ to: 'unroutable', reason: 'bad_id' });
    expect(routeTopic('citytwin/v1/warnings/wuhan-met')).toMatchObject({ to: 'unroutable', reason: 'unknown_topic' });
  });
});

describe('decodePayload', () => {
  it('decodes sensor data as sensor readings', () => {
    expect(route(topics.sensorData('wl-1'), json({ ts: NOW, values: { water_level_cm: 12.5 } }))).toEqual({
      ok: true,
      kind: 'data',
      entity: 'sensor',
      id: 'wl-1',
      readings: [{ metric: 'water_level_cm', ts: NOW, value: 12.5 }],
      texts: [],
    });
  });

  it('decodes service data with service metric names outside the sensor vocabulary', () => {
    const m = route(topics.serviceData('hall-1'), json({ ts: NOW, values: { queue_length: 7, counters_open: 3 } }));
    expect(m).toMatchObject({ ok: true, kind: 'data', entity: 'service', id: 'hall-1' });
    expect(m.ok && m.kind === 'data' ? m.readings.map((r) => r.metric).sort() : []).toEqual(['counters_open', 'queue_length']);
  });

  it('decodes an empty meta payload as a cleared registration', () => {
    expect(route(topics.sensorMeta('wl-1'), Buffer.alloc(0))).toEqual({ ok: true, kind: 'meta', id: 'wl-1', meta: null });
  });

  it('decodes an event under the source of its topic', () => {
    const m = route(
      topics.event('hotline'),
      json({ id: 'c-1', ts: NOW, type: 'citizen_report', lng: 114.3, lat: 30.6, severity: 2, text: 'water on the road' }),
    );
    expect(m).toMatchObject({ ok: true, kind: 'event', event: { source: 'hotline', id: 'c-1', type: 'citizen_report' } });
  });

  it('decodes a unit position for the unit of its topic', () => {
    const m = route(topics.unitPosition('u-1'), json({ ts: NOW, lng: 114.3, lat: 30.6, speed: 8, heading: 90 }));
    expect(m).toMatchObject({ ok: true, kind: 'unit_position', position: { unitId: 'u-1', lng: 114.3, lat: 30.6 } });
  });

  it('decodes an official warning (CAP 1.2) from the feed of its topic, and refuses a bad one with its problems', () => {
    const xml = readFileSync(new URL('../twin-model/cap/fixtures/rainstorm-red-warning.xml', import.meta.url), 'utf8');
    const m = route(topics.capWarning('wuhan-met'), Buffer.from(xml));
    expect(m).toMatchObject({ ok: true, kind: 'cap', source: 'wuhan-met', xml, alert: { identifier: '42010041600000_20260701140000' } });
    const bad = route(topics.capWarning('wuhan-met'), Buffer.from(xml.replace('<status>Actual</status>', '<status>actual</status>')));
    expect(bad).toEqual({
      ok: false,
      reason: 'bad_cap',
      detail: expect.stringMatching(/^not a valid CAP 1\.2 alert \(1 problem\): alert\/status: "actual" — /),
    });
    expect(route(topics.capWarning('wuhan-met'), Buffer.from([0xff, 0xfe]))).toMatchObject({ ok: false, reason: 'invalid_utf8' });
    expect(route(topics.capWarning('wuhan-met'), Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'empty' });
  });

  it('refuses a bad payload with the parser reason', () => {
    expect(route(topics.sensorData('wl-1'), Buffer.from('{"ts":'))).toMatchObject({ ok: false, reason: 'invalid_json' });
  });

  it('applies the limits it is given', () => {
    const payload = json({ ts: NOW, values: { water_level_cm: 1 } });
    const limits = { ...DEFAULT_PARSE_LIMITS, maxPayloadBytes: payload.byteLength - 1 };
    expect(route(topics.sensorData('wl-1'), payload, limits)).toMatchObject({ ok: false, reason: 'too_large' });
  });
});
