/**
 * Prints the figures of a generated city: generation time (cold, then warm), base-map size,
 * graph size and counts of assets and sensor sites per kind. A benchmark script, not a test
 * (timings depend on the machine): `npx tsx twin-model/city/city-figures.ts [seed] [sensorCount]`.
 */
import { gzipSync } from 'node:zlib';
import { cityBasemap } from './city-basemap.ts';
import { generateCity } from './generate-city.ts';

const seed = Number(process.argv[2] ?? 2026);
const sensorCount = Number(process.argv[3] ?? 3000);

const timed = <T>(run: () => T): { value: T; ms: number } => {
  const start = performance.now();
  const value = run();
  return { value, ms: Math.round(performance.now() - start) };
};

const cold = timed(() => generateCity({ seed, sensorCount }));
const warm = [1, 2, 3].map(() => timed(() => generateCity({ seed, sensorCount })).ms);
const city = cold.value;
const basemap = timed(() => JSON.stringify(cityBasemap(city)));
const countBy = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
};

console.log(
  JSON.stringify(
    {
      seed,
      sensorCount,
      generateMs: { cold: cold.ms, warm },
      basemap: {
        ms: basemap.ms,
        bytes: Buffer.byteLength(basemap.value),
        gzipBytes: gzipSync(basemap.value).length,
      },
      graph: {
        nodes: city.graph.nodes.length,
        edges: city.graph.edges.length,
        edgesByClass: countBy(city.graph.edges, (e) => e.roadClass),
        underpassEdges: city.graph.edges.filter((e) => e.underpass).length,
      },
      roads: city.roads.length,
      assets: countBy(city.assets, (a) => a.kind),
      sensorSites: countBy(city.sensorSites, (s) => s.kind),
      sources: city.sources.length,
    },
    null,
    2,
  ),
);
