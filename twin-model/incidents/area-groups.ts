/**
 * The sensors of each district by kind, for district-wide evidence (`area_share` signals): an
 * alarm transition of a temperature station asks for its district's temperature stations, and
 * a walk over every sensor of the twin per transition made a heat wave over a large registry
 * cost the whole registry per station (a million sensors, thousands of transitions).
 *
 * Built from the twin's entries on first use; sensors added since (new devices) are filed as
 * they come, a sensor a meta message moves (kind, district) is filed again by {@link moved};
 * a meta input applied to the twin without telling the groups (`TwinState.metaVersion` moved
 * unseen) has them built again on the next ask. A group is a superset: callers keep checking
 * each member (registered, placed, in state).
 */
import type { SensorEntry, TwinState } from '../twin-state.ts';

const keyOf = (kind: string, district: string): string => `${kind}\u0000${district}`;

export class AreaGroups {
  private groups = new Map<string, SensorEntry[]>();
  private version = -1;
  private filed = 0;
  /** Times the groups were built from every entry (for tests and diagnostics). */
  builds = 0;

  constructor(private readonly twin: TwinState) {}

  /** The twin's sensors of `kind` in `district`, in the twin's order. */
  of(kind: string, district: string): readonly SensorEntry[] {
    const sensors = this.twin.sensors;
    if (this.version !== this.twin.metaVersion || this.filed > sensors.length) {
      this.groups = new Map();
      this.filed = 0;
      this.version = this.twin.metaVersion;
      this.builds++;
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

  /**
   * A meta input was applied to `entry` (twin's `metaVersion` was `versionBefore` before it),
   * which had `kind` and `district` before: filed again under its new group, in the twin's
   * order, without building every group again.
   */
  moved(entry: SensorEntry, kind: string | undefined, district: string | null | undefined, versionBefore: number): void {
    if (this.version !== versionBefore) return;
    this.version = this.twin.metaVersion;
    // A sensor the meta created is filed with the others added since.
    if (entry.index >= this.filed || (kind === entry.kind && district === entry.district)) return;
    if (district) {
      const old = this.groups.get(keyOf(kind!, district));
      const at = old?.indexOf(entry) ?? -1;
      if (at >= 0) old!.splice(at, 1);
    }
    if (entry.district === null) return;
    const key = keyOf(entry.kind, entry.district);
    const group = this.groups.get(key);
    if (!group) {
      this.groups.set(key, [entry]);
      return;
    }
    let lo = 0;
    let hi = group.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (group[mid]!.index < entry.index) lo = mid + 1;
      else hi = mid;
    }
    group.splice(lo, 0, entry);
  }
}
