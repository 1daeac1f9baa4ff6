/** The download formats of the open-data API: CSV (RFC 4180, UTF-8 with BOM for spreadsheets), JSON and GeoJSON. */
import type { DatasetField, DatasetRow } from './catalogue.ts';

export const FORMATS = ['json', 'csv', 'geojson'] as const;
export type OpenDataFormat = (typeof FORMATS)[number];

function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  // A cell starting with = + - @ would be a formula in a spreadsheet: prefixed with ' (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(fields: readonly DatasetField[], rows: readonly DatasetRow[]): string {
  const lines = [fields.map((f) => csvCell(f.name)).join(',')];
  for (const r of rows) lines.push(fields.map((f) => csvCell(r.values[f.name])).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export function toGeoJson(rows: readonly DatasetRow[]): { type: 'FeatureCollection'; features: unknown[] } {
  return {
    type: 'FeatureCollection',
    features: rows.map((r) => ({
      type: 'Feature',
      geometry: r.lngLat ? { type: 'Point', coordinates: r.lngLat } : null,
      properties: r.values,
    })),
  };
}
