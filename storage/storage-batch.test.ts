import { describe, expect, it } from 'vitest';
import { registryRowOf } from './registry-store.ts';
import { ReadingRows } from './reading-rows.ts';
import { batchJsonTables, emptyBatch, pushReadingRows, readingRow } from './storage-batch.ts';

const AT = 1_767_225_600_000;

/** The rows' lines, each with its newline. */
function linesOf(rows: ReadingRows): string[] {
  return rows.text().split(/(?<=\n)/);
}

describe('storage batch', () => {
  it('writes the readings of a message as the same lines, one or many', () => {
    const readings = [
      { metric: 'water_level_cm', ts: AT, value: 3.5 },
      { metric: 'water_level_cm', ts: AT + 1, value: -0.25 },
    ];
    const rows = new ReadingRows();
    pushReadingRows(rows, 'sensor', 'wl-1', readings, AT + 9);
    pushReadingRows(rows, 'service', 'hall.3', readings.slice(0, 1), AT + 9);
    expect(rows.length).toBe(3);
    expect(linesOf(rows)).toEqual([
      ...readings.map((r) => readingRow('sensor', 'wl-1', r.metric, r.ts, r.value, AT + 9)),
      readingRow('service', 'hall.3', 'water_level_cm', AT, 3.5, AT + 9),
    ]);
    expect(linesOf(rows)[1]).toBe(`sensor\twl-1\twater_level_cm\t${AT + 1}\t-0.25\t${AT + 9}\n`);
  });
  it('gives each table but readings its rows in column order, skipping empty tables', () => {
    const batch = emptyBatch('b-1');
    batch.readings.push(readingRow('sensor', 'wl-1', 'water_level_cm', AT, 3, AT));
    batch.texts.push({ entity: 'sensor', sensorId: 'wl-1', metric: 'note', ts: AT, value: 'dry', receivedAt: AT + 1 });
    batch.sensors.push(registryRowOf('wl-1', { kind: 'water_level', lng: 114.3, lat: 30.6 }, AT));
    batch.events.push({
      source: 'hotline',
      id: 'c1',
      ts: AT,
      type: 'citizen_report',
      category: '',
      lng: 114.3,
      lat: 30.6,
      severity: null,
      text: '',
      receivedAt: AT,
    });
    batch.positions.push({ unitId: 'pump-1', ts: AT, lng: 114.3, lat: 30.6, speed: 12.5, heading: null, status: '', receivedAt: AT });
    expect(batchJsonTables(batch)).toEqual([
      ['readings_text', [['sensor', 'wl-1', 'note', AT, 'dry', AT + 1]]],
      ['sensors', [['wl-1', 'water_level', 114.3, 30.6, '', '', '', '', '', 0, AT]]],
      ['events', [['hotline', 'c1', AT, 'citizen_report', '', 114.3, 30.6, null, '', AT]]],
      ['unit_positions', [['pump-1', AT, 114.3, 30.6, 12.5, null, '', AT]]],
    ]);
  });

  it('writes times as whole epoch ms, at second boundaries and beyond', () => {
    const rows = new ReadingRows();
    const times = [AT, AT + 1, AT + 999, AT + 1000, AT + 1010, AT - 1, 999, 1000, 0, 8_640_000_000_000_000];
    pushReadingRows(
      rows,
      'sensor',
      'wl-1',
      times.map((ts) => ({ metric: 'm', ts, value: 1 })),
      AT,
    );
    expect(linesOf(rows).map((r) => r.split('\t')[3])).toEqual(times.map(String));
    // A fraction of a millisecond would make the engine refuse the whole insert: rounded.
    expect(readingRow('sensor', 'wl-1', 'm', AT + 0.4, 1, AT + 1.5)).toBe(`sensor\twl-1\tm\t${AT}\t1\t${AT + 2}\n`);
    expect(readingRow('sensor', 'wl-1', 'm', AT + 999.6, 1, AT)).toBe(`sensor\twl-1\tm\t${AT + 1000}\t1\t${AT}\n`);
    // Times before 1970 are negative: written as they are.
    expect(readingRow('sensor', 'wl-1', 'm', -1, 1, 5)).toBe('sensor\twl-1\tm\t-1\t1\t5\n');
    expect(readingRow('sensor', 'wl-1', 'm', -1001, 1, 5)).toBe('sensor\twl-1\tm\t-1001\t1\t5\n');
  });

  it('writes values as the engine reads them: negative, very large, very small, negative zero', () => {
    const values = [-0.25, -1e21, 1e21, 1.7976931348623157e308, 5e-324, -0, 123456.789];
    const rows = new ReadingRows();
    pushReadingRows(
      rows,
      'sensor',
      'wl-1',
      values.map((value) => ({ metric: 'm', ts: AT, value })),
      AT,
    );
    expect(linesOf(rows).map((r) => r.split('\t')[4])).toEqual([
      '-0.25',
      '-1e+21',
      '1e+21',
      '1.7976931348623157e+308',
      '5e-324',
      '0',
      '123456.789',
    ]);
  });

  it('refuses a value or a time that is not a finite number, quoting it', () => {
    expect(() => readingRow('sensor', 'wl-1', 'm', AT, Number.NaN, AT)).toThrow('reading value NaN is not a finite number');
    expect(() =>
      pushReadingRows(
        new ReadingRows(),
        'sensor',
        'wl-1',
        [
          { metric: 'm', ts: AT, value: 1 },
          { metric: 'm', ts: AT, value: -Infinity },
        ],
        AT,
      ),
    ).toThrow('reading value -Infinity is not a finite number');
    expect(() => readingRow('sensor', 'wl-1', 'm', Number.NaN, 1, AT)).toThrow('reading time NaN is not a finite epoch ms');
    expect(() => readingRow('sensor', 'wl-1', 'm', AT, 1, Infinity)).toThrow('reading time Infinity is not a finite epoch ms');
  });

  it('writes a reading as one TabSeparated line', () => {
    expect(readingRow('service', 'hall-1', 'queue_length', AT, 7, AT + 2)).toBe(`service\thall-1\tqueue_length\t${AT}\t7\t${AT + 2}\n`);
  });
});
