/**
 * The classification (分级分类) a sensor's data falls under: its own `meta.classification`,
 * else its registered source's, else {@link UNCLASSIFIED_AS}. One function, used by the API,
 * the live stream's views and history, so every path applies the same rule.
 */
import type { Classification } from '../../../twin-model/index.ts';
import { UNCLASSIFIED_AS } from './policy.ts';

export type SensorClassifier = (sensor: { classification: Classification | null; sourceId: string | null }) => Classification;

export function sensorClassifier(sources: ReadonlyArray<{ id: string; classification: Classification }>): SensorClassifier {
  const bySource = new Map(sources.map((s) => [s.id, s.classification]));
  return (sensor) => sensor.classification ?? (sensor.sourceId ? bySource.get(sensor.sourceId) : undefined) ?? UNCLASSIFIED_AS;
}

/** Rank order, so a clearance check is one comparison-free lookup in a bit mask. */
export const CLASS_BIT: Readonly<Record<Classification, number>> = { public: 1, internal: 2, sensitive: 4 };

export function clearanceMask(classes: readonly Classification[]): number {
  let m = 0;
  for (const c of classes) m |= CLASS_BIT[c];
  return m;
}
