/**
 * Run as a child process under a soft file-size limit (`ulimit -S -f 16`, see
 * test/spool-seal-failure.itest.ts): the real spool, batch writer and intake, with a sink that
 * keeps what it is given. 16 records of exactly 1 KiB fill the segment to the limit, so the
 * seal record that closes their batch cannot be written. The child waits until the seal has
 * failed and been retried, offers one more publish (it must not be acknowledged), then lifts
 * its own soft limit (prlimit) and waits until everything is stored. Prints one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createIngest, DurableIntake, Spool } from '../../ingest/index.ts';
import type { StorageBatch } from '../../storage/index.ts';

const dir = process.argv[2]!;
const spool = Spool.open(join(dir, 'spool'), { maxBytes: 1 << 30 });
const stored: Array<{ id: string; messages: number }> = [];
const sealFailures: number[] = [];
const ingest = createIngest({
  sink: {
    write: async (batch: StorageBatch) => {
      stored.push({ id: batch.id, messages: batch.messages });
    },
  },
  batchMaxRows: 100_000,
  batchMaxDelayMs: 20,
  onBatchSealed: (batch) => {
    batch.id = spool.seal();
  },
  onBatchStored: (batch) => spool.stored(batch.id),
  onSealError: (_err, attempt) => sealFailures.push(attempt),
});
const intake = new DurableIntake({ spool, pipeline: ingest.pipeline, writer: ingest.writer });

/** A record of exactly 1024 bytes: 20 header bytes, the topic, the payload padded to fit. */
function publish(i: number): Promise<boolean> {
  const topic = `citytwin/v1/sensors/seal-${String(i).padStart(3, '0')}/data`;
  const head = JSON.stringify({ ts: 1_700_000_000_000 + i, pad: '' });
  const pad = 'x'.repeat(1024 - 20 - topic.length - Buffer.byteLength(head));
  const payload = Buffer.from(JSON.stringify({ ts: 1_700_000_000_000 + i, pad }));
  const written = intake.take(topic, payload, Date.now(), i, false) ?? Promise.resolve();
  return written.then(
    () => true,
    () => false,
  );
}

/** Waits (bounded: 20 s) until `done` holds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

const first = await Promise.all(Array.from({ length: 16 }, (_, k) => publish(k + 1)));
await until(() => sealFailures.length >= 3, 'the seal to fail and be retried');
const failing = { ...ingest.writer.health(), pending: ingest.writer.pendingMessages };
const heldBack = await publish(17);
// The disk has room again.
execFileSync('prlimit', ['--pid', String(process.pid), '--fsize=unlimited:']);
const afterRoom = await publish(18);
await until(() => ingest.writer.pendingMessages === 0, 'everything to be stored');
const recovered = ingest.writer.health();
await ingest.writer.close(5000);
spool.close();
process.stdout.write(`${JSON.stringify({ first, sealFailures, failing, heldBack, afterRoom, recovered, stored })}\n`);
