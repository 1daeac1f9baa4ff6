import type { ClickHouseClient } from '@clickhouse/client';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ClickHouseSink, textBody } from './readings-sink.ts';
import { emptyBatch, readingRow } from './storage-batch.ts';

const AT = 1_767_225_600_000;

async function chunksOf(stream: Readable): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

describe('readings insert body', () => {
  it('hands the client the readings text as one string chunk, not bytes to decode again', async () => {
    const batch = emptyBatch('b-1');
    batch.readings.push(readingRow('sensor', 'wl-1', 'water_level_cm', AT, 3.5, AT + 1));
    batch.readings.push(readingRow('sensor', 'wl-2', 'water_level_cm', AT, -0.25, AT + 1));
    const inserts: Array<{ table: string; format: string; values: Readable }> = [];
    // The client interface the sink is written against, recording what it is given.
    const client = { insert: async (p: { table: string; format: string; values: Readable }) => void inserts.push(p) };
    await new ClickHouseSink(client as unknown as ClickHouseClient).write(batch);
    expect(inserts.map((i) => [i.table, i.format])).toEqual([['readings', 'TabSeparated']]);
    expect(inserts[0]!.values.readableObjectMode).toBe(false);
    expect(await chunksOf(inserts[0]!.values)).toEqual([batch.readings.text()]);
  });

  it('keeps a text body a string of the same characters, whatever they are', async () => {
    const text = 'sensor\twl-1\tnote\t1\t2\t3\n中文 ✓\n';
    expect(await chunksOf(textBody(text))).toEqual([text]);
  });
});
