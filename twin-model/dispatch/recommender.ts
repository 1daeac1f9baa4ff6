/**
 * Unit recommendations for an incident: which free units to send, fastest first, with why.
 *
 * One Dijkstra tree grows backwards from the incident's road node over the edges entering each
 * node (so one-way streets count in the direction units drive them), giving every unit's ETA
 * at once; each recommended unit's route is its tree path walked towards the incident. Candidates are the units in an assignable status, on shift at `now`,
 * of a kind the incident type lists, bringing at least one capability it needs, and reachable
 * under the restrictions (units cut off by closures are left out).
 *
 * Ranking rule: by ETA, except that a unit bringing the primary (first-needed) capability goes
 * ahead of one that does not unless the other is more than {@link PRIMARY_PREFERENCE_S}
 * faster — i.e. the sort key is `eta + (bringsPrimary ? 0 : PRIMARY_PREFERENCE_S)`. Among the
 * units that bring the primary capability the order is pure ETA, so the first of them is the
 * fastest free capable unit. The list (at most `limit`) always holds the fastest unit for each
 * needed capability, then the next best by rank.
 *
 * Closed edges at the incident's own road node stay open for responders
 * (`responderRestrictions`): the units drive up to the cordon. A route that had to go round a
 * closure says so (`route_avoids` with the number of closed edges the free-flow route used).
 */
import type { IncidentType } from '../vocabulary.ts';
import { isOnShift } from './fleet.ts';
import type { RoadRouter, RouteTree } from './road-router.ts';
import { responderRestrictions } from './road-restrictions.ts';
import { needsOf } from './unit-needs.ts';
import {
  ASSIGNABLE_STATUSES,
  type Capability,
  type IncidentNeeds,
  type ReasonPart,
  type ResponseUnit,
  type RoadRestrictions,
  type Route,
  type UnitRecommendation,
} from './unit-types.ts';

/** A unit lacking the primary capability ranks ahead of one bringing it only when this much faster (s). */
export const PRIMARY_PREFERENCE_S = 180;
/** Default number of recommendations. */
export const DEFAULT_RECOMMENDATION_LIMIT = 5;

export interface RecommendInput {
  incident: { id: string; type: IncidentType; lng: number; lat: number };
  units: readonly ResponseUnit[];
  router: RoadRouter;
  restrictions?: RoadRestrictions;
  /** Epoch ms: decides who is on shift. */
  now: number;
  /** The city's IANA time zone: shifts are its local hours. */
  timeZone: string;
  /** Most recommendations to return (default 5). */
  limit?: number;
  /** District of a point, for the in-district / cross-district reason. */
  districtOf?: (lng: number, lat: number) => string | null;
  /** Override the needs of the incident's type (default: unit-needs.json). */
  needs?: IncidentNeeds;
}

interface Candidate {
  unit: ResponseUnit;
  matched: Capability[];
  bringsPrimary: boolean;
  etaS: number;
  key: number;
  kindRank: number;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Whether a unit may be recommended for these needs at `now` (status, shift in the city's `timeZone`, kind, capability). */
export function isCandidate(unit: ResponseUnit, needs: IncidentNeeds, now: number, timeZone: string): boolean {
  if (!ASSIGNABLE_STATUSES.includes(unit.status)) return false;
  if (!isOnShift(unit, now, timeZone)) return false;
  if (needs.unitKinds.length > 0 && !needs.unitKinds.includes(unit.kind)) return false;
  return unit.capabilities.some((c) => needs.capabilities.includes(c));
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return a.key - b.key || a.etaS - b.etaS || a.kindRank - b.kindRank || (a.unit.id < b.unit.id ? -1 : a.unit.id > b.unit.id ? 1 : 0);
}

/** Closed and slowed edges a route uses. */
function restrictedOn(route: Route, restrictions: RoadRestrictions | undefined): { closed: number; slowed: number } {
  let closed = 0;
  let slowed = 0;
  if (!restrictions) return { closed, slowed };
  for (const e of route.edges) {
    if (restrictions.closed.has(e)) closed++;
    else if ((restrictions.slowed?.get(e) ?? 1) > 1) slowed++;
  }
  return { closed, slowed };
}

/** Ranked unit recommendations for one incident (see the module comment for the rule). */
export function recommendUnits(input: RecommendInput): UnitRecommendation[] {
  const { incident, units, router, now, timeZone } = input;
  const needs = input.needs ?? needsOf(incident.type);
  const limit = Math.max(0, Math.floor(input.limit ?? DEFAULT_RECOMMENDATION_LIMIT));
  if (needs.capabilities.length === 0 || limit === 0) return [];
  const primary = needs.capabilities[0]!;
  const target = router.snap(incident.lng, incident.lat).nodeId;
  const restrictions = responderRestrictions(input.restrictions, router.graph, target);
  const tree = router.travelTimesTo(target, restrictions);

  const candidates: Candidate[] = [];
  /** Available on-shift units per kind and home district (the coverage that stays). */
  const availableHome = new Map<string, number>();
  for (const unit of units) {
    if (unit.status === 'available' && isOnShift(unit, now, timeZone)) {
      const k = `${unit.kind}/${unit.homeDistrict}`;
      availableHome.set(k, (availableHome.get(k) ?? 0) + 1);
    }
    if (!isCandidate(unit, needs, now, timeZone)) continue;
    const etaS = tree.timeS[unit.nodeId]!;
    if (etaS === Number.POSITIVE_INFINITY) continue;
    const matched = needs.capabilities.filter((c) => unit.capabilities.includes(c));
    const bringsPrimary = matched.includes(primary);
    const kindRank = needs.unitKinds.indexOf(unit.kind);
    candidates.push({
      unit,
      matched,
      bringsPrimary,
      etaS,
      key: etaS + (bringsPrimary ? 0 : PRIMARY_PREFERENCE_S),
      kindRank: kindRank < 0 ? needs.unitKinds.length : kindRank,
    });
  }
  candidates.sort(compareCandidates);

  // The fastest unit for each needed capability is always in the list.
  const fastestFor = new Map<Capability, Candidate>();
  for (const cap of needs.capabilities) {
    let best: Candidate | undefined;
    for (const c of candidates) {
      if (!c.matched.includes(cap)) continue;
      if (!best || c.etaS < best.etaS || (c.etaS === best.etaS && compareCandidates(c, best) < 0)) best = c;
    }
    if (best) fastestFor.set(cap, best);
  }
  const chosen = new Set<Candidate>();
  for (const c of fastestFor.values()) if (chosen.size < limit) chosen.add(c);
  for (const c of candidates) {
    if (chosen.size >= limit) break;
    chosen.add(c);
  }
  const picked = candidates.filter((c) => chosen.has(c));

  // The free-flow tree tells whether closures changed a route (only when there are any).
  let freeTree: RouteTree | null = null;
  const hasRestrictions = !!restrictions && (restrictions.closed.size > 0 || (restrictions.slowed?.size ?? 0) > 0);
  if (hasRestrictions) freeTree = router.travelTimesTo(target);
  const incidentDistrict = input.districtOf?.(incident.lng, incident.lat) ?? null;
  const fastestPrimaryEta = fastestFor.get(primary)?.etaS;

  return picked.map((c, i): UnitRecommendation => {
    const route = router.routeFrom(tree, c.unit.nodeId)!;
    const reasons: ReasonPart[] = [
      { code: 'eta', params: { min: round1(c.etaS / 60) } },
      { code: 'distance', params: { km: round1(route.lengthM / 1000) } },
      { code: 'capability', params: { caps: c.matched.join(',') } },
    ];
    const missing = needs.capabilities.filter((cap) => !c.matched.includes(cap));
    if (missing.length > 0) reasons.push({ code: 'partial_match', params: { missing: missing.join(',') } });
    for (const [cap, best] of fastestFor) if (best === c) reasons.push({ code: 'fastest_for', params: { cap } });
    if (c.bringsPrimary) {
      // Ranked ahead of a faster unit that lacks the primary capability.
      const overtaken = picked.slice(i + 1).filter((o) => !o.bringsPrimary && o.etaS < c.etaS);
      if (overtaken.length > 0) reasons.push({ code: 'primary_first', params: { cap: primary, withinMin: PRIMARY_PREFERENCE_S / 60 } });
    } else if (fastestPrimaryEta !== undefined && c.etaS + PRIMARY_PREFERENCE_S < fastestPrimaryEta) {
      reasons.push({ code: 'much_faster', params: { min: round1((fastestPrimaryEta - c.etaS) / 60) } });
    }
    if (c.unit.status === 'returning') reasons.push({ code: 'returning' });
    if (incidentDistrict !== null) {
      reasons.push(
        incidentDistrict === c.unit.homeDistrict
          ? { code: 'in_district', params: { district: incidentDistrict } }
          : { code: 'cross_district', params: { district: c.unit.homeDistrict } },
      );
    }
    const homeBack = tree.timeS[c.unit.homeNodeId]!;
    const returnS = Number.isFinite(homeBack) ? homeBack : c.etaS;
    const awayMin = round1((c.etaS + needs.onSceneMin * 60 + returnS) / 60);
    const homeKey = `${c.unit.kind}/${c.unit.homeDistrict}`;
    const remaining = Math.max(
      0,
      (availableHome.get(homeKey) ?? 0) - (c.unit.status === 'available' && isOnShift(c.unit, now, timeZone) ? 1 : 0),
    );
    reasons.push(
      remaining === 0
        ? { code: 'coverage_gap', params: { district: c.unit.homeDistrict, kind: c.unit.kind, awayMin } }
        : { code: 'coverage_ok', params: { district: c.unit.homeDistrict, kind: c.unit.kind, remaining } },
    );
    if (freeTree) {
      const used = restrictedOn(route, restrictions);
      if (freeTree.timeS[c.unit.nodeId]! < c.etaS - 1e-6) {
        const freeRoute = router.routeFrom(freeTree, c.unit.nodeId);
        const avoided = freeRoute ? restrictedOn(freeRoute, restrictions).closed : 0;
        if (avoided > 0)
          reasons.push({
            code: 'route_avoids',
            params: { count: avoided, delayMin: round1((c.etaS - freeTree.timeS[c.unit.nodeId]!) / 60) },
          });
      }
      if (used.slowed > 0) reasons.push({ code: 'route_slowed', params: { count: used.slowed } });
    }
    return {
      unitId: c.unit.id,
      kind: c.unit.kind,
      etaS: c.etaS,
      distanceM: route.lengthM,
      matched: c.matched,
      fullMatch: missing.length === 0,
      coverage: { district: c.unit.homeDistrict, remaining, awayMin },
      rank: i + 1,
      reasons,
      route,
    };
  });
}

export interface FastestUnit {
  unit: ResponseUnit;
  etaS: number;
  route: Route;
}

/**
 * For checking: the fastest candidate bringing `capability` (default: the type's primary one),
 * found by routing each candidate separately (unit → incident, A*). Slow; tests and the bench
 * use it to verify {@link recommendUnits}. Ties go to the kind listed first, then the lower id.
 */
export function exhaustiveFastest(input: Omit<RecommendInput, 'limit' | 'districtOf'> & { capability?: Capability }): FastestUnit | null {
  const { incident, units, router, now, timeZone } = input;
  const needs = input.needs ?? needsOf(incident.type);
  const capability = input.capability ?? needs.capabilities[0];
  if (!capability) return null;
  const target = router.snap(incident.lng, incident.lat).nodeId;
  const restrictions = responderRestrictions(input.restrictions, router.graph, target);
  let best: FastestUnit | null = null;
  let bestKindRank = 0;
  for (const unit of units) {
    if (!isCandidate(unit, needs, now, timeZone) || !unit.capabilities.includes(capability)) continue;
    const route = router.route(unit.nodeId, target, restrictions);
    if (!route) continue;
    const kindRank = needs.unitKinds.indexOf(unit.kind);
    const better =
      !best ||
      route.travelTimeS < best.etaS ||
      (route.travelTimeS === best.etaS && (kindRank < bestKindRank || (kindRank === bestKindRank && unit.id < best.unit.id)));
    if (better) {
      best = { unit, etaS: route.travelTimeS, route };
      bestKindRank = kindRank;
    }
  }
  return best;
}
