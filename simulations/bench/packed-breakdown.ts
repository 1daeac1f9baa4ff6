/**
 * Bench runs 1 and 2's breakdowns: where the time of a message goes, stage by stage, on the
 * same messages the publisher sends (run 1: single JSON readings; run 2: SenML packs of 100
 * readings), measured in this process one
 * stage at a time with the product's own code. Each stage is timed as CPU time of the process
 * (the machine is shared: wall time follows other people's load, CPU time much less) and as
 * wall time, and given per reading:
 *
 *   MQTT parse (mqtt-packet, as aedes and mqtt.js read PUBLISH packets) · JSON.parse alone ·
 *   the payload parser (JSON.parse + SenML resolution or field checks + validation; the rest
 *   = the difference) · the twin (FusionEngine, the live code) · the spool append (the records
 *   of one 64 KiB read in one writev(2), as the embedded broker hands them over; redelivery
 *   digest included) · the rows (TabSeparated bytes, as the pipeline writes
 *   them into a batch's buffer) and the batch's text (the insert body) ·
 *   the insert into the embedded engine (client.insert, the product's format).
 *
 * The engine works on its own threads, so the insert's CPU time is mostly the engine's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { Spool, decodePayload, routeTopic } from '../../ingest/index.ts';
import { pushReadingRows, ReadingRows, textBody, type StorageClient } from '../../storage/index.ts';
import { createIncidentState, createTwinState, DeviceDirectory, FusionEngine, type Reading } from '../../twin-model/index.ts';
import { createLoadPayloadBuilder, loadSensorId } from '../load-generator.ts';
import { fmt, line } from './bench-report.ts';

/** One stage's cost. */
export interface StageCost {
  stage: string;
  /** Process CPU µs per reading. */
  cpuUsPerReading: number;
  /** Wall µs per reading. */
  wallUsPerReading: number;
}

export interface PackedBreakdown {
  readings: number;
  stages: StageCost[];
}

function timed<T>(run: () => T): { value: T; cpuUs: number; wallUs: number } {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const value = run();
  const c = process.cpuUsage(c0);
  return { value, cpuUs: c.user + c.system, wallUs: (performance.now() - w0) * 1000 };
}

async function timedAsync(run: () => Promise<void>): Promise<{ cpuUs: number; wallUs: number }> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await run();
  const c = process.cpuUsage(c0);
  return { cpuUs: c.user + c.system, wallUs: (performance.now() - w0) * 1000 };
}

/** The messages of a load run: topics and payloads, as the publisher builds them. */
function loadMessages(
  mode: 'single' | 'packed',
  messages: number,
  sensors: number,
  per: number,
): Array<{ topic: string; payload: Buffer }> {
  const base = Date.now() - Math.ceil(messages / sensors) * per;
  const build = createLoadPayloadBuilder(sensors, mode, per, 'water_level_cm', base);
  return Array.from({ length: messages }, (_, i) => ({
    topic: `citytwin/v1/sensors/${loadSensorId(i % sensors)}/data`,
    payload: Buffer.from(build(i % sensors, Math.floor(i / sensors))),
  }));
}

/** Reads every PUBLISH packet back out of the bytes a client would send (64 KiB reads). */
function mqttParse(wire: Buffer): number {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let packets = 0;
  parser.on('packet', () => packets++);
  for (let at = 0; at < wire.length; at += 65_536) parser.parse(wire.subarray(at, at + 65_536));
  return packets;
}

/** Measures every stage on `messages` packs of `per` readings; inserts into `client`'s `readings`. */
export function packedBreakdown(client: StorageClient, messages: number, per = 100): Promise<PackedBreakdown> {
  return messageBreakdown(client, 'packed', messages, per);
}

/** Run 1's breakdown: every stage on `messages` single-reading messages (per reading = per message). */
export function singleBreakdown(client: StorageClient, messages: number): Promise<PackedBreakdown> {
  return messageBreakdown(client, 'single', messages, 1);
}

async function messageBreakdown(client: StorageClient, mode: 'single' | 'packed', messages: number, per: number): Promise<PackedBreakdown> {
  const sensors = 2000;
  const msgs = loadMessages(mode, messages, sensors, per);
  const readings = messages * per;
  const stages: StageCost[] = [];
  const add = (stage: string, t: { cpuUs: number; wallUs: number }) =>
    stages.push({ stage, cpuUsPerReading: t.cpuUs / readings, wallUsPerReading: t.wallUs / readings });

  const wire = Buffer.concat(
    msgs.map((m, i) =>
      mqttPacket.generate({
        cmd: 'publish',
        topic: m.topic,
        payload: m.payload,
        qos: 1,
        messageId: (i % 65_535) + 1,
        retain: false,
        dup: false,
      }),
    ),
  );
  add(
    'MQTT parse (PUBLISH packets)',
    timed(() => mqttParse(wire)),
  );
  add(
    'JSON.parse alone',
    timed(() => {
      for (const m of msgs) JSON.parse(m.payload.toString('utf8'));
    }),
  );

  const directory = new DeviceDirectory();
  const at = Date.now();
  const parsed = timed(() =>
    msgs.map((m) => {
      const route = routeTopic(m.topic);
      if (route.to !== 'handler') throw new Error(`bench message refused: ${m.topic}`);
      const d = decodePayload(route.topic, m.payload, at, undefined, directory);
      if (!d.ok || d.kind !== 'data') throw new Error(`bench message refused: ${d.ok ? d.kind : d.detail}`);
      return d;
    }),
  );
  const json = stages.at(-1)!;
  stages.push({
    stage:
      mode === 'packed' ? 'SenML resolution + validation (parser − JSON.parse)' : 'topic + field checks + validation (parser − JSON.parse)',
    cpuUsPerReading: Math.max(0, parsed.cpuUs / readings - json.cpuUsPerReading),
    wallUsPerReading: Math.max(0, parsed.wallUs / readings - json.wallUsPerReading),
  });

  const twin = createTwinState();
  const engine = new FusionEngine(twin, createIncidentState(), { inCity: () => false, districtAt: () => null });
  const ctx = { now: () => at };
  add(
    'the twin (FusionEngine.readings)',
    timed(() => {
      for (const d of parsed.value) engine.readings(d.id, d.readings as Reading[], ctx);
    }),
  );

  const dir = mkdtempSync(join(tmpdir(), 'citytwin-bench-spool-'));
  try {
    const spool = Spool.open(dir, { maxBytes: 1 << 40 });
    // As the embedded broker hands them over: the publishes of one 64 KiB read, one writev(2).
    add(
      'spool append (one writev(2) per 64 KiB read)',
      timed(() => {
        let bytes = 0;
        for (const [i, m] of msgs.entries()) {
          void spool.enqueue(m.topic, m.payload, at, (i % 65_535) + 1);
          bytes += m.topic.length + m.payload.length + 6;
          if (bytes >= 65_536) {
            spool.flush();
            bytes = 0;
          }
        }
        spool.flush();
      }),
    );
    spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const batch = 100_000;
  const rows = timed(() => {
    const out: ReadingRows[] = [];
    for (const d of parsed.value) {
      const open = out.at(-1);
      const last = open && open.length < batch ? open : new ReadingRows();
      if (last !== open) out.push(last);
      pushReadingRows(last, 'sensor', d.id, d.readings, at);
    }
    return out;
  });
  add('rows as TabSeparated bytes (100k-row batches)', rows);
  const joined = timed(() => rows.value.map((r) => r.text()));
  add('batch text (the bytes as one string)', joined);
  add(
    'insert, TabSeparated via client.insert (engine)',
    await timedAsync(async () => {
      for (const chunk of joined.value) await client.insert({ table: 'readings', values: textBody(chunk), format: 'TabSeparated' });
    }),
  );
  return { readings, stages };
}
/** Prints runs 1 and 2's breakdowns: CPU and wall µs per message or reading, stage by stage. */
export function printBreakdown(b: PackedBreakdown, unit: 'message' | 'reading'): void {
  process.stdout.write(
    `  where the time goes, ${fmt(b.readings)} readings one stage at a time (µs per ${unit}: CPU of the process / wall)\n`,
  );
  const cpuTotal = b.stages.reduce((n, s) => n + s.cpuUsPerReading, 0);
  for (const s of b.stages)
    line(
      `  ${s.stage}`,
      `${fmt(s.cpuUsPerReading, 3)} / ${fmt(s.wallUsPerReading, 3)}`,
      `${fmt((100 * s.cpuUsPerReading) / cpuTotal)} % of the CPU`,
      null,
    );
  line('  sum', `${fmt(cpuTotal, 3)} µs`, `≈ ${fmt(1e6 / cpuTotal)} ${unit}s per CPU-second`, null);
}
