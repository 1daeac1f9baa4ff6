/**
 * The classification (分级分类) of every kind of data that leaves the server, each by one
 * function used by the API, the live stream's views, incidents, KPI, replay and reports, so every
 * path applies the same rule:
 *
 * - a sensor: its registered source's classification, raised (never lowered) by its own
 *   `meta.classification`; a sensor without a known source follows its meta, else
 *   {@link UNCLASSIFIED_AS};
 * - a report (event): its source's classification, the source found in the catalogue by id or by
 *   one of its `eventSources` names; a report from a source the catalogue does not know is
 *   {@link UNCLASSIFIED_AS}, except a citizen report, which carries what a person said and where
 *   they stood and is `sensitive` until its source is registered.
 */
import { CLASSIFICATIONS, type Classification } from '../../../twin-model/index.ts';
import { UNCLASSIFIED_AS } from './policy.ts';

export type SensorClassifier = (sensor: { classification: Classification | null; sourceId: string | null }) => Classification;

/** The higher of two classifications (public < internal < sensitive). */
export function higherClass(a: Classification, b: Classification): Classification {
  return CLASSIFICATIONS.indexOf(a) >= CLASSIFICATIONS.indexOf(b) ? a : b;
}

/** Whether `meta` would lower a sensor below its source's classification `source`. */
export function lowersClass(source: Classification, meta: Classification): boolean {
  return CLASSIFICATIONS.indexOf(meta) < CLASSIFICATIONS.indexOf(source);
}

type SourceClasses = ReadonlyArray<{ id: string; classification: Classification; eventSources?: readonly string[] }>;

export function sensorClassifier(sources: SourceClasses): SensorClassifier {
  const bySource = new Map(sources.map((s) => [s.id, s.classification]));
  return (sensor) => {
    const source = sensor.sourceId ? bySource.get(sensor.sourceId) : undefined;
    if (source && sensor.classification) return higherClass(source, sensor.classification);
    return sensor.classification ?? source ?? UNCLASSIFIED_AS;
  };
}

/** Classification of a report by its source (the `{source}` of its topic) and, for unknown sources, its type. */
export type EventClassifier = (source: string | null | undefined, type?: string | null) => Classification;

export function eventClassifier(sources: SourceClasses): EventClassifier {
  const byName = new Map<string, Classification>();
  for (const s of sources) {
    byName.set(s.id, s.classification);
    for (const alias of s.eventSources ?? []) byName.set(alias, s.classification);
  }
  return (source, type) => {
    const known = source ? byName.get(source) : undefined;
    if (known) return known;
    // An unknown type (an evidence id alone) may be a citizen report: fail closed.
    return type === 'citizen_report' || type === null || type === undefined ? 'sensitive' : UNCLASSIFIED_AS;
  };
}

/** Rank order, so a clearance check is one comparison-free lookup in a bit mask. */
export const CLASS_BIT: Readonly<Record<Classification, number>> = { public: 1, internal: 2, sensitive: 4 };

export function clearanceMask(classes: readonly Classification[]): number {
  let m = 0;
  for (const c of classes) m |= CLASS_BIT[c];
  return m;
}

/** Whether a clearance mask covers a classification. */
export function cleared(mask: number, cls: Classification): boolean {
  return (CLASS_BIT[cls] & mask) !== 0;
}
