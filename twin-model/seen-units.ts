/**
 * The unit each metric the vocabulary has no unit for last came in (SenML `u`), kept in a twin
 * entry's `units` (docs/ingest.md, "Units of metrics the vocabulary does not know"): the shared
 * empty map for nearly every sensor, a small map for the devices that send such metrics.
 */
import { withEntry, withoutEntry } from './compact-entry.ts';
import type { SeenUnit } from './messages/device-metrics.ts';

/** What of a twin entry the units live in. */
interface WithUnits {
  units: Map<string, string>;
}

/**
 * The units a message's readings came in: the newest is kept, a refused one (`''`) forgets the
 * metric's unit. Returns whether the unit of `headline` (the metric the map shows) changed.
 */
export function applyUnits(entry: WithUnits, units: readonly SeenUnit[], headline: string | null): boolean {
  let headlineChanged = false;
  // A sum's unit is kept under its metric (seenUnitOf): `flow:sum` shows the unit of `flow`.
  const shown = headline?.endsWith(':sum') ? headline.slice(0, -4) : headline;
  for (const { metric, unit } of units) {
    if ((entry.units.get(metric) ?? '') === unit) continue;
    // Not interned: a device may send any number of unit strings, and the shared table is for the
    // few names many sensors share (kinds, districts).
    entry.units = unit === '' ? withoutEntry(entry.units, metric) : withEntry(entry.units, metric, unit);
    if (metric === shown) headlineChanged = true;
  }
  return headlineChanged;
}

/** The unit a sensor's metric (or its `:sum`) last came in, when the vocabulary has none for it; null otherwise. */
export function seenUnitOf(entry: WithUnits, metric: string): string | null {
  return entry.units.get(metric.endsWith(':sum') ? metric.slice(0, -4) : metric) ?? null;
}
