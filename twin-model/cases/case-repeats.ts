/**
 * Repeat cases (重复件): a new case repeats earlier ones when, within the window (30 days by
 * default), an earlier case of the SAME CATEGORY came from the same caller (the same keyed phone
 * hash) or from the same place (within 100 m by default). A caller who calls about something else
 * is not repeating; neighbours calling about the same blocked drain are.
 *
 * The index holds only what the check needs — case id, time, category, the caller's hash and the
 * place — never the phone. Places are bucketed in a grid so a check looks at a few cells, not at
 * every case of the window. The index is owned by the case desk and updated in place.
 */
import type { RepeatRules } from './case-rules.ts';
import type { CaseCategory, CaseRepeat } from './case-types.ts';

interface RepeatEntry {
  caseId: string;
  at: number;
  category: CaseCategory;
  callerHash: string | null;
  lng: number;
  lat: number;
}

export interface RepeatIndex {
  byCaller: Map<string, RepeatEntry[]>;
  byCell: Map<string, RepeatEntry[]>;
  size: number;
}

export interface RepeatProbe {
  category: CaseCategory;
  callerHash: string | null;
  lng: number;
  lat: number;
  /** The new case's receipt time. */
  at: number;
}

const M_PER_DEG = 111_320;
/** Grid cells: 0.005° of longitude by 0.002° of latitude (≈ 480 m × 220 m at 30° N). */
const CELL_LNG = 0.005;
const CELL_LAT = 0.002;
const DAY_MS = 86_400_000;

export function createRepeatIndex(): RepeatIndex {
  return { byCaller: new Map(), byCell: new Map(), size: 0 };
}

const cellKey = (category: string, x: number, y: number) => `${category}|${x}|${y}`;

/** Great-circle distance in metres (haversine), exact enough at 100 m and cheap enough for a few cells. */
export function distanceM(aLng: number, aLat: number, bLng: number, bLat: number): number {
  const rad = Math.PI / 180;
  const dLat = (bLat - aLat) * rad;
  const dLng = (bLng - aLng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * rad) * Math.cos(bLat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function push(map: Map<string, RepeatEntry[]>, key: string, entry: RepeatEntry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

/** Records a case for later checks. */
export function addRepeatEntry(index: RepeatIndex, caseId: string, probe: RepeatProbe): void {
  const entry: RepeatEntry = { caseId, ...probe };
  if (probe.callerHash !== null) push(index.byCaller, probe.callerHash, entry);
  push(index.byCell, cellKey(probe.category, Math.floor(probe.lng / CELL_LNG), Math.floor(probe.lat / CELL_LAT)), entry);
  index.size++;
}

/** The repeat marker of a new case, or null when no earlier case matches. */
export function findRepeat(index: RepeatIndex, probe: RepeatProbe, rules: RepeatRules): CaseRepeat | null {
  const since = probe.at - rules.windowDays * DAY_MS;
  const matched = new Map<string, { at: number; byCaller: boolean; byPlace: boolean }>();
  const inWindow = (e: RepeatEntry) => e.category === probe.category && e.at >= since && e.at <= probe.at;
  if (probe.callerHash !== null) {
    for (const e of index.byCaller.get(probe.callerHash) ?? []) {
      if (inWindow(e)) matched.set(e.caseId, { at: e.at, byCaller: true, byPlace: false });
    }
  }
  // Enough cells around the place to cover the radius at this latitude.
  const cos = Math.max(0.05, Math.cos((probe.lat * Math.PI) / 180));
  const nx = Math.ceil(rules.radiusM / (CELL_LNG * M_PER_DEG * cos));
  const ny = Math.ceil(rules.radiusM / (CELL_LAT * M_PER_DEG));
  const cx = Math.floor(probe.lng / CELL_LNG);
  const cy = Math.floor(probe.lat / CELL_LAT);
  for (let x = cx - nx; x <= cx + nx; x++) {
    for (let y = cy - ny; y <= cy + ny; y++) {
      for (const e of index.byCell.get(cellKey(probe.category, x, y)) ?? []) {
        if (!inWindow(e) || distanceM(e.lng, e.lat, probe.lng, probe.lat) > rules.radiusM) continue;
        const m = matched.get(e.caseId);
        if (m) m.byPlace = true;
        else matched.set(e.caseId, { at: e.at, byCaller: false, byPlace: true });
      }
    }
  }
  if (matched.size === 0) return null;
  let first: [string, { at: number }] | null = null;
  let byCaller = false;
  let byPlace = false;
  for (const entry of matched) {
    if (!first || entry[1].at < first[1].at || (entry[1].at === first[1].at && entry[0] < first[0])) first = entry;
    byCaller ||= entry[1].byCaller;
    byPlace ||= entry[1].byPlace;
  }
  return { count: matched.size, firstCaseId: first![0], byCaller, byPlace };
}

/** Drops entries older than `before` (epoch ms); returns how many went. */
export function pruneRepeats(index: RepeatIndex, before: number): number {
  let dropped = 0;
  for (const map of [index.byCaller, index.byCell]) {
    for (const [key, list] of map) {
      const kept = list.filter((e) => e.at >= before);
      if (map === index.byCell) dropped += list.length - kept.length;
      if (kept.length === 0) map.delete(key);
      else if (kept.length !== list.length) map.set(key, kept);
    }
  }
  index.size -= dropped;
  return dropped;
}
