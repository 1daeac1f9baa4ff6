/**
 * A bucketed deadline queue over small integer keys (a twin's sensor indices): each key has at
 * most one deadline; setting, moving and removing one is O(1); `takeDue(now)` hands back the
 * keys whose deadline has passed, touching only those (and the slots they sit in).
 *
 * Deadlines are filed in slots of `slotMs` (a slot per second by default): slot
 * `floor(deadline / slotMs)` holds a doubly linked list threaded through typed arrays indexed
 * by key, so a million keys cost 16 bytes each and no object per key. The slots that hold
 * keys are found through a min-heap of slot numbers (one entry per slot, not per key), so a
 * clock that jumps far ahead costs the slots passed, never the time passed.
 */
const NONE = -1;

export class DeadlineWheel {
  private deadlines = new Float64Array(0);
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  /** Slot number → first key of its list (only slots that hold keys). */
  private readonly heads = new Map<number, number>();
  /** Slot numbers not yet passed, as a binary min-heap; `queued` is the same set, for lookups. */
  private readonly heap: number[] = [];
  private readonly queued = new Set<number>();
  private count = 0;

  constructor(readonly slotMs = 1000) {
    if (!(slotMs > 0)) throw new Error(`slotMs must be a positive number of milliseconds, got ${slotMs}`);
  }

  /** How many keys have a deadline. */
  get size(): number {
    return this.count;
  }

  /** The key's deadline, or undefined when it has none. */
  deadlineOf(key: number): number | undefined {
    if (key < 0 || key >= this.deadlines.length) return undefined;
    const d = this.deadlines[key]!;
    return Number.isNaN(d) ? undefined : d;
  }

  /** Gives the key this deadline (epoch ms), moving it if it had one. */
  set(key: number, deadline: number): void {
    if (!Number.isInteger(key) || key < 0) throw new Error(`key must be a non-negative integer, got ${key}`);
    if (!Number.isFinite(deadline)) throw new Error(`deadline must be a finite time in ms, got ${deadline}`);
    this.reserve(key + 1);
    const old = this.deadlines[key]!;
    if (!Number.isNaN(old)) {
      if (Math.floor(old / this.slotMs) === Math.floor(deadline / this.slotMs)) {
        this.deadlines[key] = deadline;
        return;
      }
      this.unlink(key, old);
    } else this.count++;
    this.deadlines[key] = deadline;
    this.link(key, deadline);
  }

  /** Removes the key's deadline, if any. */
  delete(key: number): void {
    if (key < 0 || key >= this.deadlines.length) return;
    const old = this.deadlines[key]!;
    if (Number.isNaN(old)) return;
    this.unlink(key, old);
    this.deadlines[key] = Number.NaN;
    this.count--;
  }

  /** Removes every deadline. */
  clear(): void {
    this.deadlines.fill(Number.NaN);
    this.heads.clear();
    this.heap.length = 0;
    this.queued.clear();
    this.count = 0;
  }

  /**
   * Removes and returns the keys whose deadline is before `now` (deadline < now), in slot
   * order. Keys due later stay, whatever `now` was on earlier calls (a clock may go back).
   */
  takeDue(now: number): number[] {
    const due: number[] = [];
    const nowSlot = Math.floor(now / this.slotMs);
    while (this.heap.length > 0 && this.heap[0]! <= nowSlot) {
      const slot = this.heap[0]!;
      const head = this.heads.get(slot);
      if (head !== undefined && !this.drainSlot(slot, head, now, due)) break;
      this.popSlot();
    }
    return due;
  }

  /** Moves the due keys of one slot into `due`; whether the slot is now empty. */
  private drainSlot(slot: number, head: number, now: number, due: number[]): boolean {
    let key = head;
    while (key !== NONE) {
      const after = this.next[key]!;
      const d = this.deadlines[key]!;
      if (d < now) {
        this.unlink(key, d);
        this.deadlines[key] = Number.NaN;
        this.count--;
        due.push(key);
      }
      key = after;
    }
    return !this.heads.has(slot);
  }

  private reserve(length: number): void {
    if (length <= this.deadlines.length) return;
    const capacity = Math.max(length, this.deadlines.length * 2, 1024);
    const deadlines = new Float64Array(capacity).fill(Number.NaN);
    deadlines.set(this.deadlines);
    const next = new Int32Array(capacity);
    next.set(this.next);
    const prev = new Int32Array(capacity);
    prev.set(this.prev);
    this.deadlines = deadlines;
    this.next = next;
    this.prev = prev;
  }

  private link(key: number, deadline: number): void {
    const slot = Math.floor(deadline / this.slotMs);
    const head = this.heads.get(slot);
    this.prev[key] = NONE;
    this.next[key] = head ?? NONE;
    if (head !== undefined) this.prev[head] = key;
    this.heads.set(slot, key);
    if (!this.queued.has(slot)) this.pushSlot(slot);
  }

  private unlink(key: number, deadline: number): void {
    const slot = Math.floor(deadline / this.slotMs);
    const before = this.prev[key]!;
    const after = this.next[key]!;
    if (after !== NONE) this.prev[after] = before;
    if (before !== NONE) this.next[before] = after;
    else if (after !== NONE) this.heads.set(slot, after);
    else this.heads.delete(slot);
  }

  private pushSlot(slot: number): void {
    const heap = this.heap;
    this.queued.add(slot);
    let i = heap.push(slot) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= slot) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = slot;
  }

  private popSlot(): void {
    const heap = this.heap;
    this.queued.delete(heap[0]!);
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const c = r < heap.length && heap[r]! < heap[l]! ? r : l;
      if (heap[c]! >= last) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
  }
}
