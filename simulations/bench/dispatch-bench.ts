/**
 * Bench run 6: dispatch. How long one road tree over the whole generated city takes, how long
 * a recommendation for one incident over a 500-unit fleet takes (with a few dozen flooded
 * underpasses closed), and whether the recommender's top unit for the primary capability is
 * the truly fastest one: over the incidents the six scenarios produce (replayed through the
 * FusionEngine for several seeds), with a quarter of the fleet busy, it is compared with
 * `exhaustiveFastest`, which routes every candidate separately with A*.
 */
import { generateCity } from '../../twin-model/city/index.ts';
import { cityTimeZone } from '../../twin-model/local-time.ts';
import {
  createRandom,
  exhaustiveFastest,
  generateFleet,
  needsOf,
  recommendUnits,
  restrictionsFromIncidents,
  RoadRouter,
  type CityModel,
  type Incident,
  type IncidentType,
  type ResponseUnit,
  type RoadRestrictions,
} from '../../twin-model/index.ts';
import { replayScenario } from '../evaluation/replay-scenario.ts';
import { generateScenario } from '../scenarios/index.ts';
import { SCENARIO_NAMES } from '../scenarios/scenario-types.ts';

export interface DispatchMismatch {
  scenario: string;
  seed: number;
  incidentId: string;
  type: IncidentType;
  recommended: string | null;
  recommendedEtaS: number | null;
  fastest: string | null;
  fastestEtaS: number | null;
  why: string;
}

export interface DispatchFigures {
  nodes: number;
  edges: number;
  treeUsP50: number;
  treeUsMean: number;
  units: number;
  closedUnderpasses: number;
  incidents: number;
  recommendMsP50: number;
  recommendMsP95: number;
  recommendMsP99: number;
  /** Accuracy check over the scenarios' incidents. */
  seeds: number[];
  checked: number;
  agree: number;
  /** Agreements where another unit had exactly the same ETA (counted as agreeing). */
  ties: number;
  agreeRatio: number;
  mismatches: DispatchMismatch[];
  /** Scenario incidents whose type needs no unit (service surges), not checked. */
  skippedNoNeed: number;
  /** Closed and slowed edges the scenarios' incidents produced (summed over replays). */
  scenarioClosed: number;
  scenarioSlowed: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** 500 units: the default mix scaled up. */
const BENCH_COUNTS = { pump_team: 110, fire_engine: 100, ambulance: 110, police: 110, traffic_police: 70 };
const DISPATCH_TYPES: IncidentType[] = ['waterlogging', 'traffic_accident', 'fire', 'power_outage', 'heat_stress', 'crowd'];

/** A fleet with a share of its units busy on scene (seeded). */
function busyFleet(city: CityModel, seed: number, busyShare: number): ResponseUnit[] {
  const random = createRandom(seed);
  return generateFleet(city, { counts: BENCH_COUNTS, seed }).map((u) =>
    random.next() < busyShare ? { ...u, status: 'on_scene' as const, incidentId: 'INC-busy' } : u,
  );
}

export function measureDispatch(scale = 1, seeds: number[] = [1, 2, 3]): DispatchFigures {
  const city = generateCity();
  const router = new RoadRouter(city.graph);
  const random = createRandom(6);
  const n = city.graph.nodes.length;

  // 1. One tree over the whole graph.
  for (let i = 0; i < 50; i++) router.travelTimesFrom(random.int(n));
  const treeRuns = Math.max(100, Math.round(500 * scale));
  const treeUs: number[] = [];
  for (let i = 0; i < treeRuns; i++) {
    const source = random.int(n);
    const t0 = performance.now();
    router.travelTimesFrom(source);
    treeUs.push((performance.now() - t0) * 1000);
  }
  treeUs.sort((a, b) => a - b);

  // 2. Recommendations over 500 units with 36 flooded underpasses.
  const units = busyFleet(city, 6, 0.2);
  const underpassAssets = city.assets.filter((a) => a.kind === 'underpass' && a.edgeId !== undefined);
  const closed = new Map<number, string>();
  for (const a of underpassAssets) if (closed.size < 36 && random.next() < 0.5) closed.set(a.edgeId!, `flooded ${a.nameEn}`);
  const restrictions: RoadRestrictions = { closed };
  const incidentCount = Math.max(1000, Math.round(1000 * scale));
  const makeIncident = (i: number) => {
    const node = city.graph.nodes[random.int(n)]!;
    return {
      id: `INC-bench-${i}`,
      type: DISPATCH_TYPES[random.int(DISPATCH_TYPES.length)]!,
      lng: node.lng + random.range(-0.003, 0.003),
      lat: node.lat + random.range(-0.003, 0.003),
    };
  };
  const baseNow = Date.UTC(2026, 6, 1, 0);
  const timeZone = cityTimeZone(city);
  for (let i = 0; i < 50; i++) recommendUnits({ incident: makeIncident(i), units, router, restrictions, now: baseNow, timeZone });
  const recommendMs: number[] = [];
  for (let i = 0; i < incidentCount; i++) {
    const incident = makeIncident(i);
    const now = baseNow + random.int(86_400_000);
    const t0 = performance.now();
    recommendUnits({ incident, units, router, restrictions, now, timeZone });
    recommendMs.push(performance.now() - t0);
  }
  recommendMs.sort((a, b) => a - b);

  // 3. Accuracy over the scenarios' incidents.
  let checked = 0;
  let agree = 0;
  let ties = 0;
  let skippedNoNeed = 0;
  let scenarioClosed = 0;
  let scenarioSlowed = 0;
  const mismatches: DispatchMismatch[] = [];
  for (const seed of seeds) {
    const fleet = busyFleet(city, seed, 0.25);
    for (const scenario of SCENARIO_NAMES) {
      const run = generateScenario(scenario, { city, seed });
      const { incidents } = replayScenario(city, run);
      const sites = new Map(city.sensorSites.map((s) => [s.id, s]));
      // Every incident of the replay counts as active: the worst case for closures.
      const active: Incident[] = incidents.map((inc) => ({ ...inc, status: 'open' }));
      const scenarioRestrictions = restrictionsFromIncidents(active, city, (id) => sites.get(id));
      scenarioClosed += scenarioRestrictions.closed.size;
      scenarioSlowed += scenarioRestrictions.slowed?.size ?? 0;
      for (const incident of incidents) {
        const needs = needsOf(incident.type);
        if (needs.capabilities.length === 0) {
          skippedNoNeed++;
          continue;
        }
        const primary = needs.capabilities[0]!;
        const input = { incident, units: fleet, router, restrictions: scenarioRestrictions, now: incident.openedAt, timeZone };
        const top = recommendUnits({ ...input, limit: 5 }).find((r) => r.matched.includes(primary)) ?? null;
        const best = exhaustiveFastest(input);
        checked++;
        if (top?.unitId === best?.unit.id) {
          agree++;
          continue;
        }
        if (top && best && Math.abs(top.etaS - best.etaS) < 1e-6) {
          agree++;
          ties++;
          continue;
        }
        const why = !top
          ? 'the recommender found no capable unit'
          : !best
            ? 'routing each unit found no capable unit'
            : top.etaS > best.etaS
              ? `the recommended unit is ${(top.etaS - best.etaS).toFixed(1)} s slower`
              : `the recommended unit is ${(best.etaS - top.etaS).toFixed(1)} s faster than the separately routed best`;
        mismatches.push({
          scenario,
          seed,
          incidentId: incident.id,
          type: incident.type,
          recommended: top?.unitId ?? null,
          recommendedEtaS: top?.etaS ?? null,
          fastest: best?.unit.id ?? null,
          fastestEtaS: best?.etaS ?? null,
          why,
        });
      }
    }
  }

  return {
    nodes: n,
    edges: city.graph.edges.length,
    treeUsP50: quantile(treeUs, 0.5),
    treeUsMean: treeUs.reduce((s, x) => s + x, 0) / treeUs.length,
    units: units.length,
    closedUnderpasses: closed.size,
    incidents: incidentCount,
    recommendMsP50: quantile(recommendMs, 0.5),
    recommendMsP95: quantile(recommendMs, 0.95),
    recommendMsP99: quantile(recommendMs, 0.99),
    seeds,
    checked,
    agree,
    ties,
    agreeRatio: checked ? agree / checked : Number.NaN,
    mismatches,
    skippedNoNeed,
    scenarioClosed,
    scenarioSlowed,
  };
}
