/**
 * Reads a V8 CPU profile (`.cpuprofile`, e.g. from cpu-profile-preload.mjs) and prints where the
 * main thread's time went: the functions by self time and by total time, and the long tasks —
 * runs of consecutive samples without an idle one, i.e. the event loop blocked — longer than
 * `minMs` (default 50), each with the deepest frame that holds most of its samples.
 * `npx tsx simulations/bench/cpu-profile-summary.ts <file.cpuprofile> [minMs] [top]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface LongTask {
  startMs: number;
  ms: number;
  /** The deepest frame covering at least 60 % of the task's samples, as `name file:line`. */
  what: string;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  self: Array<{ frame: string; ms: number }>;
  total: Array<{ frame: string; ms: number }>;
  longTasks: LongTask[];
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.replace(/^.*\/(wt-[^/]+|main|node_modules)\//, '');
  // Line 0 is what code compiled on the fly (tsx) reports: the file alone then.
  const at = file && f.lineNumber > 0 ? `:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}${at}` : ''}`;
}

const IDLE = new Set(['(idle)']);

/** Summarises a profile: self and total time per frame, and the long tasks over `minMs`. */
export function summarizeProfile(p: Profile, minMs = 50, top = 15): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number): number[] => {
    const out: number[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) out.push(at);
    return out.reverse();
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const longTasks: LongTask[] = [];
  let task: { start: number; ms: number; counts: Map<number, number>; samples: number } | null = null;
  let t = p.startTime;
  let busy = 0;
  const close = () => {
    if (task && task.ms / 1000 >= minMs) {
      // The deepest node on a path holding ≥ 60 % of the task's samples.
      let best = '(mixed)';
      let bestDepth = -1;
      for (const [id, n] of task.counts) {
        if (n < task.samples * 0.6) continue;
        const d = stack(id).length;
        if (d > bestDepth) {
          bestDepth = d;
          best = frameName(byId.get(id)!);
        }
      }
      longTasks.push({ startMs: (task.start - p.startTime) / 1000, ms: task.ms / 1000, what: best });
    }
    task = null;
  };
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    t += p.timeDeltas[i] ?? 0;
    const node = byId.get(p.samples[i]!)!;
    const name = frameName(node);
    if (IDLE.has(node.callFrame.functionName)) {
      close();
      continue;
    }
    busy += dt;
    self.set(name, (self.get(name) ?? 0) + dt);
    const path = stack(node.id);
    const seen = new Set<string>();
    task ??= { start: t, ms: 0, counts: new Map(), samples: 0 };
    task.ms += dt;
    task.samples++;
    for (const id of path) {
      task.counts.set(id, (task.counts.get(id) ?? 0) + 1);
      const f = frameName(byId.get(id)!);
      if (seen.has(f)) continue;
      seen.add(f);
      total.set(f, (total.get(f) ?? 0) + dt);
    }
  }
  close();
  const sorted = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, us]) => ({ frame, ms: us / 1000 }));
  return {
    totalMs: (p.endTime - p.startTime) / 1000,
    busyMs: busy / 1000,
    self: sorted(self),
    total: sorted(new Map([...total].filter(([f]) => !f.startsWith('(root)')))),
    longTasks: longTasks.sort((a, b) => b.ms - a.ms),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, minMs = '50', top = '15'] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [minMs] [top]');
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(minMs), Number(top));
  const out: string[] = [`profile ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s`, 'self time:'];
  for (const e of s.self) out.push(`  ${e.ms.toFixed(0).padStart(8)} ms  ${e.frame}`);
  out.push('total time:');
  for (const e of s.total) out.push(`  ${e.ms.toFixed(0).padStart(8)} ms  ${e.frame}`);
  const tasks = s.longTasks;
  out.push(`long tasks ≥ ${minMs} ms: ${tasks.length}, ${(tasks.reduce((a, b) => a + b.ms, 0) / 1000).toFixed(1)} s in all`);
  const byWhat = new Map<string, { n: number; ms: number; max: number }>();
  for (const lt of tasks) {
    const w = byWhat.get(lt.what) ?? { n: 0, ms: 0, max: 0 };
    w.n++;
    w.ms += lt.ms;
    w.max = Math.max(w.max, lt.ms);
    byWhat.set(lt.what, w);
  }
  for (const [what, w] of [...byWhat].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(top)))
    out.push(`  ${String(w.n).padStart(5)} tasks ${w.ms.toFixed(0).padStart(8)} ms (max ${w.max.toFixed(0)})  ${what}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
