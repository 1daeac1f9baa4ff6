import { describe, expect, it } from 'vitest';
import {
  estimateExportBytes,
  exportFileName,
  formatBytes,
  presetRange,
  rangeInputValue,
  rangeZoneLabel,
  readRangeInputs,
} from './replay-range.ts';

const SH = 'Asia/Shanghai';
// 2026-12-05 08:00 in Wuhan is 00:00 UTC.
const EIGHT = Date.UTC(2026, 11, 5, 0, 0, 0);

describe('the replay range as typed and picked', () => {
  it('writes the inputs 24-hour on the city clocks, seconds only when there are some', () => {
    expect(rangeInputValue(EIGHT, SH)).toBe('2026-12-05 08:00');
    expect(rangeInputValue(EIGHT + 13 * 3600_000 + 7000, SH)).toBe('2026-12-05 21:00:07');
    expect(rangeZoneLabel(EIGHT, SH)).toBe('UTC+8');
  });

  it('reads them back on the city clocks and says which value is wrong', () => {
    expect(readRangeInputs('2026-12-05 08:00', '2026-12-05 09:00:00', SH)).toEqual({ ok: true, from: EIGHT, to: EIGHT + 3600_000 });
    expect(readRangeInputs('12/05/2026, 8:00 AM', '2026-12-05 09:00', SH)).toEqual({
      ok: false,
      problem: 'time',
      value: '12/05/2026, 8:00 AM',
    });
    expect(readRangeInputs('2026-12-05 08:00', '2026-12-05 25:00', SH)).toEqual({ ok: false, problem: 'time', value: '2026-12-05 25:00' });
    expect(readRangeInputs('2026-12-05 09:00', '2026-12-05 08:00', SH)).toEqual({
      ok: false,
      problem: 'order',
      from: '2026-12-05 09:00',
      to: '2026-12-05 08:00',
    });
  });

  it('presets: the last hour and day in whole minutes, the incident span when there is one', () => {
    const now = EIGHT + 30_500;
    expect(presetRange('hour', now, null)).toEqual({ from: EIGHT - 3600_000, to: EIGHT });
    expect(presetRange('day', now, null)).toEqual({ from: EIGHT - 86_400_000, to: EIGHT });
    expect(presetRange('incident', now, null)).toBeNull();
    expect(presetRange('incident', now, { from: 1, to: 2 })).toEqual({ from: 1, to: 2 });
  });

  it('names the export after the city and the range on its clocks', () => {
    expect(exportFileName('wuhan', EIGHT, EIGHT + 3600_000, SH, 'csv')).toBe('citytwin-wuhan-2026-12-05_0800-0900.csv');
    expect(exportFileName('wuhan', EIGHT + 15 * 3600_000, EIGHT + 17 * 3600_000, SH, 'parquet')).toBe(
      'citytwin-wuhan-2026-12-05_2300-2026-12-06_0100.parquet',
    );
    expect(exportFileName('río town', EIGHT, EIGHT + 60_000, 'UTC', 'csv')).toBe('citytwin-r-o-town-2026-12-05_0000-0001.csv');
  });

  it('estimates the size of an export', () => {
    // An hour of 500 sensors at 1 Hz: 1.8M rows, about 189 MB of CSV.
    expect(formatBytes(estimateExportBytes(1_800_000, 'csv'))).toBe('189 MB');
    expect(formatBytes(estimateExportBytes(1_800_000, 'parquet'))).toBe('17 MB');
    expect(formatBytes(800)).toBe('800 B');
  });
});
