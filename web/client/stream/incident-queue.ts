/**
 * The console's incident queue: the active incidents from the socket (`incidents` on every
 * (re)connect, `incident` per change), most severe first. Pure (no DOM), so the ordering and
 * the "new incident" signal are unit-tested.
 */
import type { IncidentsMessage, IncidentUpdateMessage, IncidentView } from '../../shared/protocol.ts';

const ACTIVE = new Set<IncidentView['status']>(['open', 'acknowledged']);

/** Queue order: most severe first, then open before acknowledged, then newest first. */
export function queueOrder(a: IncidentView, b: IncidentView): number {
  return (
    b.severity - a.severity ||
    Number(a.status !== 'open') - Number(b.status !== 'open') ||
    b.openedAt - a.openedAt ||
    a.id.localeCompare(b.id)
  );
}

export class IncidentQueue {
  private readonly byId = new Map<string, IncidentView>();
  /** Incidents seen while active at some point (so a reconnect does not announce them again). */
  private readonly known = new Set<string>();
  /** Bumped on every change, for cheap "did anything change" checks. */
  version = 0;

  /** Replaces the queue with the server's list; returns the ids not seen before (new incidents). */
  reset(msg: IncidentsMessage): string[] {
    this.byId.clear();
    const fresh: string[] = [];
    for (const i of msg.incidents) {
      this.byId.set(i.id, i);
      if (!this.known.has(i.id)) fresh.push(i.id);
    }
    // The first list is what was already there when the console opened: nothing to announce.
    const first = this.known.size === 0 && this.version === 0;
    for (const i of msg.incidents) this.known.add(i.id);
    this.version++;
    return first ? [] : fresh;
  }

  /** Applies one change; returns true when it brought an incident into the queue for the first time. */
  apply(msg: IncidentUpdateMessage): boolean {
    const i = msg.incident;
    this.version++;
    if (!ACTIVE.has(i.status)) {
      this.byId.delete(i.id);
      return false;
    }
    const before = this.byId.has(i.id);
    this.byId.set(i.id, i);
    const isNew = !before && !this.known.has(i.id);
    this.known.add(i.id);
    return isNew;
  }

  get(id: string): IncidentView | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The queue in display order. */
  list(): IncidentView[] {
    return [...this.byId.values()].sort(queueOrder);
  }
}
