/**
 * CAP date-times (§3.3.2 "DateTime Data Type"): `YYYY-MM-DDThh:mm:ss` followed by the offset
 * from UTC as `+hh:mm` or `-hh:mm`. "Alphabetic timezone designators such as 'Z' MUST NOT be
 * used. The timezone for UTC MUST be represented as '-00:00'." No fractional seconds (the 1.2
 * schema's pattern is `\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-,+]\d\d:\d\d`). The zone's offset
 * comes from the city's one clock (../local-time.ts).
 */
import { utcOffsetMinutes } from '../local-time.ts';

const CAP_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})$/;

/** What a CAP date-time looks like, for error messages. */
export const CAP_DATE_TIME_FORM =
  'YYYY-MM-DDThh:mm:ss with the offset from UTC, e.g. "2026-07-01T14:05:00+08:00" (UTC as "-00:00", not "Z")';

/** Epoch milliseconds of a CAP date-time, or null when it is not of the CAP form or not a real date. */
export function capTimeToMs(value: string): number | null {
  const m = CAP_DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second, sign, offH, offM] = [
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    m[7],
    Number(m[8]),
    Number(m[9]),
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || offH > 14 || offM > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February over into March: a real date maps back to the same day.
  if (new Date(wall).getUTCDate() !== day) return null;
  const offsetMin = (sign === '-' ? -1 : 1) * (offH * 60 + offM);
  return wall - offsetMin * 60_000;
}

/** Why `value` is not a CAP date-time, or null when it is one. */
export function capTimeProblem(value: string): string | null {
  if (capTimeToMs(value) !== null) return null;
  if (/Z$/i.test(value)) return 'CAP 1.2 §3.3.2 forbids "Z": write UTC as "-00:00"';
  if (/\.\d+/.test(value)) return 'CAP 1.2 date-times have no fractional seconds';
  return `not a CAP date-time: ${CAP_DATE_TIME_FORM}`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * The CAP date-time of `ms` (truncated to the second) in `timeZone` (IANA), with that zone's
 * offset at that moment: `formatCapTime(Date.UTC(2026, 6, 1, 6, 5), 'Asia/Shanghai')` is
 * `2026-07-01T14:05:00+08:00`; UTC is written `-00:00` (§3.3.2).
 */
export function formatCapTime(ms: number, timeZone: string): string {
  if (!Number.isFinite(ms)) throw new RangeError(`time ${ms} is not a finite epoch-milliseconds value`);
  const offset = utcOffsetMinutes(ms, timeZone);
  const local = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000);
  const sign = offset > 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
