/**
 * The sensors of each district by kind, for district-wide evidence (`area_share` signals): an
 * alarm transition of a temperature station asks for its district's temperature stations, and
 * a walk over every sensor of the twin per transition made a heat wave over a large registry
 * cost the whole registry per station (a million sensors, thousands of transitions).
 *
 * Built from the twin's entries on first use and again whenever a meta input may have moved a
 * sensor (kind, district; `TwinState.metaVersion`); sensors added since (readings of new
 * devices) are filed as they come. A group is a superset: callers keep checking each member
 * (registered, placed, in state).
 */
import type { SensorEntry, TwinState } from '../twin-state.ts';

const keyOf = (kind: string, district: string): string => `${kind}\u0000${district}`;

export class AreaGroups {
  private groups = new Map<string, SensorEntry[]>();
  private version = -1;
  private filed = 0;

  constructor(private readonly twin: TwinState) {}

  /** The twin's sensors of `kind` in `district`, in the twin's order. */
  of(kind: string, district: string): readonly SensorEntry[] {
    const sensors = this.twin.sensors;
    if (this.version !== this.twin.metaVersion || this.filed > sensors.length) {
      this.groups = new Map();
      this.filed = 0;
      this.version = this.twin.metaVersion;
    }
    for (; this.filed < sensors.length; this.filed++) {
      const s = sensors[this.filed]!;
      if (s.district === null) continue;
      const key = keyOf(s.kind, s.district);
      const group = this.groups.get(key);
      if (group) group.push(s);
      else this.groups.set(key, [s]);
    }
    return this.groups.get(keyOf(kind, district)) ?? [];
  }
}
