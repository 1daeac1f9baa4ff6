import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { edgeCandidatesNear } from '../city/city-queries.ts';
import type { CityModel, GraphNode, RoadGraph } from '../city/city-types.ts';
import { generateCity } from '../city/generate-city.ts';
import type { Incident, LinkedEvidence } from '../incidents/incident-correlator.ts';
import type { IncidentType } from '../vocabulary.ts';
import { linkedAlarm, listedIncident } from '../incidents/fixtures/listed-incident.ts';
import { RestrictionsMemo } from './restrictions-memo.ts';
import { pointEdgeM, restrictionsFromIncidents } from './road-restrictions.ts';

const city = generateCity();
const sites = new Map(city.sensorSites.map((s) => [s.id, s]));
const siteOf = (id: string) => sites.get(id);
const TYPES: IncidentType[] = ['waterlogging', 'traffic_accident', 'fire', 'crowd'];

/** A point near a random edge of the city (most queries land where the roads are). */
function nearRoad(rnd: () => number): [number, number] {
  const e = city.graph.edges[Math.floor(rnd() * city.graph.edges.length)]!;
  const a = city.graph.nodes[e.from]!;
  const b = city.graph.nodes[e.to]!;
  const t = rnd();
  return [a.lng + (b.lng - a.lng) * t + (rnd() - 0.5) * 0.01, a.lat + (b.lat - a.lat) * t + (rnd() - 0.5) * 0.01];
}

function randomIncident(rnd: () => number, id: string): Incident {
  const [lng, lat] = nearRoad(rnd);
  const evidence: LinkedEvidence[] = [];
  const n = Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) {
    const site = city.sensorSites[Math.floor(rnd() * city.sensorSites.length)]!;
    const about = { sensorId: site.id, sensorKind: site.kind, ...(site.assetId ? { assetId: site.assetId } : {}) };
    evidence.push(linkedAlarm(`alarm:${site.id}`, site.lng, site.lat, about));
  }
  // Drawn in this order: type, status, severity.
  const type = TYPES[Math.floor(rnd() * TYPES.length)]!;
  const status = rnd() < 0.8 ? 'open' : 'resolved';
  return listedIncident(id, type, lng, lat, { status, severity: 1 + Math.floor(rnd() * 5), evidence });
}

describe('edgeCandidatesNear', () => {
  it('answers, in the graph order, every edge a walk over the graph finds within the radius', () => {
    const rnd = seededRandom(17);
    let found = 0;
    for (let q = 0; q < 300; q++) {
      const [lng, lat] = q % 10 === 0 ? [114 + rnd() * 0.8, 30.3 + rnd() * 0.6] : nearRoad(rnd);
      const radius = [50, 100, 150, 300, 500, 2_000][q % 6]!;
      const candidates = edgeCandidatesNear(city.graph, lng, lat, radius);
      expect(candidates).toEqual([...candidates].sort((a, b) => a - b));
      const near = candidates.filter((i) => pointEdgeM(city, city.graph.edges[i]!, lng, lat) <= radius);
      const walked: number[] = [];
      city.graph.edges.forEach((e, i) => {
        if (pointEdgeM(city, e, lng, lat) <= radius) walked.push(i);
      });
      expect(near).toEqual(walked);
      // The grid narrows: far fewer candidates than edges for a street-sized radius.
      if (radius <= 300) expect(candidates.length).toBeLessThan(city.graph.edges.length / 4);
      found += walked.length;
    }
    expect(found).toBeGreaterThan(300);
  });
});

describe('edgeCandidatesNear in any city', () => {
  /** A jittered street lattice around a centre, its edges in a shuffled order. */
  function lattice(rnd: () => number, lng0: number, lat0: number, wrap = false): RoadGraph {
    const nodes: GraphNode[] = [];
    const side = 30;
    for (let r = 0; r < side; r++)
      for (let c = 0; c < side; c++) {
        let lng = lng0 + (c - side / 2) * 0.003 + (rnd() - 0.5) * 0.001;
        if (wrap && lng > 180) lng -= 360;
        nodes.push({ id: nodes.length, lng, lat: lat0 + (r - side / 2) * 0.003 + (rnd() - 0.5) * 0.001 });
      }
    const pairs: [number, number][] = [];
    for (let r = 0; r < side; r++)
      for (let c = 0; c < side; c++) {
        if (c + 1 < side) pairs.push([r * side + c, r * side + c + 1]);
        if (r + 1 < side) pairs.push([r * side + c, (r + 1) * side + c]);
      }
    for (let k = pairs.length - 1; k > 0; k--) {
      const j = Math.floor(rnd() * (k + 1));
      [pairs[k], pairs[j]] = [pairs[j]!, pairs[k]!];
    }
    const edges = pairs.map(([from, to], id) => ({
      id,
      from,
      to,
      roadClass: 'street' as const,
      lengthM: 0,
      speedKmh: 30,
      travelTimeS: 0,
      underpass: false,
      bridge: false,
      tunnel: false,
    }));
    return { nodes, edges };
  }

  it('answers what a walk over the graph finds, in the graph order, in São Paulo, Reykjavík and by the antimeridian', () => {
    const rnd = seededRandom(41);
    for (const [lng0, lat0, wrap] of [
      [-46.63, -23.55, false],
      [-21.9, 64.14, false],
      [179.98, -17.0, true],
    ] as const) {
      const graph = lattice(rnd, lng0, lat0, wrap);
      const place = { graph } as CityModel;
      let found = 0;
      for (let q = 0; q < 120; q++) {
        const e = graph.edges[Math.floor(rnd() * graph.edges.length)]!;
        const a = graph.nodes[e.from]!;
        const lng = a.lng + (rnd() - 0.5) * 0.004;
        const lat = a.lat + (rnd() - 0.5) * 0.004;
        const radius = [50, 100, 300, 500][q % 4]!;
        const candidates = edgeCandidatesNear(graph, lng, lat, radius);
        expect(candidates).toEqual([...candidates].sort((x, y) => x - y));
        const walked: number[] = [];
        graph.edges.forEach((edge, i) => {
          if (pointEdgeM(place, edge, lng, lat) <= radius) walked.push(i);
        });
        expect(candidates.filter((i) => pointEdgeM(place, graph.edges[i]!, lng, lat) <= radius)).toEqual(walked);
        expect(candidates.length).toBeLessThan(graph.edges.length / 4);
        found += walked.length;
      }
      expect(found).toBeGreaterThan(120);
      // An edge added to the graph is a candidate of the next query.
      const p = graph.nodes[0]!;
      graph.edges.push({ ...graph.edges[0]!, id: graph.edges.length, from: 0, to: 1 });
      expect(edgeCandidatesNear(graph, p.lng, p.lat, 50)).toContain(graph.edges.length - 1);
    }
  });
});

describe('RestrictionsMemo', () => {
  it('gives what restrictionsFromIncidents gives while incidents open, change and end, working out only what changed', () => {
    const rnd = seededRandom(2026);
    const memo = new RestrictionsMemo();
    let incidents = Array.from({ length: 200 }, (_, i) => randomIncident(rnd, `INC-${i}`));
    let next = incidents.length;
    expect(memo.restrictions(incidents, city)).toEqual(restrictionsFromIncidents(incidents, city, siteOf));
    expect(memo.computed).toBe(200);
    let closures = 0;
    for (let step = 0; step < 40; step++) {
      const before = memo.computed;
      // Two incidents change (status, severity, place or evidence), one ends, one opens.
      const changed = [Math.floor(rnd() * incidents.length), Math.floor(rnd() * incidents.length)];
      for (const k of changed) {
        const old = incidents[k]!;
        const fresh = randomIncident(rnd, old.id);
        const which = step % 4;
        incidents[k] =
          which === 0
            ? { ...old, status: old.status === 'open' ? 'resolved' : 'open' }
            : which === 1
              ? { ...old, severity: old.severity === 5 ? 1 : old.severity + 1 }
              : which === 2
                ? { ...old, lng: fresh.lng, lat: fresh.lat }
                : { ...old, evidence: [...old.evidence, ...fresh.evidence] };
      }
      incidents = incidents.filter((_, k) => k !== Math.floor(rnd() * incidents.length));
      incidents.push(randomIncident(rnd, `INC-${next++}`));
      const r = memo.restrictions(incidents, city);
      expect(r).toEqual(restrictionsFromIncidents(incidents, city, siteOf));
      expect(memo.computed - before).toBeLessThanOrEqual(3);
      closures += r.closed.size;
    }
    expect(closures).toBeGreaterThan(0);
    // A new sensor-site list starts over.
    const before = memo.computed;
    memo.restrictions(incidents, { ...city, sensorSites: [...city.sensorSites] });
    expect(memo.computed - before).toBe(incidents.length);
  });
});
