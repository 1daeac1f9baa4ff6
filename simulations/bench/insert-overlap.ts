/**
 * Run 2's overlap figures: how busy the event loop was (parsing, rows) and for what share of the
 * run an insert was in flight (the engine works on its own threads meanwhile), from the first
 * message to the last stored. Wraps the product's sink at its adapter interface.
 */
import { type EventLoopUtilization, performance as perfHooks } from 'node:perf_hooks';
import type { StorageSink } from '../../storage/index.ts';

export class InsertOverlap {
  private insertMs = 0;
  private elu: EventLoopUtilization | null = null;
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
    this.elu ??= perfHooks.eventLoopUtilization();
  }

  /** Shares (0–1) of the `elapsedS` seconds since {@link start}: event loop busy, an insert in flight. */
  shares(elapsedS: number): { busy: number; inserting: number } {
    const busy = this.elu ? perfHooks.eventLoopUtilization(this.elu).utilization : Number.NaN;
    return { busy, inserting: this.insertMs / 1000 / elapsedS };
  }
}
