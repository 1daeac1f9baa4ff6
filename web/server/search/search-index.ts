/**
 * The search behind `GET /api/search` (search-routes.ts), pure: candidates built from the city
 * model, the twin's sensors and incidents and the response units, matched against a query by
 * id and by zh-CN and English names, ranked. No I/O; the route decides what a caller may see.
 */
import type { Asset, CityModel, District, ResponseUnit, Road, SensorEntry } from '../../../twin-model/index.ts';
import type { IncidentView } from '../../shared/protocol.ts';
import { INCIDENT_TYPE_NAMES, KIND_LABELS } from '../../../twin-model/index.ts';

/** A sensor kind's names: the city's vocabulary (v1 and declared kinds) knows them. */
export type KindLabelOf = (kind: string) => { zh: string; en: string } | undefined;

/** The v1 kinds' names (where no vocabulary is at hand). */
const v1KindLabel: KindLabelOf = (kind) => (KIND_LABELS as Readonly<Record<string, { zh: string; en: string }>>)[kind];
import { SEARCH_KINDS, SEARCH_MAX_ROAD_POINTS, type SearchHit, type SearchKind } from '../../shared/search-protocol.ts';

/** A thing that can be found: the hit it becomes and what it is found by. */
export interface SearchCandidate {
  hit: SearchHit;
  /** Further words it is found by (an incident's district and asset names, a sensor's kind), scored lower. */
  also: readonly string[];
}

/** Lower case, full-width folded (NFKC), spaces collapsed. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * How well one query term matches a text: 100 the whole text, 60 its start, 45 the start of a
 * word in it, 25 anywhere inside, 0 not at all.
 */
function termScore(term: string, text: string): number {
  if (!text) return 0;
  if (text === term) return 100;
  if (text.startsWith(term)) return 60;
  const at = text.indexOf(term);
  if (at < 0) return 0;
  return /[\s\-_.·/(（]/.test(text[at - 1] ?? '') ? 45 : 25;
}

/**
 * The score of `c` for the query's terms (each term must match its id, a name or an `also`
 * word; names and the id count fully, `also` words at a third), or 0.
 */
export function scoreCandidate(c: SearchCandidate, terms: readonly string[]): number {
  const own = [normalize(c.hit.id), normalize(c.hit.nameZh), normalize(c.hit.nameEn)];
  const also = c.also.map(normalize);
  let total = 0;
  for (const term of terms) {
    let best = 0;
    for (const text of own) best = Math.max(best, termScore(term, text));
    for (const text of also) best = Math.max(best, Math.floor(termScore(term, text) / 3));
    if (best === 0) return 0;
    total += best;
  }
  return total;
}

/** The query's terms (at most 8), normalised; empty when it has none. */
export function queryTerms(q: string): string[] {
  return normalize(q).split(' ').filter(Boolean).slice(0, 8);
}

/**
 * The best `limit` candidates for `q`: by score, then kind ({@link SEARCH_KINDS} order), then
 * the shorter name; `truncated` when more matched.
 */
export function search(candidates: Iterable<SearchCandidate>, q: string, limit: number): { hits: SearchHit[]; truncated: boolean } {
  const terms = queryTerms(q);
  if (terms.length === 0) return { hits: [], truncated: false };
  const scored: { c: SearchCandidate; score: number }[] = [];
  for (const c of candidates) {
    const score = scoreCandidate(c, terms);
    if (score > 0) scored.push({ c, score });
  }
  const kindRank = (k: SearchKind) => SEARCH_KINDS.indexOf(k);
  scored.sort(
    (a, b) =>
      b.score - a.score ||
      kindRank(a.c.hit.kind) - kindRank(b.c.hit.kind) ||
      a.c.hit.nameZh.length - b.c.hit.nameZh.length ||
      a.c.hit.id.localeCompare(b.c.hit.id),
  );
  return { hits: scored.slice(0, limit).map((s) => s.c.hit), truncated: scored.length > limit };
}

// ---------- candidates ----------

type Bbox = [number, number, number, number];

function bboxOf(lines: readonly (readonly [number, number])[][]): Bbox | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const line of lines)
    for (const [x, y] of line) {
      w = Math.min(w, x);
      s = Math.min(s, y);
      e = Math.max(e, x);
      n = Math.max(n, y);
    }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** Every `step`-th point of each line (and its last), so a road's hit stays small. */
function thin(lines: readonly (readonly [number, number])[][], max: number): [number, number][][] {
  const total = lines.reduce((n, l) => n + l.length, 0);
  const step = Math.max(1, Math.ceil(total / max));
  return lines.map((l) => {
    const out: [number, number][] = [];
    for (let k = 0; k < l.length; k += step) out.push([l[k]![0], l[k]![1]]);
    const last = l[l.length - 1];
    if (last && (l.length - 1) % step !== 0) out.push([last[0], last[1]]);
    return out;
  });
}

export function districtCandidate(d: District): SearchCandidate {
  const rings = d.polygons.flatMap((p) => p.map((ring) => ring as [number, number][]));
  return {
    hit: {
      kind: 'district',
      id: d.code,
      nameZh: d.nameZh,
      nameEn: d.nameEn,
      type: null,
      district: d.code,
      lng: d.seat[0],
      lat: d.seat[1],
      bbox: bboxOf(rings),
      lines: null,
    },
    also: [],
  };
}

export function roadCandidate(r: Road): SearchCandidate {
  const lines = [r.line, ...(r.moreLines ?? [])] as [number, number][][];
  const mid = r.line[Math.floor(r.line.length / 2)] ?? r.line[0] ?? [0, 0];
  return {
    hit: {
      kind: 'road',
      id: r.id,
      nameZh: r.nameZh,
      nameEn: r.nameEn,
      type: null,
      district: null,
      lng: mid[0],
      lat: mid[1],
      bbox: bboxOf(lines),
      lines: thin(lines, SEARCH_MAX_ROAD_POINTS),
    },
    also: [],
  };
}

export function assetCandidate(a: Asset, districtNames: ReadonlyMap<string, District>): SearchCandidate {
  const d = districtNames.get(a.district);
  return {
    hit: {
      kind: 'asset',
      id: a.id,
      nameZh: a.nameZh,
      nameEn: a.nameEn,
      type: a.kind,
      district: a.district,
      lng: a.lng,
      lat: a.lat,
      bbox: null,
      lines: null,
    },
    also: d ? [d.nameZh, d.nameEn] : [],
  };
}

/** A sensor with a position; its English name from the city's register when it has one. */
export function sensorCandidate(s: SensorEntry, nameEn: string | null, labelOf: KindLabelOf = v1KindLabel): SearchCandidate | null {
  if (s.lng === null || s.lat === null) return null;
  const kind = s.kind === 'unknown' ? null : labelOf(s.kind);
  return {
    hit: {
      kind: 'sensor',
      id: s.id,
      nameZh: s.name ?? s.id,
      nameEn: nameEn ?? s.name ?? s.id,
      type: s.kind,
      district: s.district,
      lng: s.lng,
      lat: s.lat,
      bbox: null,
      lines: null,
    },
    also: kind ? [kind.zh, kind.en] : [],
  };
}

/**
 * An incident as the caller may see it (its view: a coarsened place and no asset when evidence
 * is withheld, incidents/incident-view.ts): named by its type, found also by its place (district
 * and asset names).
 */
export function incidentCandidate(
  i: Pick<IncidentView, 'id' | 'type' | 'district' | 'lng' | 'lat'>,
  places: readonly string[],
): SearchCandidate {
  const names = INCIDENT_TYPE_NAMES.get(i.type);
  return {
    hit: {
      kind: 'incident',
      id: i.id,
      nameZh: names?.zh ?? i.type,
      nameEn: names?.en ?? i.type,
      type: i.type,
      district: i.district,
      lng: i.lng,
      lat: i.lat,
      bbox: null,
      lines: null,
    },
    also: [i.type, ...places],
  };
}

export function unitCandidate(u: ResponseUnit): SearchCandidate {
  return {
    hit: {
      kind: 'unit',
      id: u.id,
      nameZh: u.nameZh,
      nameEn: u.nameEn,
      type: u.kind,
      district: null,
      lng: u.lng,
      lat: u.lat,
      bbox: null,
      lines: null,
    },
    also: [u.kind],
  };
}

/** The city's own things (districts, roads with a name, assets): the same for every caller. */
export function cityCandidates(city: CityModel): SearchCandidate[] {
  const districts = new Map(city.districts.map((d) => [d.code, d]));
  return [
    ...city.districts.map(districtCandidate),
    ...city.roads.filter((r) => r.nameZh || r.nameEn).map(roadCandidate),
    ...city.assets.map((a) => assetCandidate(a, districts)),
  ];
}
