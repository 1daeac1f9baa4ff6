/**
 * A seal record that cannot be written (a full disk, a file-size limit): the batch writer's
 * timer seals, the spool's write fails. The ingest must not crash: the batch stays open (its
 * messages are spooled and acknowledged), the failure shows in the writer's health, the seal is
 * retried, new publishes are not acknowledged meanwhile, and once there is room everything is
 * sealed and stored exactly once. Run through a real child process under `ulimit -S -f`
 * (test/support/spool-seal-limit.ts), which lifts its own limit to give the disk room again.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Spool } from '../ingest/index.ts';
import { TSX } from './support/citytwin-process.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('spool-seal-failure');
afterAll(() => dir.remove());

interface Result {
  first: boolean[];
  sealFailures: number[];
  failing: { state: string; lastError: string | null; pending: number };
  heldBack: boolean;
  afterRoom: boolean;
  recovered: { state: string };
  stored: Array<{ id: string; messages: number }>;
}

describe('spool seal failure', () => {
  it('keeps the batch open and retries the seal until there is room; everything is stored once', () => {
    const out = execFileSync('bash', ['-c', 'ulimit -S -f 16 && exec "$0" test/support/spool-seal-limit.ts "$1"', TSX, dir.path], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as Result;
    // The 16 records filled the segment to the limit: written and acknowledged.
    expect(result.first).toEqual(new Array(16).fill(true));
    // The seal failed, and was tried again (the attempts count on).
    expect(result.sealFailures.slice(0, 3)).toEqual([1, 2, 3]);
    expect(result.failing.state).toBe('down');
    expect(result.failing.lastError).toMatch(/spool/);
    expect(result.failing.pending).toBe(16);
    // While the spool cannot write, a publish is not acknowledged; with room again it is.
    expect(result.heldBack).toBe(false);
    expect(result.afterRoom).toBe(true);
    expect(result.recovered.state).toBe('ok');
    // Stored exactly once: the 16 messages, the held-back one (in the open batch though not
    // acknowledged, as after any failed group write) and the one after.
    expect(result.stored.reduce((n, b) => n + b.messages, 0)).toBe(18);
    expect(new Set(result.stored.map((b) => b.id)).size).toBe(result.stored.length);

    // Nothing left past the checkpoint: a restart replays nothing.
    const again = Spool.open(join(dir.path, 'spool'), { maxBytes: 1 << 30 });
    let replayed = 0;
    again.replay(
      () => replayed++,
      () => undefined,
    );
    again.close();
    expect(replayed).toBe(0);
  });
});
