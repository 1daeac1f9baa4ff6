/**
 * Run as a child process under a file-size limit (`ulimit -f`, see test/spool-write-failure.itest.ts):
 * writes three groups of records to the spool in `argv[2]`. The second group runs into the
 * limit (the kernel writes part of it, then refuses the rest), the first and third fit. Prints
 * one JSON line: whether each group was written, and the segment's size after each.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Spool } from '../../ingest/index.ts';

const dir = process.argv[2]!;
const spool = Spool.open(dir, { maxBytes: 1 << 30 });
const segment = () => join(dir, readdirSync(dir).find((f) => f.startsWith('seg-'))!);
const payload = (i: number) => Buffer.from(JSON.stringify({ ts: 1_700_000_000_000 + i, pad: 'x'.repeat(900) }));

/** Queues `count` records from number `from` on; true once written, false if the write failed. */
async function group(from: number, count: number): Promise<boolean> {
  const done = [];
  for (let i = from; i < from + count; i++) done.push(spool.enqueue(`citytwin/v1/sensors/lim-${i}/data`, payload(i), 1000 + i, i));
  return Promise.all(done).then(
    () => true,
    () => false,
  );
}

const result: { written: boolean[]; sizes: number[]; sealed: string | null } = { written: [], sizes: [], sealed: null };
for (const [from, count] of [
  [1, 8],
  [9, 16],
  [25, 2],
] as const) {
  result.written.push(await group(from, count));
  result.sizes.push(statSync(segment()).size);
}
try {
  result.sealed = spool.seal();
} catch {
  result.sealed = null;
}
spool.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
