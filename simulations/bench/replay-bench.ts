/**
 * Bench run 9: the flight recorder on a full hour of a big city. 10,000 sensors at 1 Hz for an
 * hour (36M readings × BENCH_SCALE) are generated inside the embedded ClickHouse
 * (`INSERT … SELECT FROM numbers()`, through the rollup's materialized view as live inserts go),
 * then the replay service (web/server/replay/replay-service.ts) is timed:
 * - first frame of a one-hour window: the keyframe at its start plus the first chunk of 1000×
 *   frames, asked at once as the console does (web/client/replay/main.ts: a first chunk of
 *   {@link FIRST_CHUNK_FRAMES} frames, then the rest of the hour continued from where it ended);
 * - seek: a keyframe at a random moment of the hour, snapped to the 10 s replay grid as the API
 *   does (the registry read is cached as in the console).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse } from '../../storage/clickhouse-client.ts';
import { runMigrations } from '../../storage/migrations.ts';
import { fillReplayBenchLoad } from '../../storage/bench-load-store.ts';
import { ReplayService } from '../../web/server/replay/replay-service.ts';
import { snapToGrid, stepForSpeed } from '../../web/server/replay/replay-twin.ts';

export interface ReplayBenchResult {
  sensors: number;
  readings: number;
  insertS: number;
  firstFrameMs: number[];
  seekMs: number[];
  keyframeValues: number;
  /** Sensors fed their per-minute history in the last keyframe (the others: their last value). */
  historySensors: number;
  /** The rest of the hour after the first chunk (one request, continued from the first chunk's twin). */
  nextChunkMs: number[];
  nextChunkFrames: number;
  /**
   * Seeks, p50 per part (ms): last values (`readings_60s` + `readings_10s`), history detail, twin
   * (all of it), and the twin's registry part, built while the values are read.
   */
  seekPartsMs: { last: number; detail: number; twin: number; register: number };
}

/** The console's first chunk after a seek (web/client/replay/main.ts). */
export const FIRST_CHUNK_FRAMES = 5;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
export { percentile as replayPercentile };

export async function measureReplay(scale: number, log: (s: string) => void = () => undefined): Promise<ReplayBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-replay-bench-'));
  const client = createClickHouse({ url: null, dataDir: dir });
  try {
    await runMigrations(client);
    const sensors = 10_000;
    const seconds = Math.max(60, Math.round(3600 * Math.min(1, scale)));
    const start = Date.UTC(2026, 6, 1, 8, 0, 0);
    const t0 = performance.now();
    await fillReplayBenchLoad(client, { sensors, seconds, start }, log);
    const insertS = (performance.now() - t0) / 1000;
    const replay = new ReplayService({
      clickhouse: client,
      city: null,
      incidentStore: null,
      dispatch: null,
      classifyEvidence: () => 'public',
      registryTtlMs: 60_000,
    });
    const all = ['public', 'internal', 'sensitive'] as const;
    const end = start + seconds * 1000;
    const firstFrameMs: number[] = [];
    const seekMs: number[] = [];
    let keyframeValues = 0;
    let historySensors = 0;
    const nextChunkMs: number[] = [];
    let nextChunkFrames = 0;
    // Warm-up (the first query of a process maps the parts).
    await replay.keyframe(start + 600_000, all);
    const step = stepForSpeed(1000);
    for (let k = 0; k < 5; k++) {
      const from = Math.floor((start + ((k * 7919) % Math.max(1, seconds - 600)) * 1000) / 60_000) * 60_000;
      const a = performance.now();
      const [kf, first] = await Promise.all([
        replay.keyframe(from, all),
        replay.frames(from, Math.min(end, from + FIRST_CHUNK_FRAMES * step), step, all),
      ]);
      firstFrameMs.push(performance.now() - a);
      keyframeValues = Number(kf.timings.values ?? 0);
      historySensors = Number(kf.timings.history ?? 0);
      const hourEnd = Math.min(end, from + 3600_000);
      if (first.to < hourEnd) {
        const b = performance.now();
        const next = await replay.frames(first.to, hourEnd, step, all);
        nextChunkMs.push(performance.now() - b);
        nextChunkFrames = next.frames.length;
      }
    }
    const parts = { last: [] as number[], detail: [] as number[], twin: [] as number[], register: [] as number[] };
    for (let k = 0; k < 10; k++) {
      const at = snapToGrid(start + Math.round((((k * 104_729) % 1000) / 1000) * seconds * 1000));
      const a = performance.now();
      const kf = await replay.keyframe(at, all);
      seekMs.push(performance.now() - a);
      parts.last.push(Number(kf.timings.lastMs ?? 0));
      parts.detail.push(Number(kf.timings.detailMs ?? 0));
      parts.twin.push(Number(kf.timings.twinMs ?? 0));
      parts.register.push(Number(kf.timings.registerMs ?? 0));
    }
    const seekPartsMs = {
      last: percentile(parts.last, 50),
      detail: percentile(parts.detail, 50),
      twin: percentile(parts.twin, 50),
      register: percentile(parts.register, 50),
    };
    return {
      sensors,
      readings: seconds * sensors,
      insertS,
      firstFrameMs,
      seekMs,
      keyframeValues,
      historySensors,
      nextChunkMs,
      nextChunkFrames,
      seekPartsMs,
    };
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
