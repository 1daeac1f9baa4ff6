/**
 * A gateway fleet in its own process for bench run 16: every one of `sensors` registered sensors
 * (`big-<i>`, the registry scale-bench.ts writes) reports once a second, 100 devices to a SenML
 * pack on `citytwin/v1/gateways/bench-gw-<g>/senml`, the packs spread evenly over the second.
 * Each second about 3 % of the sensors are in their kind's warning band and 2 % in its alarm
 * band, a different share every second, so the live map changes colour as a real city would in
 * a storm. Argument: JSON `{ brokerUrl, sensors, seconds, seed }`: it stops after `seconds` or at
 * SIGTERM, whichever comes first, and prints one JSON line.
 */
import mqtt from 'mqtt';
import { DEFAULT_ALARM_RULES, METRIC_UNITS, type MetricRule } from '../../twin-model/index.ts';
import { generateCity } from '../../twin-model/city/index.ts';

interface Options {
  brokerUrl: string;
  sensors: number;
  seconds: number;
  seed: number;
}

const PACK = 100;
const MAX_IN_FLIGHT = 2_000;

/** Normal, warning and alarm values of a rule. */
function bands(rule: MetricRule): [number, number, number] {
  const w = rule.warning.enter;
  const a = rule.alarm.enter;
  return rule.direction === 'above' ? [w * 0.5, (w + a) / 2, a * 1.2] : [w * 2, (w + a) / 2, a * 0.5];
}

/** One prebuilt record head per sensor (`{"bn":"big-7:","n":"…","u":"…","v":`) and its three values. */
function prepare(o: Options): { heads: string[]; values: [number, number, number][] } {
  const sites = generateCity({ seed: o.seed, sensorCount: 20_000 }).sensorSites;
  const heads: string[] = [];
  const values: [number, number, number][] = [];
  for (let i = 0; i < o.sensors; i++) {
    const rule = DEFAULT_ALARM_RULES[sites[i % sites.length]!.kind].metrics[0]!;
    heads.push(`{"bn":"big-${i}:","n":"${rule.metric}","u":"${METRIC_UNITS[rule.metric]}","v":`);
    values.push(bands(rule));
  }
  return { heads, values };
}

async function run(o: Options): Promise<{ packs: number; readings: number; acknowledged: number; errors: number; elapsedMs: number }> {
  const { heads, values } = prepare(o);
  const client = await mqtt.connectAsync(o.brokerUrl, { clientId: `bench-gateways-${process.pid}`, clean: true });
  const packsPerSecond = Math.ceil(o.sensors / PACK);
  let packs = 0;
  let acknowledged = 0;
  let errors = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const total = packsPerSecond * o.seconds;
  let stopped = false;
  process.once('SIGTERM', () => {
    stopped = true;
  });
  while (packs < total && !stopped) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * packsPerSecond) / 1000) + 1);
    while (packs < due && inFlight < MAX_IN_FLIGHT) {
      const second = Math.floor(packs / packsPerSecond);
      const g = packs % packsPerSecond;
      const from = g * PACK;
      const to = Math.min(o.sensors, from + PACK);
      const parts: string[] = [];
      for (let i = from; i < to; i++) {
        const phase = (i * 37 + second * 11) % 100;
        const band = phase < 2 ? 2 : phase < 5 ? 1 : 0;
        parts.push(`${heads[i]}${values[i]![band]}${i === from ? `,"bt":${Date.now() / 1000}` : ''}}`);
      }
      inFlight++;
      client.publish(`citytwin/v1/gateways/bench-gw-${g}/senml`, `[${parts.join(',')}]`, { qos: 1 }, (err) => {
        inFlight--;
        if (err) errors++;
        else acknowledged++;
      });
      packs++;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const drainUntil = performance.now() + 30_000;
  while (inFlight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  await client.endAsync();
  return { packs, readings: packs * PACK, acknowledged, errors, elapsedMs: performance.now() - t0 };
}

const arg = process.argv[2];
if (!arg) {
  process.stderr.write('usage: gateway-publisher.ts <json options: brokerUrl, sensors, seconds, seed>\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await run(JSON.parse(arg) as Options))}\n`);
