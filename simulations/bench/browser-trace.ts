/**
 * A Chrome trace of every process and thread of the browser (the GPU process, the renderer, the
 * browser's own compositor), summed per thread: how busy each was over the window, and by which
 * events (self time: a child's time is not counted again in its parent). Bench run 16 prints it
 * (BENCH_FPS_TRACE=1); at 100,000 sensors in software rendering the GPU process's main thread,
 * not the renderer's, was the limit, so a trace of the renderer alone does not say where frames go.
 */
import type { Browser } from 'playwright-core';

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

export interface ThreadUse {
  /** "GPU Process / CrGpuMain", "Renderer / CrRendererMain"… */
  thread: string;
  /** Share of the window the thread was running a traced task (0–1). */
  busy: number;
  /** The events it spent the most self time in, share of the window each. */
  top: { name: string; share: number; count: number }[];
}

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'blink',
  'cc',
  'gpu',
  'viz',
  'toplevel',
  'benchmark',
  'blink.user_timing',
].join(',');

/** Traces the whole browser for `seconds` and answers each thread's use, busiest first. */
export async function traceAllThreads(browser: Browser, seconds: number): Promise<ThreadUse[]> {
  const cdp = await browser.newBrowserCDPSession();
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => {
    events.push(...(e.value as unknown as TraceEvent[]));
  });
  const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
  await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await cdp.send('Tracing.end');
  await done;
  await cdp.detach().catch(() => undefined);
  return summarise(events, seconds * 1e6);
}

function summarise(events: TraceEvent[], wallUs: number): ThreadUse[] {
  const processName = new Map<number, string>();
  const threadName = new Map<string, string>();
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'process_name') processName.set(e.pid, e.args?.name ?? String(e.pid));
    else if (e.ph === 'M' && e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name ?? String(e.tid));
    else if (e.ph === 'X' && typeof e.dur === 'number') {
      const key = `${e.pid}:${e.tid}`;
      const list = byThread.get(key) ?? [];
      list.push(e);
      byThread.set(key, list);
    }
  }
  const out: ThreadUse[] = [];
  for (const [key, list] of byThread) {
    const pid = Number(key.split(':')[0]);
    out.push({ thread: `${processName.get(pid) ?? pid} / ${threadName.get(key) ?? key}`, ...threadUse(list, wallUs) });
  }
  return out.sort((a, b) => b.busy - a.busy);
}

/** Busy share (top-level events) and self time by event name of one thread's events. */
function threadUse(list: TraceEvent[], wallUs: number): { busy: number; top: ThreadUse['top'] } {
  list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const count = new Map<string, number>();
  const stack: { end: number; name: string }[] = [];
  let busy = 0;
  for (const e of list) {
    while (stack.length > 0 && stack.at(-1)!.end <= e.ts) stack.pop();
    const parent = stack.at(-1);
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - e.dur!);
    else busy += e.dur!;
    self.set(e.name, (self.get(e.name) ?? 0) + e.dur!);
    count.set(e.name, (count.get(e.name) ?? 0) + 1);
    stack.push({ end: e.ts + e.dur!, name: e.name });
  }
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, us]) => ({ name, share: us / wallUs, count: count.get(name) ?? 0 }));
  return { busy: busy / wallUs, top };
}

/** Prints the threads busier than 2 % of the window, with their top events. */
export function printThreadUse(title: string, threads: ThreadUse[]): void {
  process.stdout.write(`    ${title}\n`);
  for (const t of threads.filter((u) => u.busy >= 0.02)) {
    const top = t.top
      .filter((x) => x.share >= 0.005)
      .map((x) => `${x.name} ${(x.share * 100).toFixed(1)} % (${x.count}×)`)
      .join(', ');
    process.stdout.write(`    ${(t.busy * 100).toFixed(1).padStart(5)} %  ${t.thread}: ${top}\n`);
  }
}
