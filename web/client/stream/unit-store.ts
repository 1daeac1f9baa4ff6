/**
 * The console's response units: every unit from the socket (`units` on every (re)connect, `unit`
 * with the changed ones about twice a second), with their status, position, warnings and trip.
 * Pure (no DOM), so the counting and ordering are unit-tested.
 */
import { UNIT_KINDS, UNIT_STATUSES, type UnitKind, type UnitStatus } from '../../../twin-model/dispatch/unit-types.ts';
import type { UnitsMessage, UnitView } from '../../shared/protocol.ts';

/** Statuses listed most engaged first (the board and the lists use this order). */
export const STATUS_ORDER: readonly UnitStatus[] = ['on_scene', 'en_route', 'dispatched', 'returning', 'out_of_service', 'available'];

/** Units per kind and status, plus the totals. */
export interface UnitCounts {
  byKind: Map<UnitKind, Map<UnitStatus, number>>;
  byStatus: Map<UnitStatus, number>;
  total: number;
  /** Units that are not available (dispatched, en route, on scene, returning, out of service). */
  busy: number;
  /** Units with a raised warning (silent, off road). */
  warned: number;
}

export function emptyCounts(): UnitCounts {
  const byKind = new Map<UnitKind, Map<UnitStatus, number>>();
  for (const k of UNIT_KINDS) byKind.set(k, new Map(UNIT_STATUSES.map((s) => [s, 0])));
  return { byKind, byStatus: new Map(UNIT_STATUSES.map((s) => [s, 0])), total: 0, busy: 0, warned: 0 };
}

/** Board order: most engaged status first, then by name. */
export function unitOrder(a: UnitView, b: UnitView): number {
  return (
    STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
    a.kind.localeCompare(b.kind) ||
    a.id.localeCompare(b.id, 'en', { numeric: true })
  );
}

export class UnitStore {
  private readonly byId = new Map<string, UnitView>();
  /** Bumped on every change, for cheap "did anything change" checks. */
  version = 0;
  /** Whether the first `units` list has arrived. */
  loaded = false;

  /** Replaces every unit with the server's list (sent on every (re)connect). */
  reset(msg: UnitsMessage): void {
    this.byId.clear();
    for (const u of msg.units) this.byId.set(u.id, u);
    this.loaded = true;
    this.version++;
  }

  /** Applies the changed units; returns the ids whose status, incident or trip changed. */
  apply(msg: UnitsMessage): string[] {
    const moved: string[] = [];
    for (const u of msg.units) {
      const before = this.byId.get(u.id);
      if (
        !before ||
        before.status !== u.status ||
        before.incidentId !== u.incidentId ||
        before.version !== u.version ||
        (before.trip?.since ?? 0) !== (u.trip?.since ?? 0)
      )
        moved.push(u.id);
      this.byId.set(u.id, u);
    }
    if (msg.units.length > 0) this.version++;
    return moved;
  }

  get(id: string): UnitView | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Every unit, in board order. */
  list(): UnitView[] {
    return [...this.byId.values()].sort(unitOrder);
  }

  /** Every unit, in no particular order (for the map). */
  values(): IterableIterator<UnitView> {
    return this.byId.values();
  }

  /** The units working for `incidentId` (dispatched, en route, on scene), most engaged first. */
  assignedTo(incidentId: string): UnitView[] {
    return this.list().filter((u) => u.incidentId === incidentId);
  }

  counts(): UnitCounts {
    const c = emptyCounts();
    for (const u of this.byId.values()) {
      let row = c.byKind.get(u.kind);
      if (!row) {
        row = new Map(UNIT_STATUSES.map((s) => [s, 0]));
        c.byKind.set(u.kind, row);
      }
      row.set(u.status, (row.get(u.status) ?? 0) + 1);
      c.byStatus.set(u.status, (c.byStatus.get(u.status) ?? 0) + 1);
      c.total++;
      if (u.status !== 'available') c.busy++;
      if (u.warnings.length > 0) c.warned++;
    }
    return c;
  }
}

/**
 * Seconds left until a moving unit reaches the end of its trip, estimated from where its last fix
 * lies on the route (the nearest route point) and the route's cumulative times; null without a trip.
 */
export function remainingTripS(u: UnitView, serverNow: number): number | null {
  const trip = u.trip;
  if (!trip || trip.path.length === 0) return null;
  const total = trip.cumulativeS[trip.cumulativeS.length - 1] ?? trip.etaS;
  // Assigned but not moving yet: the whole drive is ahead.
  if (u.status === 'dispatched') return total;
  if (u.lastFixAt > trip.since) {
    // Where the unit is along the route: the nearest point of the path to its last fix.
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    trip.path.forEach(([lng, lat], i) => {
      const d = (lng - u.lng) ** 2 + (lat - u.lat) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    return Math.max(0, total - (trip.cumulativeS[best] ?? 0));
  }
  // No fix since the route was computed: the clock runs from when it was planned.
  return Math.max(0, total - Math.max(0, serverNow - trip.since) / 1000);
}
