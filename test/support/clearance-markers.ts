/**
 * The markers of the clearance walk (test/clearance-walk.itest.ts): unique strings and exact
 * coordinates of a known classification seeded into the product, and the check that finds those
 * a caller may not be shown in what it received.
 */
import type { Classification } from '../../twin-model/index.ts';

/** A seeded string of a known classification. */
export interface Marker {
  value: string;
  cls: Classification;
  what: string;
  /** Need to know on top of the classification: only these walkers may see it (a hotline caller). */
  only?: ReadonlySet<string>;
}

/** Who reads a response: a walker's name (for need to know) and its clearance. */
export interface MarkerReader {
  name: string;
  clearance: readonly Classification[];
}

export class Markers {
  readonly all: Marker[] = [];

  /** Seeds `value` as a marker (it must be unique) and returns it. */
  mark(cls: Classification, what: string, value: string, only?: ReadonlySet<string>): string {
    if (this.all.some((m) => m.value === value)) throw new Error(`marker ${value} is not unique`);
    this.all.push({ value, cls, what, ...(only ? { only } : {}) });
    return value;
  }

  /** A coordinate with seven decimals (no other number in a response prints like it). */
  coord(cls: Classification, what: string, v: number): number {
    const s = v.toFixed(7);
    if (s.endsWith('0')) throw new Error(`coordinate ${s} would print shorter`);
    this.mark(cls, what, s);
    return Number(s);
  }

  /** Whether `reader` may be shown `m`: its classification, and need to know for a caller. */
  mayShow(reader: MarkerReader, m: Marker): boolean {
    return reader.clearance.includes(m.cls) && (!m.only || m.only.has(reader.name));
  }

  /** Markers `reader` may not see found in `text`, leaving out those the request itself carried. */
  leaks(text: string, reader: MarkerReader, request: string): Marker[] {
    return this.all.filter((m) => !this.mayShow(reader, m) && text.includes(m.value) && !request.includes(m.value));
  }
}
