/** The closing steps of a running CityTwin, run once, last registered first. */
import type { Log } from '../logger.ts';

export class Shutdown {
  private readonly steps: Array<() => Promise<void> | void> = [];
  private running: Promise<void> | null = null;

  constructor(private readonly log: Log) {}

  /**
   * Registers a closing step. Steps run in reverse order: a part registered after another
   * (it uses it) closes before it — the web server before the twin, the twin before ClickHouse.
   */
  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  /** Runs every step once, each after the one before; a failing step is logged and the next runs. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        try {
          await step();
        } catch (err) {
          this.log('warn', `shutdown: ${(err as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}
