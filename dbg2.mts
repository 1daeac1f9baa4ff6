import { generateCity, haversineM } from './twin-model/city/index.ts';
import { generateScenario } from './simulations/scenarios/index.ts';
import { replayScenario } from './simulations/evaluation/replay-scenario.ts';
const name = process.argv[2] as any; const seed = Number(process.argv[3]); const gtId = process.argv[4];
const city = generateCity();
const run = generateScenario(name, { city, seed });
const t0 = run.startMs;
const gt = run.groundTruth.find(g => g.id === gtId)!;
console.log('GT', gt.id, gt.assetId, ((gt.start-t0)/60000).toFixed(1), ((gt.end-t0)/60000).toFixed(1), gt.notes);
const near = city.sensorSites.filter(s => haversineM([s.lng, s.lat], [gt.lng, gt.lat]) < 700 && (s.kind === 'water_level' || s.kind==='traffic_flow'));
for (const s of near) {
  const vals = run.inputs.filter(i => i.type === 'readings' && i.sensorId === s.id).map(i => (i as any).readings.map((r: any) => `${((r.ts-t0)/60000).toFixed(0)}:${r.value.toFixed(1)}`).join(',')).filter(Boolean);
  console.log('SITE', s.id, s.kind, s.assetId, Math.round(haversineM([s.lng, s.lat], [gt.lng, gt.lat])) + 'm', vals.slice(0, 80).join(' '));
}
for (const i of run.inputs) if (i.type === 'event' && haversineM([i.event.lng, i.event.lat], [gt.lng, gt.lat]) < 1500) console.log('EVENT', ((i.event.ts - t0)/60000).toFixed(1), i.event.type, i.event.category, Math.round(haversineM([i.event.lng, i.event.lat], [gt.lng, gt.lat])) + 'm');
const r = replayScenario(city, run);
for (const c of r.changes) if (haversineM([c.incident.lng, c.incident.lat], [gt.lng, gt.lat]) < 2500) console.log('CHG', ((c.at - t0)/60000).toFixed(1), c.incidentId, c.what, c.detail.slice(0, 100), Math.round(haversineM([c.incident.lng, c.incident.lat], [gt.lng, gt.lat])) + 'm');
const pend = r.engine.incidents.pending.get('waterlogging') ?? [];
console.log('PENDING near', pend.filter(p => haversineM([p.lng, p.lat], [gt.lng, gt.lat]) < 5000).map(p => `${p.id}[${p.signal}] ${((p.ts-t0)/60000).toFixed(0)} ${Math.round(haversineM([p.lng, p.lat], [gt.lng, gt.lat]))}m active=${p.active}`).join('\n'));
