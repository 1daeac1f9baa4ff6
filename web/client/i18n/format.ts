/**
 * Number, unit, time and duration formatting for both languages. Pure: every function takes the
 * language explicitly, so it can be tested without a DOM.
 */
import type { Language } from './language.ts';
import { formatLocalDateTime, instantOfWallTime, utcOffsetLabel } from '../../../twin-model/local-time.ts';

const LOCALES: Record<Language, string> = { zh: 'zh-CN', en: 'en-US' };
const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(lang: Language, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${lang}|${JSON.stringify(options)}`;
  let nf = numberFormats.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(LOCALES[lang], options);
    numberFormats.set(key, nf);
  }
  return nf;
}

/** Items as a list in `lang`: 甲、乙、丙 in Chinese, "a, b, c" in English. */
export function formatList(items: readonly string[], lang: Language): string {
  return items.join(lang === 'zh' ? '、' : ', ');
}

/** Below this a count is written in full (12,345); from it on compactly (12.3万 / 123K). */
const COMPACT_FROM = 100_000;

/** A count of things: grouped digits, compact from 100,000 (zh "12.3万", en "123K"). */
export function formatCount(n: number | null | undefined, lang: Language): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Math.abs(n) < COMPACT_FROM) return numberFormat(lang, { maximumFractionDigits: 0 }).format(n);
  return numberFormat(lang, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/** A rate such as messages per second: one decimal below 10, whole numbers above. */
export function formatRate(n: number | null | undefined, lang: Language): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Math.abs(n) >= COMPACT_FROM) return formatCount(n, lang);
  return numberFormat(lang, { maximumFractionDigits: Math.abs(n) < 10 ? 1 : 0 }).format(n);
}

/** A measured value: significant digits that suit its magnitude (1234, 12.3, 1.23, 0.012). */
export function formatValue(n: number | null | undefined, lang: Language): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return numberFormat(lang, { maximumFractionDigits: digits, useGrouping: abs >= 10_000 }).format(n);
}

/** Fixed vocabulary units (contracts.md) and a few SenML codes as people write them. */
const UNIT_DISPLAY: Readonly<Record<string, Record<Language, string>>> = {
  Cel: { zh: '°C', en: '°C' },
  'ug/m3': { zh: 'µg/m³', en: 'µg/m³' },
  '1/min': { zh: '/分钟', en: '/min' },
  '1': { zh: '', en: '' },
  '%RH': { zh: '%', en: '%RH' },
  min: { zh: '分钟', en: 'min' },
  // SenML codes a device may send with a metric the vocabulary does not know (docs/ingest.md).
  m2: { zh: 'm²', en: 'm²' },
  m3: { zh: 'm³', en: 'm³' },
  'm3/s': { zh: 'm³/s', en: 'm³/s' },
  'kg/m3': { zh: 'kg/m³', en: 'kg/m³' },
  'm/s2': { zh: 'm/s²', en: 'm/s²' },
  Ohm: { zh: 'Ω', en: 'Ω' },
  deg: { zh: '°', en: '°' },
};

/** The display form of a unit; unknown units are shown as given. */
export function formatUnit(unit: string | null | undefined, lang: Language): string {
  if (!unit) return '';
  return UNIT_DISPLAY[unit]?.[lang] ?? unit;
}

/** A value with its unit, e.g. "34 cm", "12.5 µg/m³", "72%". */
export function formatValueWithUnit(value: number | null | undefined, unit: string | null | undefined, lang: Language): string {
  const v = formatValue(value, lang);
  const u = formatUnit(unit, lang);
  if (!u || v === '—') return v;
  return u.startsWith('%') || u.startsWith('°') || u.startsWith('/') ? `${v}${u}` : `${v} ${u}`;
}

/** A duration: "<1 秒", "12 秒", "3 分 20 秒", "2 小时 5 分", "3 天" (en: "<1 s", "12 s", "3 min 20 s"...). */
export function formatDuration(ms: number | null | undefined, lang: Language): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, ms) / 1000;
  const zh = lang === 'zh';
  if (s < 1) return zh ? '<1 秒' : '<1 s';
  if (s < 60) return zh ? `${Math.floor(s)} 秒` : `${Math.floor(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) {
    const rest = Math.floor(s - m * 60);
    if (zh) return rest ? `${m} 分 ${rest} 秒` : `${m} 分钟`;
    return rest ? `${m} min ${rest} s` : `${m} min`;
  }
  const hours = Math.floor(m / 60);
  if (hours < 48) {
    const rest = m - hours * 60;
    if (zh) return rest ? `${hours} 小时 ${rest} 分` : `${hours} 小时`;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  return zh ? `${days} 天` : `${days} d`;
}

/** Milliseconds as the status strip shows a latency: "85 ms", "1.2 s". */
export function formatLatency(ms: number | null | undefined, lang: Language): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${numberFormat(lang, { maximumFractionDigits: 0 }).format(ms)} ms`;
  if (ms < 60_000) return `${numberFormat(lang, { maximumFractionDigits: 1 }).format(ms / 1000)} s`;
  return formatDuration(ms, lang);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * The zone the console's clocks show: the city's (set once `GET /api/city` answered,
 * {@link showTimesIn}); until then, and without a city, the browser's own.
 */
let displayZone: string | null = null;

/** Shows every clock and date of the page in `zone` (an IANA zone), or in the browser's zone (null). */
export function showTimesIn(zone: string | null): void {
  displayZone = zone;
}

/** The IANA zone the page's times are shown in, or null for the browser's own. */
export function shownTimeZone(): string | null {
  return displayZone;
}

/** Time of day, 24 h, in the city's zone (the browser's until it is known): "14:05:09". */
export function formatClock(epochMs: number): string {
  if (displayZone) return formatLocalDateTime(epochMs, displayZone).slice(11);
  const d = new Date(epochMs);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Date and time in the city's zone (the browser's until it is known): "05-24 14:05:09" (the year is implied for live data). */
export function formatDateTime(epochMs: number): string {
  if (displayZone) return formatLocalDateTime(epochMs, displayZone).slice(5);
  const d = new Date(epochMs);
  return `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(epochMs)}`;
}

/**
 * Records such as the audit log are shown on the city's clocks — its IANA time zone from
 * `GET /api/city` (backend/city-info.ts) — whatever the browser's zone, so everyone reads the
 * same time (after-action reports do the same on the server). Daylight saving is the zone's.
 */

/** "2026-12-04 19:35:16" in the time zone `zone`; by default the one the page shows ({@link showTimesIn}). */
export function formatCityDateTime(
  epochMs: number,
  zone: string = displayZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
): string {
  if (!Number.isFinite(epochMs)) return '—';
  return formatLocalDateTime(epochMs, zone);
}

/** The zone's offset at that moment, as people write it: "UTC+8", "UTC+2". */
export function cityOffsetLabel(epochMs: number, zone: string): string {
  return utcOffsetLabel(epochMs, zone);
}

/**
 * A time typed in the city's time zone ("2026-12-04 19:35", "2026-12-04T19:35:16", or a date
 * alone) as epoch ms; null when it is not one.
 */
export function parseCityDateTime(text: string, zone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 59) return null;
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  // Date.UTC rolls 2026-02-30 over to March: refuse it instead.
  if (new Date(wall).getUTCDate() !== d) return null;
  return instantOfWallTime(wall, zone);
}

/** A countdown to a moment, "mm:ss" (from an hour "h:mm:ss"); never negative: "00:00" once it is due. */
export function formatCountdown(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const mmss = `${pad2(Math.floor((total % 3600) / 60))}:${pad2(total % 60)}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}
