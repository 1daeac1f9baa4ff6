import { describe, expect, it } from 'vitest';
import { createRandom, DeviceDirectory, Vocabulary } from '../twin-model/index.ts';
import { createIngest } from './index.ts';
import type { StorageBatch, StorageSink } from '../storage/storage-batch.ts';

class MemorySink implements StorageSink {
  readonly batches: StorageBatch[] = [];
  async write(batch: StorageBatch): Promise<void> {
    this.batches.push(batch);
  }
}

const NOW = Date.UTC(2026, 6, 1, 8);
const GOOD_TOPICS = [
  'citytwin/v1/sensors/wl-1/data',
  'citytwin/v1/metrics/hall-1/data',
  'citytwin/v1/sensors/wl-1/meta',
  'citytwin/v1/events/hotline',
  'citytwin/v1/units/u-1/position',
];

/** Random bytes, truncated JSON, wrong types, odd topics: a bounded fuzz of the message path. */
function junk(r: ReturnType<typeof createRandom>): [string, Buffer] {
  const topics = [
    ...GOOD_TOPICS,
    'citytwin/v1/sensors/%%/data',
    'citytwin/v1',
    'citytwin/v1/sensors//data',
    'x/y',
    `citytwin/v1/sensors/${'a'.repeat(80)}/data`,
    'citytwin/v1/units/u-1/position/extra',
  ];
  const topic = r.pick(topics);
  const shapes: Array<() => Buffer> = [
    () => Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256))),
    () => Buffer.from(JSON.stringify({ ts: NOW, values: { water_level_cm: r.range(-10, 100) } }).slice(0, r.int(40))),
    () =>
      Buffer.from(
        JSON.stringify({
          ts: r.pick([NOW, 'x', null, -1, 1e300, NOW / 1000]),
          values: { water_level_cm: r.pick([1, '1', null, [], {}, true]) },
        }),
      ),
    () =>
      Buffer.from(
        JSON.stringify([
          {
            bn: r.pick(['wl-1:', 'x', 5]),
            n: r.pick(['water_level_cm', 'pm25', '', 7]),
            v: r.pick([1, 'NaN', null]),
            t: r.pick([0, -5, 'a']),
          },
        ]),
      ),
    () =>
      Buffer.from(
        JSON.stringify({
          id: r.pick(['c1', '', 'bad id']),
          ts: NOW,
          type: r.pick(['citizen_report', 'x']),
          lng: r.range(-200, 200),
          lat: 30,
        }),
      ),
    () => Buffer.from(JSON.stringify({ kind: r.pick(['rain_gauge', 'x']), lng: r.range(100, 120), lat: r.range(20, 40) })),
    () => Buffer.from(r.pick(['', 'null', '[]', '{}', '1e999', '"str"', '{"ts":1e999}'])),
  ];
  return [topic, r.pick(shapes)()];
}

describe('IngestPipeline', () => {
  it('neither stores nor dead-letters nor counts the system topic (other workers’ stats)', async () => {
    const sink = new MemorySink();
    const { pipeline, writer } = createIngest({ sink, batchMaxRows: 200, batchMaxDelayMs: 5, now: () => NOW });
    pipeline.handleMessage('citytwin/v1/system/ingest/w-2/stats', Buffer.from('{"v":1}'), NOW);
    pipeline.handleMessage('citytwin/v1/system', Buffer.from('x'), NOW);
    // Only the exact root or below it: a look-alike family is an unknown topic, dead-lettered.
    pipeline.handleMessage('citytwin/v1/systemx/a', Buffer.from('x'), NOW);
    await writer.flush();
    expect(pipeline.metrics).toMatchObject({ systemMessages: 2, received: 1, rejected: 1, stored: 0 });
    expect(sink.batches.flatMap((b) => b.deadLetters).map((d) => d.topic)).toEqual(['citytwin/v1/systemx/a']);
  });

  it('keeps received = stored + rejected + pending through 5,000 fuzzed messages', async () => {
    const sink = new MemorySink();
    const { pipeline, writer } = createIngest({ sink, batchMaxRows: 200, batchMaxDelayMs: 5, now: () => NOW });
    const r = createRandom(99);
    for (let i = 0; i < 5000; i++) {
      const [topic, payload] = junk(r);
      pipeline.handleMessage(topic, payload, NOW);
      const m = pipeline.metrics;
      expect(m.received).toBe(m.stored + m.rejected + writer.pendingMessages - countRejectedPending(writer));
    }
    await writer.flush();
    const m = pipeline.metrics;
    expect(m.received).toBe(5000);
    expect(m.stored + m.rejected).toBe(5000);
    const deadLetters = sink.batches.reduce((n, b) => n + b.deadLetters.length, 0);
    expect(deadLetters).toBe(m.rejected);
    expect(m.rejected).toBeGreaterThan(3000);
    const byReason = [...m.rejectedBy.keys()].map((k) => k.split('|')[0]);
    expect(byReason).toEqual(
      expect.arrayContaining(['invalid_json', 'invalid_utf8', 'bad_schema', 'unknown_topic', 'bad_id', 'bad_time', 'non_finite', 'empty']),
    );
  });

  it('keeps received = stored + rejected + pending per source', async () => {
    const sink = new MemorySink();
    const { pipeline, writer } = createIngest({ sink, batchMaxRows: 3, batchMaxDelayMs: 10_000, now: () => NOW });
    const data = (value: unknown) => Buffer.from(JSON.stringify({ ts: NOW, values: { water_level_cm: value } }));
    const send = (topic: string, payload: Buffer | string) =>
      pipeline.handleMessage(topic, typeof payload === 'string' ? Buffer.from(payload) : payload, NOW);
    send('citytwin/v1/sensors/wl-1/meta', JSON.stringify({ kind: 'water_level', lng: 114.3, lat: 30.6, source: 'waterlogging' }));
    send('citytwin/v1/sensors/wl-1/data', data(3));
    send('citytwin/v1/sensors/wl-1/data', data('deep'));
    send('citytwin/v1/sensors/wl-1/data', data(4));
    send('citytwin/v1/events/hotline', JSON.stringify({ id: 'c1', ts: NOW, type: 'citizen_report', lng: 114.3, lat: 30.6 }));
    send('citytwin/v1/events/hotline', '{');
    send('citytwin/v1/sensors/wl-2/data', data(1)); // no meta yet: source unknown
    send('citytwin/v1/nowhere', 'x');
    await writer.flush();
    const bySource = Object.fromEntries(pipeline.metrics.bySource);
    expect(bySource).toEqual({
      waterlogging: { received: 4, stored: 3, rejected: 1 },
      hotline: { received: 2, stored: 1, rejected: 1 },
      unknown: { received: 2, stored: 1, rejected: 1 },
    });
    for (const c of Object.values(bySource)) expect(c.received).toBe(c.stored + c.rejected);
    expect(pipeline.metrics.received).toBe(8);
  });

  it("counts a city register's sensors under the register's source without a meta message, and dead-letters them under it", async () => {
    const sink = new MemorySink();
    const register = [
      { id: 'tg-1', kind: 'water_level', sourceId: 'water.tide' },
      { id: 'rg-1', kind: 'rain_gauge', sourceId: 'water.rain' },
    ];
    const directory = new DeviceDirectory(new Vocabulary(), register);
    const { pipeline, writer } = createIngest({ sink, batchMaxRows: 100, batchMaxDelayMs: 10_000, now: () => NOW, directory });
    const send = (topic: string, payload: string) => pipeline.handleMessage(topic, Buffer.from(payload), NOW);
    send('citytwin/v1/sensors/tg-1/data', JSON.stringify({ ts: NOW, values: { water_level_cm: 12 } }));
    send('citytwin/v1/sensors/rg-1/data', 'rain: lots');
    send('citytwin/v1/sensors/rg-1/meta', JSON.stringify({ kind: 'rain_gauge', lng: 73.2, lat: 17.2, source: 'hydro.rain' })); // meta names another
    send('citytwin/v1/sensors/rg-1/data', JSON.stringify({ ts: NOW, values: { rainfall_mm_h: 3 } }));
    send('citytwin/v1/sensors/nobody/data', JSON.stringify({ ts: NOW, values: { rainfall_mm_h: 3 } }));
    await writer.flush();
    expect(Object.fromEntries(pipeline.metrics.bySource)).toEqual({
      'water.tide': { received: 1, stored: 1, rejected: 0 },
      'water.rain': { received: 1, stored: 0, rejected: 1 },
      'hydro.rain': { received: 2, stored: 2, rejected: 0 },
      unknown: { received: 1, stored: 1, rejected: 0 },
    });
    expect(sink.batches.flatMap((b) => b.deadLetters.map((d) => [d.topic, d.source]))).toEqual([
      ['citytwin/v1/sensors/rg-1/data', 'water.rain'],
    ]);
    // A retired sensor is no longer the register's: its messages are the unknown source's again.
    directory.applyRegister([], ['tg-1']);
    send('citytwin/v1/sensors/tg-1/data', JSON.stringify({ ts: NOW, values: { water_level_cm: 13 } }));
    await writer.flush();
    expect(pipeline.metrics.bySource.get('unknown')).toEqual({ received: 2, stored: 2, rejected: 0 });
  });

  it('hands accepted readings to listeners before they are stored', () => {
    const sink = new MemorySink();
    const { pipeline } = createIngest({ sink, batchMaxRows: 1000, batchMaxDelayMs: 10_000, now: () => NOW });
    const seen: string[] = [];
    pipeline.addListener({ onReadings: (entity, id, readings) => seen.push(`${entity}:${id}:${readings.map((x) => x.value).join(',')}`) });
    pipeline.handleMessage('citytwin/v1/sensors/wl-1/data', Buffer.from(JSON.stringify({ ts: NOW, values: { water_level_cm: 7 } })), NOW);
    expect(seen).toEqual(['sensor:wl-1:7']);
    expect(sink.batches).toHaveLength(0);
  });
});

describe('IngestPipeline: a message failing partway', () => {
  const pack = [
    { bn: 'dev-a:', bt: NOW / 1000, n: 'temp', v: 21.5 },
    { n: 'state', vs: 'open' },
    { bn: 'dev-b:', n: 'temp', v: 19 },
  ];

  /** The open batch's readings, failing (as a bug in the row encoding would) on the rows of `sensorId`. */
  function failOn(writer: ReturnType<typeof createIngest>['writer'], sensorId: string): void {
    const rows = writer.batch.readings;
    const pushMessage = rows.pushMessage.bind(rows);
    rows.pushMessage = (entity, id, readings, receivedAt) => {
      if (id === sensorId) throw new Error(`cannot encode ${sensorId}`);
      pushMessage(entity, id, readings, receivedAt);
    };
  }

  it('a gateway pack failing at its second device keeps nothing of the first: rows, texts, counters', async () => {
    const sink = new MemorySink();
    const { pipeline, writer } = createIngest({ sink, batchMaxRows: 1000, batchMaxDelayMs: 10_000, now: () => NOW });
    pipeline.handleMessage('citytwin/v1/sensors/wl-1/data', Buffer.from(JSON.stringify({ ts: NOW, values: { water_level_cm: 7 } })), NOW);
    failOn(writer, 'dev-b');
    pipeline.handleMessage('citytwin/v1/gateways/gw-1/senml', Buffer.from(JSON.stringify(pack)), NOW);
    const batch = writer.batch;
    expect(batch.readings).toHaveLength(1);
    expect(batch.texts).toHaveLength(0);
    expect(batch.deadLetters).toHaveLength(1);
    expect(batch.deadLetters[0]!.detail).toContain('cannot encode dev-b');
    expect(pipeline.metrics.readingsAccepted).toBe(1);
    expect(Object.fromEntries(batch.acceptedBySource)).toEqual({ unknown: 1 });
    await writer.flush();
    const m = pipeline.metrics;
    expect(m).toMatchObject({ received: 2, stored: 1, rejected: 1 });
    for (const c of m.bySource.values()) expect(c.received).toBe(c.stored + c.rejected);
  });

  it('a live listener that throws: the message stays stored (not also rejected), the error is logged, the others still hear', async () => {
    const sink = new MemorySink();
    const logged: string[] = [];
    const { pipeline, writer } = createIngest({
      sink,
      batchMaxRows: 1000,
      batchMaxDelayMs: 10_000,
      now: () => NOW,
      log: (level, message) => logged.push(`${level} ${message}`),
    });
    const heard: string[] = [];
    pipeline.addListener({
      onReadings: () => {
        throw new Error('listener broke');
      },
    });
    pipeline.addListener({ onReadings: (_e, id) => heard.push(id) });
    pipeline.handleMessage('citytwin/v1/gateways/gw-1/senml', Buffer.from(JSON.stringify(pack)), NOW);
    expect(heard).toEqual(['dev-a', 'dev-b']);
    expect(writer.batch.deadLetters).toHaveLength(0);
    expect(writer.batch.readings).toHaveLength(2);
    expect(writer.batch.texts).toHaveLength(1);
    await writer.flush();
    expect(pipeline.metrics).toMatchObject({ received: 1, stored: 1, rejected: 0 });
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/^error .*citytwin\/v1\/gateways\/gw-1\/senml.*listener broke/);
  });
});

/** Rejected messages are counted at once but their dead letters are pending too. */
function countRejectedPending(writer: ReturnType<typeof createIngest>['writer']): number {
  return writer.pendingRejected;
}
