/**
 * Seeded pseudo-random numbers (SplitMix32 mixing into a 32-bit state). The twin and the
 * simulator never call `Math.random()`: the same seed gives the same city and the same run.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A new independent stream derived from this one and a label. */
  fork(label: string): Random;
}

export function hashString(text: string): number {
  // FNV-1a, 32 bit
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  // Method shorthand, not arrow functions in bindings: the TypeScript runners (tsx, vitest)
  // keep function names by redefining `name` on every arrow function they bind, and streams
  // are created per sample by the signal patterns, so that cost dominated scenario generation.
  // The methods call `random.next()`, never `this`: a copy such as `{ ...random, normal }`
  // draws from the same stream.
  const random: Random = {
    next(): number {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      z = (z ^ (z >>> 16)) >>> 0;
      return z / 4294967296;
    },
    range(min: number, max: number): number {
      return min + (max - min) * random.next();
    },
    int(n: number): number {
      return Math.floor(random.next() * n);
    },
    normal(): number {
      const u = Math.max(random.next(), 1e-12);
      const v = random.next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick() needs a non-empty array');
      return items[Math.floor(random.next() * items.length)] as T;
    },
    fork(label: string): Random {
      return createRandom((hashString(label) ^ Math.imul(seed >>> 0, 0x27d4eb2d)) >>> 0);
    },
  };
  return random;
}
