import { describe, expect, it } from 'vitest';
import { parseDataPayload, DEFAULT_PARSE_LIMITS } from './payload-parser.ts';
import { parseEventPayload, parseMetaPayload, parseUnitPositionPayload } from './record-parsers.ts';
import { parseTopic } from './topics.ts';

const NOW = Date.UTC(2026, 6, 1, 0, 0, 0);
const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('parseTopic', () => {
  it('recognises every v1 topic', () => {
    expect(parseTopic('citytwin/v1/sensors/wl-1/meta')).toEqual({ ok: true, topic: { kind: 'sensor_meta', id: 'wl-1' } });
    expect(parseTopic('citytwin/v1/sensors/wl-1/data')).toEqual({ ok: true, topic: { kind: 'sensor_data', id: 'wl-1' } });
    expect(parseTopic('citytwin/v1/metrics/hall.3/data')).toEqual({ ok: true, topic: { kind: 'service_data', id: 'hall.3' } });
    expect(parseTopic('citytwin/v1/events/hotline12345')).toEqual({ ok: true, topic: { kind: 'event', source: 'hotline12345' } });
    expect(parseTopic('citytwin/v1/units/pump_07/position')).toEqual({ ok: true, topic: { kind: 'unit_position', id: 'pump_07' } });
  });
  it('rejects unknown topics and bad ids with reasons', () => {
    expect(parseTopic('citytwin/v1/sensors/a/b/data')).toMatchObject({ ok: false, reason: 'unknown_topic' });
    expect(parseTopic('other/topic')).toMatchObject({ ok: false, reason: 'unknown_topic' });
    expect(parseTopic('citytwin/v1/sensors/bad id!/data')).toMatchObject({ ok: false, reason: 'bad_id' });
    expect(parseTopic(`citytwin/v1/sensors/${'x'.repeat(65)}/data`)).toMatchObject({ ok: false, reason: 'bad_id' });
  });
  it('quotes a topic or id cut at 80 characters, a line break and an override escaped', () => {
    const hostile = `ab\n\u202ecd${'x'.repeat(494)}`;
    const quoted = `"ab\\n\\u202ecd${'x'.repeat(67)}…`;
    expect(parseTopic(hostile)).toMatchObject({ detail: `topic ${quoted} is not under citytwin/v1/` });
    expect(parseTopic(`citytwin/v1/sensors/${hostile}/data`)).toMatchObject({
      detail: `id ${quoted} is not 1-64 characters of [A-Za-z0-9._-]`,
    });
    const unknown = parseTopic(`citytwin/v1/${hostile}/x`);
    expect(unknown.ok ? '' : unknown.detail).toMatch(/^unknown topic "citytwin\/v1\/ab\\n\\u202ecdx+…; v1 topics are/);
  });
});

describe('native JSON', () => {
  it('accepts epoch ms and RFC 3339 times with several metrics', () => {
    const r = parseDataPayload(enc({ ts: NOW - 1000, values: { vehicles_per_min: 42, speed_kmh: 35.5 } }), 'tf-1', NOW);
    expect(r).toEqual({
      ok: true,
      readings: [
        { metric: 'vehicles_per_min', ts: NOW - 1000, value: 42 },
        { metric: 'speed_kmh', ts: NOW - 1000, value: 35.5 },
      ],
      texts: [],
    });
    const r2 = parseDataPayload(enc({ ts: '2026-07-01T07:59:00+08:00', values: { rainfall_mm_h: 12 } }), 'rg-1', NOW);
    expect(r2).toMatchObject({ ok: true, readings: [{ ts: NOW - 60_000, value: 12 }] });
  });
  it.each([
    ['broken JSON', '{"ts": 1,', 'invalid_json'],
    ['a string value', { ts: NOW, values: { rainfall_mm_h: '12' } }, 'bad_schema'],
    ['"NaN"', { ts: NOW, values: { rainfall_mm_h: 'NaN' } }, 'non_finite'],
    ['1e999 (Infinity)', `{"ts": ${NOW}, "values": {"rainfall_mm_h": 1e999}}`, 'non_finite'],
    ['missing values', { ts: NOW }, 'bad_schema'],
    ['empty values', { ts: NOW, values: {} }, 'bad_schema'],
    ['missing ts', { values: { rainfall_mm_h: 1 } }, 'bad_time'],
    ['epoch seconds', { ts: NOW / 1000, values: { rainfall_mm_h: 1 } }, 'bad_time'],
    ['far future', { ts: NOW + 3600_000, values: { rainfall_mm_h: 1 } }, 'bad_time'],
    ['a bad date string', { ts: 'yesterday', values: { rainfall_mm_h: 1 } }, 'bad_time'],
    ['an unknown metric', { ts: NOW, values: { rainfall: 1 } }, 'unknown_metric'],
    ['a number payload', '42', 'bad_schema'],
  ])('rejects %s', (_name, payload, reason) => {
    expect(parseDataPayload(enc(payload), 'rg-1', NOW)).toMatchObject({ ok: false, reason });
  });
  it('rejects empty, oversize and non-UTF-8 payloads', () => {
    expect(parseDataPayload(new Uint8Array(0), 'rg-1', NOW)).toMatchObject({ ok: false, reason: 'empty' });
    const big = enc({ ts: NOW, values: { rainfall_mm_h: 1 }, pad: 'x'.repeat(DEFAULT_PARSE_LIMITS.maxPayloadBytes) });
    expect(parseDataPayload(big, 'rg-1', NOW)).toMatchObject({ ok: false, reason: 'too_large' });
    expect(parseDataPayload(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'rg-1', NOW)).toMatchObject({ ok: false, reason: 'invalid_utf8' });
  });
  it('reads the metrics in the order they were sent, and only the object\'s own keys (a "__proto__" key is a metric name, refused)', () => {
    const text = (json: string) => new TextEncoder().encode(json);
    const r = parseDataPayload(text(`{"ts":${NOW},"values":{"speed_kmh":35.5,"vehicles_per_min":42,"occupancy_pct":7}}`), 'tf-1', NOW);
    expect(r.ok && r.readings.map((x) => x.metric)).toEqual(['speed_kmh', 'vehicles_per_min', 'occupancy_pct']);
    expect(parseDataPayload(text(`{"ts":${NOW},"values":{"__proto__":1}}`), 'tf-1', NOW)).toMatchObject({
      ok: false,
      reason: 'unknown_metric',
      detail: expect.stringContaining('unknown metric "__proto__"'),
    });
  });

  it('lets service metrics use names outside the sensor vocabulary', () => {
    const r = parseDataPayload(enc({ ts: NOW, values: { online_applications: 12 } }), 'svc-1', NOW, DEFAULT_PARSE_LIMITS, true);
    expect(r).toMatchObject({ ok: true, readings: [{ metric: 'online_applications', value: 12 }] });
  });
});

describe('SenML (RFC 8428)', () => {
  it('resolves base name, base time, relative times and units', () => {
    const bt = NOW / 1000 - 120;
    const pack = [
      { bn: 'wl-9:', bt, bu: 'cm', n: 'water_level_cm', v: 10 },
      { n: 'water_level_cm', t: 60, v: 12.5 },
      { n: 'water_level_cm', t: 120, v: 15 },
    ];
    const r = parseDataPayload(enc(pack), 'wl-9', NOW);
    expect(r).toEqual({
      ok: true,
      readings: [
        { metric: 'water_level_cm', ts: NOW - 120_000, value: 10 },
        { metric: 'water_level_cm', ts: NOW - 60_000, value: 12.5 },
        { metric: 'water_level_cm', ts: NOW, value: 15 },
      ],
      texts: [],
    });
  });
  it('checks and converts each record by its own unit when a pack repeats a name and changes its unit', () => {
    const pack = [
      { bn: 'wl-9:', bt: NOW / 1000, bu: 'cm', n: 'water_level_cm', v: 10 },
      { n: 'water_level_cm', t: -1, v: 11 },
      { n: 'water_level_cm', t: -2, u: 'm', v: 0.5 },
      { n: 'water_level_cm', t: -3, v: 12 },
      { n: 'water_level_cm', t: -4, u: 'm', s: 2 },
    ];
    expect(parseDataPayload(enc(pack), 'wl-9', NOW)).toEqual({
      ok: true,
      readings: [
        { metric: 'water_level_cm', ts: NOW, value: 10 },
        { metric: 'water_level_cm', ts: NOW - 1000, value: 11 },
        { metric: 'water_level_cm', ts: NOW - 2000, value: 50 },
        { metric: 'water_level_cm', ts: NOW - 3000, value: 12 },
        { metric: 'water_level_cm:sum', ts: NOW - 4000, value: 200 },
      ],
      texts: [],
    });
    const refused = parseDataPayload(enc([...pack.slice(0, 2), { n: 'water_level_cm', u: 'ppm', v: 1 }]), 'wl-9', NOW);
    expect(refused).toMatchObject({ ok: false, reason: 'unit_mismatch' });
    expect(!refused.ok && refused.detail).toContain('record 2');
  });
  it('treats times below 2^28 s as relative to the receive time (§4.5.3)', () => {
    const r = parseDataPayload(enc([{ n: 'rainfall_mm_h', t: -30, v: 4 }]), 'rg-2', NOW);
    expect(r).toMatchObject({ ok: true, readings: [{ metric: 'rainfall_mm_h', ts: NOW - 30_000, value: 4 }] });
  });
  it('applies bv and bs, stores sums as <name>:sum and vs/vb/vd as text', () => {
    const pack = [
      { bn: 'rg-3/', bt: NOW / 1000, bv: 1, bs: 100, n: 'rainfall_mm_h', v: 2, s: 5 },
      { n: 'door_open', vb: true },
      { n: 'firmware', vs: '1.2.3' },
      { n: 'blob', vd: 'aGk' },
    ];
    const r = parseDataPayload(enc(pack), 'rg-3', NOW);
    expect(r).toEqual({
      ok: true,
      readings: [
        { metric: 'rainfall_mm_h', ts: NOW, value: 3 },
        { metric: 'rainfall_mm_h:sum', ts: NOW, value: 105 },
      ],
      texts: [
        { metric: 'door_open', ts: NOW, value: 'true' },
        { metric: 'firmware', ts: NOW, value: '1.2.3' },
        { metric: 'blob', ts: NOW, value: 'aGk' },
      ],
    });
  });
  it('accepts a full name without base name', () => {
    const r = parseDataPayload(enc([{ n: 'aq-1:pm25', u: 'ug/m3', v: 35, t: 0 }]), 'aq-1', NOW);
    expect(r).toMatchObject({ ok: true, readings: [{ metric: 'pm25', value: 35 }] });
  });
  it.each([
    ['an empty pack', [], 'bad_schema'],
    ['a record that is not an object', [1], 'bad_schema'],
    ['a base name of another sensor', [{ bn: 'other:', n: 'pm25', v: 1 }], 'bad_schema'],
    ['two value fields', [{ n: 'pm25', v: 1, vs: 'x' }], 'bad_schema'],
    ['no value', [{ n: 'pm25' }], 'bad_schema'],
    ['a wrong unit', [{ n: 'pm25', u: 'ppm', v: 1 }], 'unit_mismatch'],
    ['text for a numeric metric', [{ n: 'pm25', vs: 'high' }], 'bad_schema'],
    ['a non-number v', [{ n: 'pm25', v: 'NaN' }], 'non_finite'],
    ['an unknown metric', [{ n: 'pm2_5', v: 1 }], 'unknown_metric'],
  ])('rejects %s', (_name, pack, reason) => {
    expect(parseDataPayload(enc(pack), 'aq-1', NOW)).toMatchObject({ ok: false, reason });
  });
  it('says which record is bad', () => {
    const r = parseDataPayload(
      enc([
        { n: 'pm25', v: 1 },
        { n: 'pm25', v: 'x' },
      ]),
      'aq-1',
      NOW,
    );
    expect(r).toMatchObject({ ok: false, detail: expect.stringContaining('record 1') });
  });
  it('resolves a repeated name afresh once its base name changes (a pack may name another sensor midway)', () => {
    const pack = [
      { bn: 'wl-1:', n: 'water_level_cm', v: 10 },
      { n: 'water_level_cm', t: 1, v: 11 },
      { bn: 'wl-2:', n: 'water_level_cm', v: 12 },
    ];
    expect(parseDataPayload(enc(pack), 'wl-1', NOW)).toMatchObject({ ok: false, reason: 'bad_schema' });
    const r = parseDataPayload(enc(pack.slice(0, 2)), 'wl-1', NOW);
    expect(r).toMatchObject({
      ok: true,
      readings: [
        { metric: 'water_level_cm', value: 10 },
        { metric: 'water_level_cm', value: 11 },
      ],
    });
  });
  it('names the record in a refusal, past the first records too', () => {
    const pack = [
      { bn: 'wl-1:', n: 'water_level_cm', v: 1 },
      ...Array.from({ length: 5 }, (_, i) => ({ n: 'water_level_cm', t: i, v: i })),
    ];
    pack.push({ n: 'water_level_cm', t: 1e6, v: 1 });
    expect(parseDataPayload(enc(pack), 'wl-1', NOW)).toMatchObject({
      ok: false,
      reason: 'bad_time',
      detail: expect.stringMatching(/^record 6 time /),
    });
  });
});

describe('meta, events and positions', () => {
  it('parses meta and treats an empty retained payload as deregistration', () => {
    expect(
      parseMetaPayload(enc({ kind: 'rain_gauge', lng: 114.3, lat: 30.6, source: 'swj-rain', classification: 'public' })),
    ).toMatchObject({
      ok: true,
      meta: { kind: 'rain_gauge', lng: 114.3 },
    });
    expect(parseMetaPayload(new Uint8Array(0))).toEqual({ ok: true, meta: null });
    expect(parseMetaPayload(enc({ kind: 'volcano', lng: 1, lat: 2 }))).toMatchObject({ ok: false, reason: 'bad_schema' });
    expect(parseMetaPayload(enc({ kind: 'rain_gauge', lng: 200, lat: 2 }))).toMatchObject({ ok: false, reason: 'bad_schema' });
  });
  it('parses events and unit positions', () => {
    const e = parseEventPayload(
      enc({ id: 'c-1', ts: NOW, type: 'citizen_report', lng: 114.3, lat: 30.5, category: 'waterlogging', severity: 3 }),
      'hotline',
      NOW,
    );
    expect(e).toMatchObject({ ok: true, event: { source: 'hotline', id: 'c-1', category: 'waterlogging', severity: 3, text: null } });
    expect(parseEventPayload(enc({ id: 'c-1', ts: NOW, type: 'rumour', lng: 1, lat: 2 }), 'hotline', NOW)).toMatchObject({ ok: false });
    const p = parseUnitPositionPayload(enc({ ts: NOW, lng: 114.3, lat: 30.5, speed: 40 }), 'pump-1', NOW);
    expect(p).toMatchObject({ ok: true, position: { unitId: 'pump-1', speed: 40, heading: null } });
  });
});
