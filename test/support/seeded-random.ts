/**
 * The seeded generator of the tests (mulberry32): small, fast, the same numbers on every run and
 * machine, so a failing case can be replayed from its seed. Tests anywhere import it — unit tests
 * beside the code as well as those under test/ (test files may import across the layers). The
 * product's own seeded streams are twin-model/random.ts.
 */
export type SeededRandom = () => number;

/** Uniform numbers in [0, 1) from `seed` (taken as an unsigned 32-bit integer). */
export function seededRandom(seed: number): SeededRandom {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
