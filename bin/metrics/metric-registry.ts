/**
 * One prom-client registry per running CityTwin, serving `/metrics`: the default process
 * metrics (CPU, memory, event loop, garbage collection, handles) and CityTwin's own families.
 * The counters stay in the objects that count them (IngestMetrics, the broker, the services);
 * each family reads them at scrape time in a `collect()` callback, so nothing is counted twice
 * and nothing is pushed on the hot path.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** One sample's labels, by label name. */
export type Labels<L extends string> = Readonly<Record<L, string>>;
/** The samples of a labelled family, in the order they are printed. */
export type LabelledSamples<L extends string> = Iterable<readonly [Labels<L>, number]>;

let processMetrics: Registry | null = null;

/**
 * Default gauges named like counters: `promtool check metrics` refuses them, and each is the
 * sum over the `type` label of its `nodejs_active_*` family, which stays
 * (https://github.com/prometheus/client_js/issues/283).
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * The default process metrics, registered once per process: a process may run several
 * CityTwins (tests do), and each `collectDefaultMetrics` would start its own observers.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
    for (const name of MISNAMED_DEFAULTS) processMetrics.removeSingleMetric(name);
  }
  return processMetrics;
}

/** A registry holding the process metrics; CityTwin's families are registered into it. */
export function createMetricsRegistry(): Registry {
  return Registry.merge([processRegistry()]);
}

/** A counter without labels whose value is read from its owner at each scrape. */
export function counter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A labelled counter whose samples are read from their owner at each scrape. */
export function counterBy<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => LabelledSamples<L>,
): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/** A gauge without labels read at each scrape. */
export function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** A labelled gauge whose samples are read at each scrape (a label value that is gone disappears). */
export function gaugeBy<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => LabelledSamples<L>,
): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels, value);
    },
  });
}

/** 1 for true, 0 for false: the value of a Prometheus flag gauge. */
export const flag = (on: boolean): number => (on ? 1 : 0);
