/**
 * Gateways in their own process for bench run 15 (live-million-bench.ts): `sensors` registered
 * sensors `big-0 …` each report one water level a minute (every `periodS` seconds when given:
 * run 16 asks for once a second), packed as gateways send them — SenML
 * packs of `packSize` records on `citytwin/v1/gateways/gw-<n>/senml`, QoS 1 — paced by the
 * wall clock for `seconds`. Every `alarmEvery`-th sensor reports an alarm level in even minutes
 * and a normal one in odd minutes, so alarms enter and leave all along. Argument: JSON of
 * GatewayLoad; prints one JSON line with what was published, after `seconds` or at SIGTERM.
 */
import mqtt from 'mqtt';

export interface GatewayLoad {
  brokerUrl: string;
  sensors: number;
  seconds: number;
  packSize: number;
  gateways: number;
  alarmEvery: number;
  /** Seconds between two readings of one sensor. @default 60 */
  periodS?: number;
}

export interface GatewayLoadResult {
  packs: number;
  readings: number;
  alarmReadings: number;
  errors: number;
  elapsedMs: number;
}

const MAX_IN_FLIGHT = 400;

/** One pack: `count` sensors from `first` (wrapping), all at `ts`. */
function pack(o: GatewayLoad, first: number, count: number, ts: number, alarmMinute: boolean): { body: string; alarms: number } {
  const records: string[] = [];
  let alarms = 0;
  for (let k = 0; k < count; k++) {
    const i = (first + k) % o.sensors;
    const alarm = alarmMinute && i % o.alarmEvery === 0;
    if (alarm) alarms++;
    const value = alarm ? 42 : 2 + ((i * 7 + ts) % 80) / 10;
    records.push(
      k === 0
        ? `{"bn":"big-${i}:","bt":${ts / 1000},"bu":"cm","n":"water_level_cm","v":${value}}`
        : `{"bn":"big-${i}:","n":"water_level_cm","v":${value}}`,
    );
  }
  return { body: `[${records.join(',')}]`, alarms };
}

export async function publishGatewayLoad(o: GatewayLoad): Promise<GatewayLoadResult> {
  const client = await mqtt.connectAsync(o.brokerUrl, { clientId: `bench-gateways-${process.pid}`, clean: true });
  const perSecond = o.sensors / (o.periodS ?? 60);
  const total = Math.round(perSecond * o.seconds);
  const result: GatewayLoadResult = { packs: 0, readings: 0, alarmReadings: 0, errors: 0, elapsedMs: 0 };
  let inFlight = 0;
  let sent = 0;
  const t0 = performance.now();
  let stopped = false;
  process.once('SIGTERM', () => {
    stopped = true;
  });
  while (sent < total && !stopped) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * perSecond));
    while (sent + o.packSize <= due || (due === total && sent < total)) {
      if (inFlight >= MAX_IN_FLIGHT) break;
      const count = Math.min(o.packSize, total - sent);
      const ts = Date.now();
      const minute = Math.floor((performance.now() - t0) / 60_000);
      const p = pack(o, sent, count, ts, minute % 2 === 0);
      const topic = `citytwin/v1/gateways/gw-${Math.floor(sent / o.packSize) % o.gateways}/senml`;
      inFlight++;
      client.publish(topic, p.body, { qos: 1 }, (err) => {
        inFlight--;
        if (err) result.errors++;
      });
      result.packs++;
      result.readings += count;
      result.alarmReadings += p.alarms;
      sent += count;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const end = Date.now() + 120_000;
  while (inFlight > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  result.errors += inFlight;
  result.elapsedMs = performance.now() - t0;
  await client.endAsync();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = process.argv[2];
  if (!arg) {
    process.stderr.write('usage: gateway-publisher.ts <json GatewayLoad>\n');
    process.exit(2);
  }
  const result = await publishGatewayLoad(JSON.parse(arg) as GatewayLoad);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
