/**
 * Small pieces that keep a twin entry small at a million sensors (docs/scale.md, "Memory"):
 * one shared empty map for the maps most sensors leave empty (raised levels, pending rises),
 * and one copy of each short label (kind, district, source) however many sensors carry it.
 */

/** The shared empty map: never written (a write would reach every sensor that holds it). */
class SharedEmptyMap<K, V> extends Map<K, V> {
  override set(key: K): this {
    throw new Error(`the shared empty map takes no entries (tried ${String(key)}); give the sensor its own map first`);
  }
}

const EMPTY = new SharedEmptyMap<unknown, unknown>();

/** The shared empty map, for an entry that has nothing to keep in it. */
export function emptyMap<K, V>(): Map<K, V> {
  return EMPTY as Map<K, V>;
}

/** `map` with `key` set: the entry's own map, made on the first key. */
export function withEntry<K, V>(map: Map<K, V>, key: K, value: V): Map<K, V> {
  const own = map === EMPTY ? new SmallMap<K, V>() : map;
  own.set(key, value);
  return own;
}

/** `map` without `key`: the shared empty map again once nothing is left. */
export function withoutEntry<K, V>(map: Map<K, V>, key: K): Map<K, V> {
  if (map === EMPTY || !map.delete(key)) return map;
  return map.size === 0 ? emptyMap() : map;
}

/** Labels kept once; a flood of distinct ones (a misbehaving source) stops being interned. */
const MAX_INTERNED = 50_000;
const interned = new Map<string, string>();

/** The one copy of a short label (kind, district, source, classification). */
export function intern<T extends string | null>(label: T): T {
  if (label === null) return label;
  const known = interned.get(label);
  if (known !== undefined) return known as T;
  if (interned.size < MAX_INTERNED) interned.set(label, label);
  return label;
}

/**
 * A Map for the few keys a sensor keeps (its metrics' latest values, its raised levels): the
 * first key and value sit in the object itself, further ones in an ordinary Map made when a
 * second key comes. Same behaviour and iteration order as a Map (insertion order); about a
 * quarter of a Map's size for one key.
 */
export class SmallMap<K, V> implements Map<K, V> {
  private k0: K | undefined = undefined;
  private v0: V | undefined = undefined;
  private has0 = false;
  private more: Map<K, V> | null = null;

  get size(): number {
    return (this.has0 ? 1 : 0) + (this.more?.size ?? 0);
  }

  get [Symbol.toStringTag](): string {
    return 'SmallMap';
  }

  get(key: K): V | undefined {
    if (this.has0 && Object.is(this.k0, key)) return this.v0;
    return this.more?.get(key);
  }

  has(key: K): boolean {
    return (this.has0 && Object.is(this.k0, key)) || (this.more?.has(key) ?? false);
  }

  set(key: K, value: V): this {
    if (this.has0 && Object.is(this.k0, key)) this.v0 = value;
    else if (!this.has0 && (this.more === null || this.more.size === 0)) {
      this.k0 = key;
      this.v0 = value;
      this.has0 = true;
    } else {
      if (this.more === null) this.more = new Map();
      this.more.set(key, value);
    }
    return this;
  }

  delete(key: K): boolean {
    if (!(this.has0 && Object.is(this.k0, key))) return this.more?.delete(key) ?? false;
    // The next key in order takes the first place.
    const next = this.more?.entries().next();
    if (next && !next.done) {
      this.more!.delete(next.value[0]);
      [this.k0, this.v0] = next.value;
    } else {
      this.k0 = undefined;
      this.v0 = undefined;
      this.has0 = false;
    }
    return true;
  }

  /** The first key in insertion order, without an iterator (a sensor's headline on every reading). */
  firstKey(): K | undefined {
    if (this.has0) return this.k0;
    return this.more?.keys().next().value;
  }

  clear(): void {
    this.k0 = undefined;
    this.v0 = undefined;
    this.has0 = false;
    this.more = null;
  }

  forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this) fn.call(thisArg, v, k, this);
  }

  *entries(): MapIterator<[K, V]> {
    if (this.has0) yield [this.k0 as K, this.v0 as V];
    if (this.more) yield* this.more.entries();
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}

/** The first key of `map` in insertion order (a {@link SmallMap}'s without its generators), or undefined. */
export function firstKey<K>(map: Map<K, unknown>): K | undefined {
  return map instanceof SmallMap ? (map as SmallMap<K, unknown>).firstKey() : map.keys().next().value;
}
