/**
 * A spool write that fails part-way (ingest/spool/spool.ts, `flush`): the kernel may write part
 * of a group's records and then refuse the rest (a full disk, a file-size limit). The group is
 * not acknowledged, and nothing of it may stay in the file: the next records and seals must land
 * where the spool's own offsets say, or a replay would read the torn record and everything after
 * it wrongly. Run through a real child process under `ulimit -f` (Node ignores SIGXFSZ, so the
 * write fails with EFBIG instead of killing it).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Spool } from '../ingest/index.ts';
import { TSX } from './support/citytwin-process.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('spool-write-failure');
afterAll(() => dir.remove());

describe('spool write failure', () => {
  it('leaves nothing of a group whose write failed part-way; later records and the seal replay intact', () => {
    const spoolDir = join(dir.path, 'limited');
    // 16 KiB: the first group (8 records of about 1 KiB) fits, the second (16) does not.
    const out = execFileSync('bash', ['-c', 'ulimit -f 16 && exec "$0" test/support/spool-file-limit.ts "$1"', TSX, spoolDir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { written: boolean[]; sizes: number[]; sealed: string | null };
    expect(result.written).toEqual([true, false, true]);
    // The failed group left the file as the first group did; the third group came after it.
    expect(result.sizes[1]).toBe(result.sizes[0]);
    expect(result.sizes[2]).toBeGreaterThan(result.sizes[0]!);
    expect(result.sealed).not.toBeNull();

    const again = Spool.open(spoolDir, { maxBytes: 1 << 30 });
    const topics: string[] = [];
    let seals = 0;
    again.replay(
      (m) => {
        topics.push(m.topic);
        expect(JSON.parse(m.payload.toString()).ts).toBe(1_700_000_000_000 + m.packetId);
      },
      () => seals++,
    );
    again.close();
    const wanted = [1, 2, 3, 4, 5, 6, 7, 8, 25, 26].map((i) => `citytwin/v1/sensors/lim-${i}/data`);
    expect(topics).toEqual(wanted);
    expect(seals).toBe(1);
  });
});
