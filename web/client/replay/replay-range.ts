/**
 * The replay range as people type and pick it (pure, shared with the unit tests): the range
 * inputs hold "2026-12-05 08:00" — 24-hour, the zh-CN order of year, month, day — on the CITY's
 * clocks whatever the browser's zone or language; presets (last hour, last 24 h, the incident's
 * span); the export's file name and size estimate.
 */
import { cityOffsetLabel, formatCityDateTime, parseCityDateTime } from '../i18n/format.ts';

/** The zone the inputs are read and written in: the city's, else the browser's. */
function zoneOf(zone: string | null): string {
  return zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A range input's text: "2026-12-05 08:00", with ":ss" only when the moment has seconds. */
export function rangeInputValue(ms: number, zone: string | null): string {
  const text = formatCityDateTime(ms, zoneOf(zone));
  return text.endsWith(':00') ? text.slice(0, 16) : text;
}

/** "UTC+8": the zone's offset at `ms`, shown next to the inputs. */
export function rangeZoneLabel(ms: number, zone: string | null): string {
  return cityOffsetLabel(ms, zoneOf(zone));
}

export type RangeReading =
  | { ok: true; from: number; to: number }
  | { ok: false; problem: 'time'; value: string }
  | { ok: false; problem: 'order'; from: string; to: string };

/** Reads the two inputs on the clocks of `zone`; says which value is not a time, or that the end is not after the start. */
export function readRangeInputs(fromText: string, toText: string, zone: string | null): RangeReading {
  const from = parseCityDateTime(fromText, zoneOf(zone));
  if (from === null) return { ok: false, problem: 'time', value: fromText };
  const to = parseCityDateTime(toText, zoneOf(zone));
  if (to === null) return { ok: false, problem: 'time', value: toText };
  if (to <= from) return { ok: false, problem: 'order', from: fromText.trim(), to: toText.trim() };
  return { ok: true, from, to };
}

export type RangePreset = 'hour' | 'day' | 'incident';

/** The range of a preset at `now` (whole minutes); `incident`: the incident's proposed span, null without one. */
export function presetRange(
  preset: RangePreset,
  now: number,
  incidentSpan: { from: number; to: number } | null,
): { from: number; to: number } | null {
  const end = Math.floor(now / 60_000) * 60_000;
  if (preset === 'hour') return { from: end - 3600_000, to: end };
  if (preset === 'day') return { from: end - 24 * 3600_000, to: end };
  return incidentSpan;
}

/**
 * The export's file name, on the city's clocks: `citytwin-wuhan-2026-12-05_0800-0900.csv`; a
 * range over midnight names both days (`…-2026-12-05_2300-2026-12-06_0100.csv`).
 */
export function exportFileName(cityId: string, from: number, to: number, zone: string | null, format: 'csv' | 'parquet'): string {
  const a = formatCityDateTime(from, zoneOf(zone));
  const b = formatCityDateTime(to, zoneOf(zone));
  const hhmm = (text: string): string => text.slice(11, 16).replace(':', '');
  const day = (text: string): string => text.slice(0, 10);
  const end = day(a) === day(b) ? hhmm(b) : `${day(b)}_${hhmm(b)}`;
  const city = cityId.replace(/[^A-Za-z0-9_-]+/g, '-') || 'city';
  return `citytwin-${city}-${day(a)}_${hhmm(a)}-${end}.${format}`;
}

/**
 * Bytes per exported reading: a CSV row
 * (`"s-00012","water_level","internal","water_level_cm","2026-12-05T00:00:00.000Z",1764892800000,8.52`)
 * is about 95 bytes with values of two decimals and 120 with values at full float precision
 * (test/replay-ux.browser.ts checks a real export lies within 85–135); Parquet's is taken as
 * a tenth of the CSV's (an estimate, not measured).
 */
export const EXPORT_BYTES_PER_ROW = { csv: 110, parquet: 10 } as const;

/** Exports estimated above this many bytes ask before they start. */
export const EXPORT_WARN_BYTES = 50 * 1024 * 1024;

/** The estimated size of an export of `rows` readings. */
export function estimateExportBytes(rows: number, format: 'csv' | 'parquet'): number {
  return Math.round(rows * EXPORT_BYTES_PER_ROW[format]);
}

/** "171 MB", "820 KB", "1.2 GB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
