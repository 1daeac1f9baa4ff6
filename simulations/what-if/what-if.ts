/**
 * The what-if simulation: replays a scenario through the same twin and correlator as the
 * evaluation (`replayScenario`), with a simulated dispatcher and a simulated fleet, and
 * measures the response times that result — so "two more pump teams in Hanyang" can be
 * compared with today's fleet on the same storm.
 *
 * The dispatcher acknowledges each incident that needs units `acknowledgeDelayS` after it
 * opens, and `dispatchDelayS` later sends, for each needed capability in order, the first
 * recommended unit (`recommendUnits`) that brings it. Units go through the real unit state
 * (`applyUnitInput`): assigned, en route after `turnoutS`, driving their route in scenario
 * time (`positionAlong`) and reporting AVL fixes every `avlEveryS`; the twin's arrival
 * detection puts them on scene. They work `onSceneMin` (from unit-needs.json) or until the
 * incident resolves, then drive home. Road restrictions from the open incidents
 * (`restrictionsFromIncidents`) shape every route, and a unit whose remaining route becomes
 * blocked is rerouted from the next node. Incidents with no free unit are retried every
 * `retryEveryS`. Every dispatch action goes into a hash-chained dispatch log, verified at the end.
 *
 * Deterministic: the same options give the same figures.
 */
import { generateCity, districtAt, isInCity } from '../../twin-model/city/index.ts';
import { appendEntry, verifyChain, type ChainVerification } from '../../twin-model/dispatch/dispatch-log.ts';
import { generateFleet, type FleetOptions } from '../../twin-model/dispatch/fleet.ts';
import { cityTimeZone } from '../../twin-model/local-time.ts';
import { recommendUnits } from '../../twin-model/dispatch/recommender.ts';
import { responderRestrictions, restrictionsFromIncidents } from '../../twin-model/dispatch/road-restrictions.ts';
import { RoadRouter } from '../../twin-model/dispatch/road-router.ts';
import {
  responseTimesOf,
  summarizeResponseTimes,
  percentile,
  type IncidentResponseTimes,
  type ResponseSummary,
} from '../../twin-model/dispatch/response-times.ts';
import { needsOf } from '../../twin-model/dispatch/unit-needs.ts';
import { positionAlong } from '../../twin-model/dispatch/unit-motion.ts';
import {
  applyUnitInput,
  createFleetState,
  logInputOf,
  type FleetState,
  type UnitChange,
  type UnitInput,
} from '../../twin-model/dispatch/unit-state.ts';
import { createRoadSnapper } from '../../twin-model/dispatch/road-snapper.ts';
import type { Capability, DispatchLogEntry, RoadRestrictions, Route } from '../../twin-model/dispatch/unit-types.ts';
import { applyIncidentInput, type CityModel, type Incident, type IncidentChange } from '../../twin-model/index.ts';
import { replayScenario } from '../evaluation/replay-scenario.ts';
import { generateScenario } from '../scenarios/index.ts';
import type { ScenarioName } from '../scenarios/scenario-types.ts';

export interface WhatIfOptions {
  scenario: ScenarioName;
  /** Scenario seed. Default 1. */
  seed?: number;
  /** The city: the generated Wuhan (`generateCity()`, the default, the one the scenarios were tuned on) or a package's. */
  city?: CityModel;
  /** The fleet: counts per kind, pre-positioned extra units, shift seed. */
  fleet?: FleetOptions;
  /** Seconds from an incident opening to the dispatcher's acknowledgement. Default 60. */
  acknowledgeDelayS?: number;
  /** Seconds from acknowledgement to dispatch. Default 30. */
  dispatchDelayS?: number;
  /** Seconds from dispatch until the unit drives off. Default 60. */
  turnoutS?: number;
  /** Seconds between simulated AVL fixes of a moving unit. Default 10. */
  avlEveryS?: number;
  /** Seconds between recomputations of road restrictions (when incidents changed). Default 60. */
  restrictionsEveryS?: number;
  /** Seconds between dispatch attempts for an incident still missing a unit. Default 60. */
  retryEveryS?: number;
  /** Seconds from the twin proposing a resolution to the dispatcher confirming it. Default 60. */
  resolveDelayS?: number;
  /** Scenario time simulated after the last input, so units on the way finish (s). Default 3600. */
  tailS?: number;
}

export interface WhatIfJob {
  incidentId: string;
  type: Incident['type'];
  district: string | null;
  openedAt: number;
  /** Capabilities still without a unit. */
  missing: Capability[];
  units: string[];
  /** Dispatch attempts made. */
  attempts: number;
  /** The first attempt found no free unit for some capability. */
  waitedForUnit: boolean;
  /** When the first unit bringing the primary capability was dispatched / arrived. */
  primaryDispatchedAt: number | null;
  primaryArrivedAt: number | null;
  ended: boolean;
}

export interface WhatIfResult {
  scenario: ScenarioName;
  seed: number;
  /** The city's name (English), or its id. */
  city: string;
  fleetSize: number;
  pumpTeams: number;
  /** Incidents whose type needs units. */
  jobs: WhatIfJob[];
  times: IncidentResponseTimes[];
  summary: ResponseSummary;
  /** Primary capability (e.g. pumping for waterlogging) on scene after detection, s. */
  primaryArrive: { count: number; medianS: number; p90S: number };
  /** Incidents for which the first attempt found no free unit for some capability. */
  waitedForUnit: number;
  /** Incidents that never got any unit (they ended while waiting). */
  neverServed: number;
  /** Incidents left with a needed capability no unit brought. */
  partlyServed: number;
  /** Units whose remaining route became blocked and was recomputed. */
  reroutes: number;
  /** Routes that could not be recomputed (the unit was cut off and drove on). */
  cutOff: number;
  /** Most edges closed at once. */
  maxClosedEdges: number;
  unitChanges: UnitChange[];
  log: DispatchLogEntry[];
  logCheck: ChainVerification;
}

interface Trip {
  unitId: string;
  purpose: 'incident' | 'home';
  incidentId?: string;
  route: Route;
  /** When the unit starts driving it (after turnout). */
  startedAt: number;
  targetNode: number;
  nextFixAt: number;
}

const DISPATCHER = 'dispatcher';
const SIMULATOR = 'simulator';

/**
 * What is wrong with a fleet for a city, one line each (empty = fine): a pre-positioned unit in
 * a district the city does not have (the city's district ids are listed), unit counts for a
 * city that registers its fleet (its units.csv is the fleet; pre-position extra units instead).
 */
export function fleetProblems(city: CityModel, fleet: FleetOptions | undefined): string[] {
  const problems: string[] = [];
  const ids = city.districts.map((d) => d.code);
  const known = new Set(ids);
  const name = city.name?.en ?? city.id ?? 'the city';
  const listed = ids.length > 20 ? `${ids.slice(0, 20).join(', ')} … (${ids.length})` : ids.join(', ');
  for (const p of fleet?.prepositioned ?? []) {
    if (!known.has(p.district))
      problems.push(`--prepositioned ${JSON.stringify(p.district)} is not a district of ${name}; its districts are ${listed}`);
  }
  if (city.units && fleet?.counts && Object.keys(fleet.counts).length > 0) {
    problems.push(
      `--pump-teams/--count: ${name} registers its units (${city.units.length} in units.csv), which are the fleet; add units with --prepositioned instead`,
    );
  }
  return problems;
}

/** Runs one what-if. */
export function runWhatIf(options: WhatIfOptions): WhatIfResult {
  const city = options.city ?? generateCity();
  const seed = options.seed ?? 1;
  const ackDelayMs = (options.acknowledgeDelayS ?? 60) * 1000;
  const dispatchDelayMs = (options.dispatchDelayS ?? 30) * 1000;
  const turnoutMs = (options.turnoutS ?? 60) * 1000;
  const avlMs = (options.avlEveryS ?? 10) * 1000;
  const restrictionsMs = (options.restrictionsEveryS ?? 60) * 1000;
  const retryMs = (options.retryEveryS ?? 60) * 1000;
  const resolveDelayMs = (options.resolveDelayS ?? 60) * 1000;
  const tailMs = (options.tailS ?? 3600) * 1000;

  const router = new RoadRouter(city.graph);
  const sites = new Map(city.sensorSites.map((s) => [s.id, s]));
  const districtOf = (lng: number, lat: number) => districtAt(city, lng, lat)?.code ?? null;
  const units = generateFleet(city, options.fleet ?? {});
  const fleet: FleetState = createFleetState(units, {
    inCity: (lng, lat) => isInCity(city, lng, lat),
    snap: createRoadSnapper(city.graph),
  });

  const generated = generateScenario(options.scenario, { city, seed });
  const run = { ...generated, endMs: generated.endMs + tailMs };

  let now = run.startMs;
  const ctx = { now: () => now };
  const jobs = new Map<string, WhatIfJob>();
  const due = { ack: [] as { at: number; incidentId: string }[], resolve: [] as { at: number; incidentId: string }[] };
  const nextAttempt = new Map<string, number>();
  const trips = new Map<string, Trip>();
  const onSceneUntil = new Map<string, number>();
  const unitChanges: UnitChange[] = [];
  const log: DispatchLogEntry[] = [];
  let restrictions: RoadRestrictions = { closed: new Map() };
  let restrictionsDirty = false;
  let restrictionsAt = Number.NEGATIVE_INFINITY;
  let reroutes = 0;
  let cutOff = 0;
  let maxClosedEdges = 0;

  const record = (changes: UnitChange[]): UnitChange[] => {
    for (const c of changes) {
      unitChanges.push(c);
      const entry = logInputOf(c);
      if (entry) log.push(appendEntry(log[log.length - 1] ?? null, entry));
      if (c.what === 'arrived' || (c.what === 'status' && c.to === 'on_scene')) arrived(c);
    }
    return changes;
  };
  const apply = (input: UnitInput): UnitChange[] => record(applyUnitInput(fleet, input, ctx));

  function arrived(c: UnitChange): void {
    trips.delete(c.unitId);
    const job = c.incidentId ? jobs.get(c.incidentId) : undefined;
    if (!job) return;
    onSceneUntil.set(c.unitId, now + needsOf(job.type).onSceneMin * 60_000);
    const primary = needsOf(job.type).capabilities[0];
    if (primary && job.primaryArrivedAt === null && c.unit.capabilities.includes(primary)) job.primaryArrivedAt = now;
  }

  function startTrip(
    unitId: string,
    purpose: Trip['purpose'],
    targetNode: number,
    route: Route | null,
    startAt: number,
    incidentId?: string,
  ): void {
    const unit = fleet.units.get(unitId)!;
    const r =
      route ??
      router.route(unit.nodeId, targetNode, responderRestrictions(restrictions, city.graph, targetNode)) ??
      router.route(unit.nodeId, targetNode);
    if (!r) {
      cutOff++;
      return;
    }
    trips.set(unitId, {
      unitId,
      purpose,
      route: r,
      startedAt: startAt,
      targetNode,
      nextFixAt: startAt,
      ...(incidentId ? { incidentId } : {}),
    });
  }

  function goHome(unitId: string): void {
    const unit = fleet.units.get(unitId)!;
    onSceneUntil.delete(unitId);
    startTrip(unitId, 'home', unit.homeNodeId, null, now);
  }

  function handleIncidentChanges(changes: readonly IncidentChange[]): void {
    for (const c of changes) {
      restrictionsDirty = true;
      switch (c.what) {
        case 'opened':
        case 'split_off': {
          const needs = needsOf(c.incident.type);
          if (needs.capabilities.length === 0 || jobs.has(c.incidentId)) break;
          jobs.set(c.incidentId, {
            incidentId: c.incidentId,
            type: c.incident.type,
            district: c.incident.district,
            openedAt: now,
            missing: [...needs.capabilities],
            units: [],
            attempts: 0,
            waitedForUnit: false,
            primaryDispatchedAt: null,
            primaryArrivedAt: null,
            ended: false,
          });
          due.ack.push({ at: now + ackDelayMs, incidentId: c.incidentId });
          nextAttempt.set(c.incidentId, now + ackDelayMs + dispatchDelayMs);
          break;
        }
        case 'resolution_proposed':
          due.resolve.push({ at: now + resolveDelayMs, incidentId: c.incidentId });
          break;
        case 'resolved':
        case 'closed':
        case 'false_alarm':
        case 'merged_into': {
          const job = jobs.get(c.incidentId);
          if (job) job.ended = true;
          nextAttempt.delete(c.incidentId);
          for (const change of apply({
            type: 'release',
            incidentId: c.incidentId,
            actor: 'twin',
            reason: `incident ${c.what.replace('_into', '')}`,
          })) {
            if (change.what === 'released') goHome(change.unitId);
          }
          break;
        }
        case 'reopened': {
          const job = jobs.get(c.incidentId);
          if (job && job.missing.length > 0) {
            job.ended = false;
            nextAttempt.set(c.incidentId, now);
          }
          break;
        }
        default:
          break;
      }
    }
  }

  function dispatch(job: WhatIfJob, incident: Incident): void {
    const recs = recommendUnits({
      incident: { id: incident.id, type: incident.type, lng: incident.lng, lat: incident.lat },
      units: [...fleet.units.values()],
      router,
      restrictions,
      now,
      timeZone: cityTimeZone(city),
      limit: 10,
      districtOf,
    });
    const primary = needsOf(job.type).capabilities[0];
    job.attempts++;
    const unserved: Capability[] = [];
    let remaining = [...job.missing];
    // Bounded: every pass removes at least the capability it looked at.
    while (remaining.length > 0) {
      const cap = remaining[0]!;
      const rec = recs.find((r) => r.matched.includes(cap) && !job.units.includes(r.unitId));
      if (!rec) {
        unserved.push(cap);
        remaining = remaining.slice(1);
        continue;
      }
      apply({
        type: 'assign',
        unitId: rec.unitId,
        incidentId: job.incidentId,
        actor: DISPATCHER,
        reason: `recommended rank ${rec.rank} for ${cap}`,
        place: { lng: incident.lng, lat: incident.lat },
      });
      job.units.push(rec.unitId);
      onSceneUntil.delete(rec.unitId);
      if (primary && job.primaryDispatchedAt === null && rec.matched.includes(primary)) job.primaryDispatchedAt = now;
      startTrip(rec.unitId, 'incident', rec.route.toNode, rec.route, now + turnoutMs, job.incidentId);
      // A unit bringing several needed capabilities covers them all.
      remaining = remaining.filter((x) => !rec.matched.includes(x));
    }
    job.missing = unserved;
    if (unserved.length > 0) {
      if (job.attempts === 1) job.waitedForUnit = true;
      nextAttempt.set(job.incidentId, now + retryMs);
    } else nextAttempt.delete(job.incidentId);
  }

  function refreshRestrictions(incidents: Map<string, Incident>): void {
    restrictions = restrictionsFromIncidents(incidents.values(), city, (id) => sites.get(id));
    restrictionsDirty = false;
    restrictionsAt = now;
    maxClosedEdges = Math.max(maxClosedEdges, restrictions.closed.size);
    if (restrictions.closed.size === 0) return;
    for (const trip of trips.values()) {
      const elapsedS = Math.max(0, (now - trip.startedAt) / 1000);
      const p = positionAlong(trip.route, elapsedS);
      if (p.done) continue;
      const target = responderRestrictions(restrictions, city.graph, trip.targetNode)!;
      const ahead = trip.route.edges.slice(p.segment + 1);
      const blocked = ahead.find((e) => target.closed.has(e));
      if (blocked === undefined) continue;
      const from = trip.route.nodes[p.segment + 1]!;
      const next = router.route(from, trip.targetNode, target);
      if (!next) {
        cutOff++;
        continue;
      }
      // Finish the edge being driven, then follow the new route.
      const toNodeS = trip.route.cumulativeS[p.segment + 1]! - elapsedS;
      const coords: [number, number][] = [[p.lng, p.lat], ...next.coords];
      const cumulativeS = [0, ...next.cumulativeS.map((t) => t + toNodeS)];
      const route: Route = {
        fromNode: trip.route.nodes[p.segment]!,
        toNode: next.toNode,
        nodes: [trip.route.nodes[p.segment]!, ...next.nodes],
        edges: [trip.route.edges[p.segment]!, ...next.edges],
        lengthM: next.lengthM,
        travelTimeS: cumulativeS[cumulativeS.length - 1]!,
        coords,
        cumulativeS,
      };
      reroutes++;
      log.push(
        appendEntry(log[log.length - 1] ?? null, {
          at: now,
          actor: 'twin',
          action: 'reroute',
          unitId: trip.unitId,
          ...(trip.incidentId ? { incidentId: trip.incidentId } : {}),
          reason: restrictions.closed.get(blocked) ?? 'road closed',
          data: { closedEdge: blocked, oldRemainingS: Math.round(p.remainingS), newRemainingS: Math.round(route.travelTimeS) },
        }),
      );
      trips.set(trip.unitId, { ...trip, route, startedAt: now, nextFixAt: Math.max(trip.nextFixAt, now) });
    }
  }

  function moveUnits(): void {
    for (const trip of [...trips.values()]) {
      if (now < trip.startedAt || now < trip.nextFixAt) continue;
      const unit = fleet.units.get(trip.unitId)!;
      const p = positionAlong(trip.route, (now - trip.startedAt) / 1000);
      trip.nextFixAt = now + avlMs;
      // The crew's terminal reports en route with the first fix after turnout.
      const status = trip.purpose === 'incident' && unit.status === 'dispatched' ? 'en_route' : undefined;
      apply({ type: 'position', unitId: trip.unitId, ts: now, lng: p.lng, lat: p.lat, heading: p.heading, ...(status ? { status } : {}) });
      const after = fleet.units.get(trip.unitId)!;
      if (!p.done || !trips.has(trip.unitId)) continue;
      if (trip.purpose === 'incident' && after.status === 'en_route') {
        // At the end of the road: the crew reports on scene (the incident may be off the road).
        apply({ type: 'status', unitId: trip.unitId, to: 'on_scene', actor: `unit:${trip.unitId}` });
      } else if (trip.purpose === 'home') {
        trips.delete(trip.unitId);
        if (after.status === 'returning') apply({ type: 'status', unitId: trip.unitId, to: 'available', actor: SIMULATOR });
      }
    }
  }

  const replay = replayScenario(city, run, undefined, {
    onStep(stepNow, changes, engine) {
      now = stepNow;
      const extra: IncidentChange[] = [];
      const incidents = engine.incidents.incidents;
      handleIncidentChanges(changes);
      const operator = (incidentId: string, action: 'acknowledge' | 'resolve') => {
        const inc = incidents.get(incidentId);
        if (!inc) return;
        if (action === 'acknowledge' && inc.status !== 'open') return;
        if (action === 'resolve' && !(inc.resolutionProposed && (inc.status === 'open' || inc.status === 'acknowledged'))) return;
        const made = applyIncidentInput(engine.incidents, { type: 'operator', incidentId, actor: DISPATCHER, command: { action } }, ctx);
        extra.push(...made);
        handleIncidentChanges(made);
      };
      while (due.ack.length > 0 && due.ack[0]!.at <= now) operator(due.ack.shift()!.incidentId, 'acknowledge');
      while (due.resolve.length > 0 && due.resolve[0]!.at <= now) operator(due.resolve.shift()!.incidentId, 'resolve');
      if (restrictionsDirty && now - restrictionsAt >= restrictionsMs) refreshRestrictions(incidents);
      for (const [incidentId, at] of [...nextAttempt]) {
        if (at > now) continue;
        const job = jobs.get(incidentId);
        const inc = incidents.get(incidentId);
        if (!job || !inc || job.ended || !(inc.status === 'open' || inc.status === 'acknowledged')) {
          nextAttempt.delete(incidentId);
          continue;
        }
        dispatch(job, inc);
      }
      for (const [unitId, until] of [...onSceneUntil]) {
        if (until > now) continue;
        onSceneUntil.delete(unitId);
        if (fleet.units.get(unitId)?.status !== 'on_scene') continue;
        apply({ type: 'status', unitId, to: 'returning', actor: SIMULATOR, reason: 'work on scene done' });
        goHome(unitId);
      }
      moveUnits();
      record(applyUnitInput(fleet, { type: 'tick' }, ctx));
      return extra;
    },
  });

  const jobList = [...jobs.values()];
  const needing = new Set(jobList.map((j) => j.incidentId));
  const times = responseTimesOf(
    replay.changes.filter((c) => needing.has(c.incidentId)),
    unitChanges,
  );
  const primaryDelays = jobList.filter((j) => j.primaryArrivedAt !== null).map((j) => (j.primaryArrivedAt! - j.openedAt) / 1000);
  return {
    scenario: options.scenario,
    seed,
    city: city.name?.en ?? city.id ?? 'city',
    fleetSize: units.length,
    pumpTeams: units.filter((u) => u.kind === 'pump_team').length,
    jobs: jobList,
    times,
    summary: summarizeResponseTimes(times),
    primaryArrive: { count: primaryDelays.length, medianS: percentile(primaryDelays, 50), p90S: percentile(primaryDelays, 90) },
    waitedForUnit: jobList.filter((j) => j.waitedForUnit).length,
    neverServed: jobList.filter((j) => j.units.length === 0).length,
    partlyServed: jobList.filter((j) => j.units.length > 0 && j.missing.length > 0).length,
    reroutes,
    cutOff,
    maxClosedEdges,
    unitChanges,
    log,
    logCheck: verifyChain(log),
  };
}
