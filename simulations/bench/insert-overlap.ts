/**
 * Run 2's overlap figures: how busy the event loop was (parsing, rows) and for what share of the
 * run an insert was in flight (the engine works on its own threads meanwhile), from the first
 * message to the last stored; and the CPU time the process and its main thread used meanwhile
 * (on a shared machine CPU time moves far less with other people's load than wall time). Wraps
 * the product's sink at its adapter interface.
 */
import { readFileSync } from 'node:fs';
import { type EventLoopUtilization, performance as perfHooks } from 'node:perf_hooks';

/** CPU µs the main thread has used (Linux: /proc, clock ticks of 10 ms); NaN elsewhere. */
export function mainThreadCpuUs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

/** CPU µs of every thread of the process. */
export function processCpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}
import type { StorageSink } from '../../storage/index.ts';

export class InsertOverlap {
  private insertMs = 0;
  private elu: EventLoopUtilization | null = null;
  private cpu0 = { process: 0, main: 0 };
  /** The product's sink, timed. */
  readonly sink: StorageSink;

  constructor(inner: StorageSink) {
    this.sink = {
      write: async (batch) => {
        const t0 = performance.now();
        try {
          await inner.write(batch);
        } finally {
          this.insertMs += performance.now() - t0;
        }
      },
    };
  }

  /** Call at the first message. */
  start(): void {
    if (this.elu) return;
    this.elu = perfHooks.eventLoopUtilization();
    this.cpu0 = { process: processCpuUs(), main: mainThreadCpuUs() };
  }

  /** CPU µs used since {@link start}: every thread of the process, and the main thread. */
  cpuUs(): { process: number; main: number } {
    return { process: processCpuUs() - this.cpu0.process, main: mainThreadCpuUs() - this.cpu0.main };
  }

  /** Shares (0–1) of the `elapsedS` seconds since {@link start}: event loop busy, an insert in flight. */
  shares(elapsedS: number): { busy: number; inserting: number } {
    const busy = this.elu ? perfHooks.eventLoopUtilization(this.elu).utilization : Number.NaN;
    return { busy, inserting: this.insertMs / 1000 / elapsedS };
  }
}
