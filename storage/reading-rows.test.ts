import { describe, expect, it } from 'vitest';
import { ReadingRows, tsvField } from './reading-rows.ts';
import { readingRow } from './storage-batch.ts';
import { seededRandom } from '../test/support/seeded-random.ts';

const AT = 1_767_225_600_000;

function valuesOf(rows: ReadingRows): string[] {
  return rows
    .text()
    .split('\n')
    .slice(0, -1)
    .map((line) => line.split('\t')[4]!);
}

describe('reading rows as bytes', () => {
  it('writes each value as JavaScript prints it: 60,000 seeded values of every shape', () => {
    const next = seededRandom(20261205);
    const values: number[] = [];
    for (let i = 0; i < 60_000; i++) {
      const shape = i % 6;
      const r = next();
      if (shape === 0)
        values.push(Math.round(r * 1e6) / 10 ** (i % 7)); // up to six decimals
      else if (shape === 1)
        values.push((r - 0.5) * 10 ** ((i % 40) - 12)); // random doubles, 1e-12 … 1e27
      else if (shape === 2)
        values.push(Math.round((r - 0.5) * 2e4) / 100); // two decimals, signed
      else if (shape === 3)
        values.push(Math.round((r - 0.5) * 2 ** 54)); // whole, up to ±2^53
      else if (shape === 4)
        values.push(0.1 * Math.round(r * 1000)); // 0.30000000000000004 and kin
      else values.push(Math.round(r * 1e15) / 1e15 + Math.round(r * 1e4)); // many digits beside a whole part
    }
    values.push(0, -0, 0.1 + 0.2, 1e-6, 9.99e-7, 1e-7, 999_999_999_999_999.9, 1e15 + 0.5, 2 ** 53, -(2 ** 53), 2 ** 53 + 2);
    values.push(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, 1e21, 1e21 - 65_536, 123456.789, 0.000_001_5);
    const rows = new ReadingRows(256);
    rows.pushMessage(
      'sensor',
      'wl-1',
      values.map((value, i) => ({ metric: 'm', ts: AT + i, value })),
      AT,
    );
    expect(rows.length).toBe(values.length);
    expect(valuesOf(rows)).toEqual(values.map((v) => `${v}`));
  });

  it('writes the same bytes as readingRow for times of every size, whole or not', () => {
    const times = [AT, AT + 0.4, AT + 999.6, 0, 1, -1, -1001, 99_999_999, 100_000_000, 8_640_000_000_000_000, 2 ** 53 - 1, 1e20];
    const rows = new ReadingRows();
    for (const ts of times) rows.pushMessage('service', 'hall-1', [{ metric: 'queue_length', ts, value: 7 }], ts + 0.5);
    expect(rows.text()).toBe(times.map((ts) => readingRow('service', 'hall-1', 'queue_length', ts, 7, ts + 0.5)).join(''));
  });

  it('escapes tabs, newlines, carriage returns and backslashes in names and writes other text as UTF-8', () => {
    const names = ['a\tb', 'line\nbreak', 'cr\rx', 'back\\slash', '水位_cm', 'é\\t', '😀', 'plain.name:sum'];
    const rows = new ReadingRows();
    for (const name of names) rows.pushMessage('sensor', `id-${name}`, [{ metric: name, ts: AT, value: 1.5 }], AT);
    const expected = names.map((name) => readingRow('sensor', `id-${name}`, name, AT, 1.5, AT)).join('');
    expect(rows.text()).toBe(expected);
    expect(rows.bytes().equals(Buffer.from(expected, 'utf8'))).toBe(true);
    expect(rows.length).toBe(names.length);
    expect(tsvField('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(tsvField('wl-1')).toBe('wl-1');
  });

  it('grows past its first buffer without changing a byte', () => {
    const rows = new ReadingRows(256);
    const pack = Array.from({ length: 5_000 }, (_, i) => ({ metric: i % 2 ? 'water_level_cm' : 'battery_pct', ts: AT + i, value: i / 4 }));
    rows.pushMessage('sensor', 'wl-7', pack, AT + 9);
    expect(rows.text()).toBe(pack.map((r) => readingRow('sensor', 'wl-7', r.metric, r.ts, r.value, AT + 9)).join(''));
  });

  it('leaves no row of a message whose reading is refused, and says which value', () => {
    const rows = new ReadingRows();
    rows.pushMessage('sensor', 'wl-1', [{ metric: 'm', ts: AT, value: 1 }], AT);
    const before = rows.text();
    const pack = [
      { metric: 'm', ts: AT + 1, value: 2 },
      { metric: 'm', ts: AT + 2, value: Number.NaN },
    ];
    expect(() => rows.pushMessage('sensor', 'wl-1', pack, AT)).toThrow('reading value NaN is not a finite number');
    expect(() => rows.pushMessage('sensor', 'wl-1', [{ metric: 'm', ts: Infinity, value: 1 }], AT)).toThrow(
      'reading time Infinity is not a finite epoch ms',
    );
    expect(rows.length).toBe(1);
    expect(rows.text()).toBe(before);
  });

  it('truncates back to a mark, counting the rows dropped', () => {
    const rows = new ReadingRows();
    rows.pushMessage('sensor', 'wl-1', [{ metric: 'm', ts: AT, value: 1 }], AT);
    const mark = rows.byteLength;
    rows.pushMessage(
      'sensor',
      'wl-2',
      [1, 2, 3].map((value) => ({ metric: 'm', ts: AT, value })),
      AT,
    );
    expect(rows.length).toBe(4);
    rows.truncate(mark);
    expect(rows.length).toBe(1);
    expect(rows.text()).toBe(readingRow('sensor', 'wl-1', 'm', AT, 1, AT));
    expect(() => rows.truncate(mark + 1)).toThrow(`truncate mark ${mark + 1} is outside the ${mark} bytes written`);
  });

  it('takes lines built by readingRow, refusing one without its newline', () => {
    const rows = new ReadingRows();
    rows.push(readingRow('sensor', 'wl-1', 'm', AT, 1, AT), readingRow('sensor', '水-1', 'm', AT, 2, AT));
    expect(rows.length).toBe(2);
    expect(rows.text()).toBe(`sensor\twl-1\tm\t${AT}\t1\t${AT}\nsensor\t水-1\tm\t${AT}\t2\t${AT}\n`);
    expect(() => rows.push('sensor\twl-1')).toThrow('a reading row must end with a newline, got "sensor\\twl-1"');
  });
});
