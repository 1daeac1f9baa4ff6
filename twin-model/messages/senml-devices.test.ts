/**
 * Devices as they come (contracts.md v1.1): the SenML examples of RFC 8428 §5.1 through a
 * sensor's topic and a gateway's, device names (externalIds), declared kinds, unit conversion,
 * unknown devices kept.
 */
import { describe, expect, it } from 'vitest';
import { RFC8428_SECTIONS, RFC_DEVICE, RFC_DEVICE_2, RFC_TIMES, rfc8428Example } from '../../test/support/rfc8428.ts';
import { DeviceDirectory, deviceSensorId } from '../device-directory.ts';
import { Vocabulary } from '../vocabulary-registry.ts';
import { MAX_SEEN_UNIT, seenUnit, unitMetricName, unitOfUnitMetric } from './device-metrics.ts';
import { parseDataPayload, parseGatewayPayload } from './payload-parser.ts';
import { parseMetaPayload } from './record-parsers.ts';

const enc = (v: unknown) => Buffer.from(JSON.stringify(v));
const NOW = Date.UTC(2026, 6, 1);

/**
 * A city with the RFC's devices registered: the 1-wire multi-sensor of §5.1.1–5.1.5 (a declared
 * kind with every metric the examples send), the power meter of §5.1.2's second pack, the
 * aggregating device of §5.1.6 — and a v1 temperature sensor and water level.
 */
function rfcCity(): DeviceDirectory {
  const vocabulary = Vocabulary.of([
    {
      kind: 'rfc_multisensor',
      label: { zh: '多参数传感器', en: 'Multi-sensor' },
      metrics: { temp: 'Cel', voltage: 'V', current: 'A', humidity: '%RH', lon: 'lon', lat: 'lat', battery: '%EL' },
    },
    { kind: 'power_meter', label: { zh: '电表', en: 'Power meter' }, metrics: { voltage: 'V', current: 'A' } },
    { kind: 'room_climate', label: { zh: '室内环境', en: 'Room climate' }, metrics: { temperature: 'Cel', humidity: '%RH' } },
  ]);
  return new DeviceDirectory(vocabulary, [
    { id: 'ms-1', kind: 'rfc_multisensor', externalIds: [`${RFC_DEVICE}:`] },
    { id: 'pm-2', kind: 'power_meter', externalIds: [RFC_DEVICE_2] },
    { id: 'room-2', kind: 'room_climate', externalIds: ['2001:db8::2/'] },
    { id: 'tp-1', kind: 'temperature', externalIds: ['urn:dev:mac:0024befffe804ff1'] },
    { id: 'wl-1', kind: 'water_level' },
  ]);
}

/** A receive time just after each example's own times (the ingest refuses readings over 30 days old). */
function receivedFor(section: string): number {
  if (section === '5.1.2b') return RFC_TIMES.t512b + 1000;
  if (section === '5.1.3' || section === '5.1.4') return RFC_TIMES.t513 + 200_000;
  if (section === '5.1.6') return RFC_TIMES.t516 + 1000;
  return NOW;
}

describe('RFC 8428 §5.1 examples on the registered sensor topic', () => {
  it('§5.1.1: a reading named by the device URN alone takes the metric its unit fits', () => {
    const r = parseDataPayload(rfc8428Example('5.1.1'), 'ms-1', NOW, undefined, false, rfcCity());
    expect(r).toEqual({ ok: true, readings: [{ metric: 'temp', ts: NOW, value: 23.1 }], texts: [] });
    // A v1 temperature sensor: Cel fits air_temp_c, not humidity_pct (%RH).
    const v1 = parseDataPayload(enc([{ n: 'urn:dev:mac:0024befffe804ff1', u: 'Cel', v: 23.1 }]), 'tp-1', NOW, undefined, false, rfcCity());
    expect(v1).toMatchObject({ ok: true, readings: [{ metric: 'air_temp_c', value: 23.1 }] });
  });

  it('§5.1.2: base names that are the device URN, base units, bver and relative times', () => {
    const a = parseDataPayload(rfc8428Example('5.1.2a'), 'ms-1', NOW, undefined, false, rfcCity());
    expect(a).toEqual({
      ok: true,
      readings: [
        { metric: 'voltage', ts: NOW, value: 120.1 },
        { metric: 'current', ts: NOW, value: 1.2 },
      ],
      texts: [],
    });
    const at = receivedFor('5.1.2b');
    const b = parseDataPayload(rfc8428Example('5.1.2b'), 'pm-2', at, undefined, false, rfcCity());
    expect(b).toEqual({
      ok: true,
      readings: [
        { metric: 'voltage', ts: RFC_TIMES.t512b, value: 120.1 },
        ...[1.2, 1.3, 1.4, 1.5, 1.6].map((value, k) => ({ metric: 'current', ts: RFC_TIMES.t512b - (5 - k) * 1000, value })),
        { metric: 'current', ts: RFC_TIMES.t512b, value: 1.7 },
      ],
      texts: [],
    });
  });

  it('§5.1.3 and §5.1.4: records named by the device alone, told apart by unit; packed and resolved forms agree', () => {
    const at = receivedFor('5.1.3');
    const packed = parseDataPayload(rfc8428Example('5.1.3'), 'ms-1', at, undefined, false, rfcCity());
    const resolved = parseDataPayload(rfc8428Example('5.1.4'), 'ms-1', at, undefined, false, rfcCity());
    expect(packed.ok).toBe(true);
    if (!packed.ok) return;
    expect(packed.readings).toHaveLength(13);
    expect(packed.readings.slice(0, 4)).toEqual([
      { metric: 'humidity', ts: RFC_TIMES.t513, value: 20 },
      { metric: 'lon', ts: RFC_TIMES.t513, value: 24.30621 },
      { metric: 'lat', ts: RFC_TIMES.t513, value: 60.07965 },
      { metric: 'humidity', ts: RFC_TIMES.t513 + 60_000, value: 20.3 },
    ]);
    expect(packed.readings.find((r) => r.metric === 'battery')).toEqual({ metric: 'battery', ts: RFC_TIMES.t513 + 150_000, value: 98 });
    expect(resolved).toEqual(packed);
  });

  it('§5.1.5: numeric, string, boolean and data values', () => {
    const r = parseDataPayload(rfc8428Example('5.1.5'), 'ms-1', NOW, undefined, false, rfcCity());
    expect(r).toEqual({
      ok: true,
      readings: [{ metric: 'temp', ts: NOW, value: 23.1 }],
      texts: [
        { metric: 'label', ts: NOW, value: 'Machine Room' },
        { metric: 'open', ts: NOW, value: 'false' },
        { metric: 'nfv-reader', ts: NOW, value: 'aGkgCg' },
      ],
    });
  });

  it('§5.1.6: a collection of two devices is refused on one sensor topic, naming the record of the other device', () => {
    const r = parseDataPayload(rfc8428Example('5.1.6'), 'room-2', receivedFor('5.1.6'), undefined, false, rfcCity());
    expect(r).toMatchObject({
      ok: false,
      reason: 'bad_schema',
      detail: expect.stringMatching(/^record 2: SenML name "2001:db8::1\/temperature"/),
    });
  });

  it('before v1.1 the base name had to be the sensor id: without the device name bound, §5.1.2 is still refused with the way out', () => {
    const r = parseDataPayload(rfc8428Example('5.1.2a'), 'wl-1', NOW, undefined, false, rfcCity());
    expect(r).toMatchObject({ ok: false, reason: 'bad_schema', detail: expect.stringContaining('no external ids (meta "externalIds")') });
  });
});

describe('RFC 8428 §5.1 examples on a gateway topic', () => {
  it.each(RFC8428_SECTIONS)('§%s: every record lands on its registered sensor', (section) => {
    const r = parseGatewayPayload(rfc8428Example(section), 'gw-1', receivedFor(section), undefined, rfcCity());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const expected: Record<string, string[]> = {
      '5.1.1': ['ms-1'],
      '5.1.2a': ['ms-1'],
      '5.1.2b': ['pm-2'],
      '5.1.3': ['ms-1'],
      '5.1.4': ['ms-1'],
      '5.1.5': ['ms-1'],
      '5.1.6': ['room-2', '2001-db8--1'],
    };
    expect(r.devices.map((d) => d.sensorId)).toEqual(expected[section]);
    // Same readings as on the sensor's own topic.
    if (section !== '5.1.6') {
      const own = parseDataPayload(rfc8428Example(section), r.devices[0]!.sensorId, receivedFor(section), undefined, false, rfcCity());
      expect(own).toMatchObject({ ok: true, readings: r.devices[0]!.readings, texts: r.devices[0]!.texts });
    }
  });

  it('§5.1.6: the device nobody registered is kept under its name, as an unregistered sensor', () => {
    const r = parseGatewayPayload(rfc8428Example('5.1.6'), 'gw-1', receivedFor('5.1.6'), undefined, rfcCity());
    expect(r).toEqual({
      ok: true,
      devices: [
        {
          sensorId: 'room-2',
          unknownDevice: false,
          deviceName: null,
          readings: [
            { metric: 'temperature', ts: RFC_TIMES.t516, value: 25.2 },
            { metric: 'humidity', ts: RFC_TIMES.t516, value: 30 },
          ],
          texts: [],
        },
        {
          sensorId: '2001-db8--1',
          unknownDevice: true,
          deviceName: '2001:db8::1/',
          readings: [
            { metric: 'temperature', ts: RFC_TIMES.t516, value: 12.3 },
            { metric: 'humidity', ts: RFC_TIMES.t516, value: 67 },
          ],
          texts: [],
        },
      ],
    });
  });

  it('with no device registered at all, every example is kept (never dropped) under its device names', () => {
    const bare = new DeviceDirectory();
    for (const section of RFC8428_SECTIONS) {
      const r = parseGatewayPayload(rfc8428Example(section), 'gw-1', receivedFor(section), undefined, bare);
      expect(r, section).toMatchObject({ ok: true });
      if (!r.ok) continue;
      expect(r.devices.every((d) => d.unknownDevice)).toBe(true);
    }
    const single = parseGatewayPayload(rfc8428Example('5.1.1'), 'gw-1', NOW, undefined, bare);
    expect(single).toMatchObject({
      ok: true,
      devices: [{ sensorId: 'urn-dev-ow-10e2073a01080063', readings: [{ metric: 'value_Cel', value: 23.1 }] }],
    });
    const byUnit = parseGatewayPayload(rfc8428Example('5.1.3'), 'gw-1', receivedFor('5.1.3'), undefined, bare);
    expect(byUnit.ok && [...new Set(byUnit.devices[0]!.readings.map((x) => x.metric))]).toEqual([
      'value_pctRH',
      'value_lon',
      'value_lat',
      'value_pctEL',
    ]);
  });

  it('a known sensor is also reached as `<sensorId>:`, its vocabulary units converted', () => {
    const r = parseGatewayPayload(enc([{ bn: 'wl-1:', n: 'water_level_cm', u: 'm', v: 0.34 }]), 'gw-1', NOW, undefined, rfcCity());
    expect(r).toMatchObject({
      ok: true,
      devices: [{ sensorId: 'wl-1', unknownDevice: false, readings: [{ metric: 'water_level_cm', value: 34 }] }],
    });
  });

  it('a gateway may speak only for the sensors its credentials allow', () => {
    const dir = rfcCity();
    dir.setGatewayPolicy((gw, sensor) => gw === 'gw-1' && sensor.startsWith('ms-'));
    expect(parseGatewayPayload(rfc8428Example('5.1.1'), 'gw-1', NOW, undefined, dir)).toMatchObject({ ok: true });
    expect(parseGatewayPayload(rfc8428Example('5.1.1'), 'gw-2', NOW, undefined, dir)).toEqual({
      ok: false,
      reason: 'not_permitted',
      detail: 'record 0: gateway gw-2 may not publish for sensor ms-1',
    });
  });

  it('derives the sensor id of an unknown device from its name', () => {
    expect(deviceSensorId('urn:dev:ow:10e2073a01080063:')).toBe('urn-dev-ow-10e2073a01080063');
    expect(deviceSensorId('2001:db8::2/')).toBe('2001-db8--2');
    const long = deviceSensorId(`urn:dev:ops:${'x'.repeat(100)}`);
    expect(long).toMatch(/^urn-dev-ops-x+-[0-9a-f]{8}$/);
    expect(long).toHaveLength(64);
    expect(unitMetricName(undefined)).toBe('value');
    expect(unitMetricName('1/min')).toBe('value_1permin');
  });

  it("reads the unit back from an unknown device's unit metric, by its canonical name", () => {
    expect(unitOfUnitMetric('value_Cel')).toBe('Cel');
    expect(unitOfUnitMetric(unitMetricName('°C'))).toBe('Cel');
    expect(unitOfUnitMetric('value_pctRH')).toBe('%RH');
    expect(unitOfUnitMetric('value_1permin')).toBe('1/min');
    expect(unitOfUnitMetric('value_kWh:sum')).toBe('kWh');
    expect(unitOfUnitMetric('value')).toBeNull();
    expect(unitOfUnitMetric('value_furlong')).toBeNull();
    expect(unitOfUnitMetric('temperature')).toBeNull();
  });
});

describe('units: converted where convertible, refused naming both units where not', () => {
  const dir = rfcCity();
  const one = (rec: Record<string, unknown>, sensor = 'wl-1') => parseDataPayload(enc([rec]), sensor, NOW, undefined, false, dir);
  it.each([
    [{ n: 'water_level_cm', u: 'm', v: 0.42 }, 42],
    [{ n: 'water_level_cm', u: 'mm', v: 87 }, 8.7],
    [{ n: 'water_level_cm', u: 'cm', v: 12 }, 12],
  ])('%j → %s cm', (rec, value) => {
    expect(one(rec)).toMatchObject({ ok: true, readings: [{ metric: 'water_level_cm', value }] });
  });
  it('K → Cel for a v1 metric and for a declared one', () => {
    expect(one({ n: 'air_temp_c', u: 'K', v: 296.25 }, 'tp-1')).toMatchObject({ ok: true, readings: [{ value: 23.1 }] });
    expect(one({ bn: `${RFC_DEVICE}:`, n: 'temp', u: 'K', v: 300 }, 'ms-1')).toMatchObject({
      ok: true,
      readings: [{ metric: 'temp', value: 26.85 }],
    });
  });
  it('speed and pressure', () => {
    const v = Vocabulary.of([
      { kind: 'weather_station', label: { zh: '气象站', en: 'Weather station' }, metrics: { wind_ms: 'm/s', pressure_hpa: 'hPa' } },
    ]);
    const d = new DeviceDirectory(v, [{ id: 'ws-1', kind: 'weather_station' }]);
    const r = parseDataPayload(
      enc([
        { bn: 'ws-1:', n: 'wind_ms', u: 'km/h', v: 36 },
        { n: 'pressure_hpa', u: 'Pa', v: 101325 },
      ]),
      'ws-1',
      NOW,
      undefined,
      false,
      d,
    );
    expect(r).toMatchObject({ ok: true, readings: [{ value: 10 }, { value: 1013.25 }] });
    expect(parseDataPayload(enc([{ n: 'speed_kmh', u: 'm/s', v: 10 }]), 'tf-1', NOW, undefined, false, d)).toMatchObject({
      ok: true,
      readings: [{ metric: 'speed_kmh', value: 36 }],
    });
  });
  it('an inconvertible unit is unit_mismatch, naming both units', () => {
    expect(one({ n: 'water_level_cm', u: 'Cel', v: 3 })).toEqual({
      ok: false,
      reason: 'unit_mismatch',
      detail: 'record 0: water_level_cm is in "cm"; unit "Cel" (temperature) cannot be converted to "cm" (length)',
    });
    expect(one({ bn: 'ms-1:', n: 'humidity', u: 'dB', v: 40 }, 'ms-1')).toEqual({
      ok: false,
      reason: 'unit_mismatch',
      detail: 'record 0: humidity is in "%RH"; unit "dB" cannot be converted to "%RH": "dB" is not a unit the conversion table knows',
    });
  });
  it('the v1 spellings still count as the fixed unit', () => {
    expect(one({ n: 'air_temp_c', u: '°C', v: 21 }, 'tp-1')).toMatchObject({ ok: true, readings: [{ value: 21 }] });
    expect(one({ n: 'humidity_pct', u: '%', v: 55 }, 'tp-1')).toMatchObject({ ok: true, readings: [{ value: 55 }] });
  });
  it('a name-only record whose unit fits no metric of the kind is unknown_metric, listing the kind`s metrics', () => {
    const d = new DeviceDirectory(new Vocabulary(), [{ id: 'rg-1', kind: 'rain_gauge', externalIds: [RFC_DEVICE] }]);
    expect(parseDataPayload(rfc8428Example('5.1.1'), 'rg-1', NOW, undefined, false, d)).toEqual({
      ok: false,
      reason: 'unknown_metric',
      detail: `record 0: the name "${RFC_DEVICE}" names sensor rg-1 but no metric, and the unit "Cel" fits none of kind rain_gauge's metrics (rainfall_mm_h [mm/h])`,
    });
  });
});

describe('declared kinds and device names in meta', () => {
  it('a `temperature` reading in Cel: unknown_metric until a kind declares it, then stored (and K converted)', () => {
    const dir = new DeviceDirectory();
    const reading = enc([{ bn: 'urn:dev:mac:0024befffe804ff1:', n: 'temperature', u: 'Cel', v: 21.5 }]);
    expect(parseDataPayload(reading, 'th-9', NOW, undefined, false, dir)).toMatchObject({ ok: false });
    const meta = parseMetaPayload(
      enc({ kind: 'thermometer', lng: 15.6, lat: 48.2, metrics: { temperature: 'Cel' }, externalIds: ['urn:dev:mac:0024befffe804ff1:'] }),
      undefined,
      dir,
      'th-9',
    );
    expect(meta.ok).toBe(true);
    if (!meta.ok || !meta.meta) return;
    dir.vocabulary.declare({ kind: meta.meta.kind, metrics: meta.meta.metrics! }, 'meta');
    dir.learnMeta('th-9', meta.meta);
    expect(parseDataPayload(reading, 'th-9', NOW, undefined, false, dir)).toMatchObject({
      ok: true,
      readings: [{ metric: 'temperature', value: 21.5 }],
    });
    const kelvin = enc([{ bn: 'urn:dev:mac:0024befffe804ff1:', n: 'temperature', u: 'K', v: 294.65 }]);
    expect(parseDataPayload(kelvin, 'th-9', NOW, undefined, false, dir)).toMatchObject({ ok: true, readings: [{ value: 21.5 }] });
  });

  it('refuses meta of an undeclared kind, a non-SenML unit, a changed v1 unit, and a name another sensor has', () => {
    const dir = rfcCity();
    const meta = (body: Record<string, unknown>, id = 'x-1') =>
      parseMetaPayload(enc({ lng: 15.6, lat: 48.2, ...body }), undefined, dir, id);
    expect(meta({ kind: 'soil_moisture' })).toMatchObject({
      ok: false,
      reason: 'bad_schema',
      detail: expect.stringContaining('declare it with "metrics"'),
    });
    expect(meta({ kind: 'soil_moisture', metrics: { vwc: 'percent' } })).toMatchObject({
      ok: false,
      detail: expect.stringContaining('unit "percent" is not a SenML unit'),
    });
    expect(meta({ kind: 'flood_gauge', metrics: { water_level_cm: 'm' } })).toMatchObject({
      ok: false,
      detail: expect.stringContaining('metric "water_level_cm" has the unit "cm" (v1 vocabulary), not "m"'),
    });
    expect(meta({ kind: 'rain_gauge', metrics: { rainfall_mm_h: 'mm/h', extra: 'm' } })).toMatchObject({
      ok: false,
      detail: expect.stringContaining('is a v1 kind; its metrics are fixed'),
    });
    expect(meta({ kind: 'temperature', externalIds: [`${RFC_DEVICE}:`] })).toMatchObject({
      ok: false,
      detail: expect.stringContaining(`"${RFC_DEVICE}:" is the name of sensor ms-1`),
    });
    expect(meta({ kind: 'temperature', externalIds: [`${RFC_DEVICE}:`] }, 'ms-1')).toMatchObject({ ok: true });
    expect(meta({ kind: 'room_climate' })).toMatchObject({ ok: true });
  });
});

describe('the unit a metric the vocabulary does not know came in', () => {
  const bare = new DeviceDirectory();
  const pack = (records: unknown[]) => parseGatewayPayload(enc(records), 'gw-1', NOW, undefined, bare);

  it('is kept per metric, once per message, the newest winning; a vocabulary metric keeps none', () => {
    const r = pack([
      { bn: 'urn:dev:mac:0024befffe804ff1:', n: 'temp', u: 'Cel', v: 21.5 },
      { n: 'temp', u: 'Cel', v: 21.6 },
      { n: 'pressure', u: 'hPa', v: 1003 },
      { n: 'temp', u: 'K', v: 295 },
      { bn: 'wl-9:', n: 'water_level_cm', u: 'cm', v: 3 },
    ]);
    expect(r).toMatchObject({
      ok: true,
      devices: [
        {
          sensorId: 'urn-dev-mac-0024befffe804ff1',
          units: [
            { metric: 'temp', unit: 'K' },
            { metric: 'pressure', unit: 'hPa' },
          ],
        },
        { sensorId: 'wl-9' },
      ],
    });
    // A vocabulary metric's unit is the vocabulary's: nothing kept for it.
    expect(r.ok && r.devices[1]!.units).toBeUndefined();
    // No unit sent: nothing noted (and no array made).
    const none = pack([{ bn: 'dev-a:', n: 'temp', v: 1 }]);
    expect(none.ok && none.devices[0]!.units).toBeUndefined();
    // A name-only record's unit goes with its value_<unit> metric; a sum's with its metric.
    expect(pack([{ bn: 'dev-b', u: 'Cel', v: 2 }])).toMatchObject({
      ok: true,
      devices: [{ units: [{ metric: 'value_Cel', unit: 'Cel' }] }],
    });
    expect(pack([{ bn: 'dev-c:', n: 'energy', u: 'kWh', s: 7 }])).toMatchObject({
      ok: true,
      devices: [{ readings: [{ metric: 'energy:sum', value: 7 }], units: [{ metric: 'energy', unit: 'kWh' }] }],
    });
  });

  it('is refused (kept as no unit, the reading still stored) when it is long or has characters a unit has not', () => {
    for (const unit of ['<img src=x onerror=alert(1)>', 'a'.repeat(25), '\u202Ecm', 'm\n', 'deg C', '', '$' + '{x}']) {
      const r = pack([{ bn: 'dev-h:', n: 'level', u: unit, v: 3 }]);
      expect(r, JSON.stringify(unit)).toMatchObject({
        ok: true,
        devices: [{ readings: [{ metric: 'level', value: 3 }], units: [{ metric: 'level', unit: '' }] }],
      });
    }
    for (const unit of ['Cel', '°C', 'µg/m³', 'm/s2', 'kg·m', 'a'.repeat(24), 'Ω', '1/min', '%RH']) {
      expect(pack([{ bn: 'dev-h:', n: 'level', u: unit, v: 3 }]), unit).toMatchObject({
        ok: true,
        devices: [{ units: [{ metric: 'level', unit }] }],
      });
    }
    expect(seenUnit('x'.repeat(MAX_SEEN_UNIT + 1))).toBeNull();
  });
});
