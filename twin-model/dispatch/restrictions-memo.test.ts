import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { generateCity } from '../city/generate-city.ts';
import type { Incident, LinkedEvidence } from '../incidents/incident-correlator.ts';
import type { IncidentType } from '../vocabulary.ts';
import { EdgeGrid } from './edge-grid.ts';
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

describe('EdgeGrid', () => {
  it('answers, in the graph order, every edge a walk over the graph finds within the radius', () => {
    const rnd = seededRandom(17);
    const grid = new EdgeGrid(city.graph);
    let found = 0;
    for (let q = 0; q < 300; q++) {
      const [lng, lat] = q % 10 === 0 ? [114 + rnd() * 0.8, 30.3 + rnd() * 0.6] : nearRoad(rnd);
      const radius = [50, 100, 150, 300, 500, 2_000][q % 6]!;
      const candidates = grid.candidates(lng, lat, radius);
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
