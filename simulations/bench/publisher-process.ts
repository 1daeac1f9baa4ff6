/**
 * A publisher in its own process (so it does not share the event loop with the broker and
 * the ingest being measured). Argument: JSON of LoadOptions, or of a latency run
 * `{ "latency": true, brokerUrl, sensors, ratePerSec, seconds }` whose readings carry their
 * publish time. Prints one JSON line with the result.
 */
import mqtt from 'mqtt';
import { generateLoad, loadSensorId, type LoadOptions } from '../load-generator.ts';

interface LatencyRun {
  latency: true;
  brokerUrl: string;
  sensors: number;
  ratePerSec: number;
  seconds: number;
}

async function latencyRun(o: LatencyRun): Promise<{ sent: number; elapsedMs: number }> {
  const client = await mqtt.connectAsync(o.brokerUrl, { clientId: `bench-latency-${process.pid}` });
  const topics = Array.from({ length: o.sensors }, (_, s) => `citytwin/v1/sensors/${loadSensorId(s)}/data`);
  const total = Math.round(o.ratePerSec * o.seconds);
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * o.ratePerSec) / 1000) + 1);
    while (sent < due) {
      const s = sent % o.sensors;
      // ts = publish time: the console side measures publish → screen from it.
      client.publish(topics[s]!, `{"ts":${Date.now()},"values":{"water_level_cm":${(sent % 20) + 1}}}`, { qos: 1 });
      sent++;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await client.endAsync();
  return { sent, elapsedMs: performance.now() - t0 };
}

const arg = process.argv[2];
if (!arg) {
  process.stderr.write('usage: publisher-process.ts <json options>\n');
  process.exit(2);
}
const options = JSON.parse(arg) as LoadOptions | LatencyRun;
const result = 'latency' in options ? await latencyRun(options) : await generateLoad(options);
process.stdout.write(`${JSON.stringify(result)}\n`);
