import { describe, expect, it } from 'vitest';
import { emptyMap, firstKey, intern, SmallMap, withEntry, withoutEntry } from './compact-entry.ts';
import { createRandom } from './random.ts';

describe('SmallMap', () => {
  it('behaves as a Map through random sets, deletes and clears, in the same order', () => {
    const random = createRandom(3);
    const small = new SmallMap<string, number>();
    const map = new Map<string, number>();
    const keys = ['a', 'b', 'c', 'd'];
    for (let step = 0; step < 2000; step++) {
      const key = random.pick(keys);
      const r = random.next();
      if (r < 0.55) {
        expect(small.set(key, step)).toBe(small);
        map.set(key, step);
      } else if (r < 0.98) expect(small.delete(key)).toBe(map.delete(key));
      else {
        small.clear();
        map.clear();
      }
      expect([...small]).toEqual([...map]);
      expect(small.size).toBe(map.size);
      expect(firstKey(small)).toBe(map.keys().next().value);
      for (const k of keys) expect([small.has(k), small.get(k)]).toEqual([map.has(k), map.get(k)]);
    }
    expect([...small.keys()]).toEqual([...map.keys()]);
    expect([...small.values()]).toEqual([...map.values()]);
    const seen: string[] = [];
    small.forEach((v, k, m) => {
      seen.push(`${k}=${v}:${m === small}`);
    });
    expect(seen).toEqual([...map].map(([k, v]) => `${k}=${v}:true`));
  });

  it('keeps the first key first after a later key is deleted and set again', () => {
    const small = new SmallMap<string, number>().set('x', 1).set('y', 2);
    small.delete('x');
    small.set('x', 3);
    expect(firstKey(small)).toBe('y');
    expect(firstKey(new Map([['p', 1]]))).toBe('p');
    expect(firstKey(emptyMap())).toBeUndefined();
    expect([...small]).toEqual([
      ['y', 2],
      ['x', 3],
    ]);
  });
});

describe('shared empty maps', () => {
  it('gives a sensor its own map on the first key and the shared one back on the last', () => {
    let m = emptyMap<string, number>();
    expect(m).toBe(emptyMap());
    m = withEntry(m, 'rise', 5);
    expect(m).not.toBe(emptyMap());
    expect(m.get('rise')).toBe(5);
    expect(emptyMap<string, number>().size).toBe(0);
    m = withoutEntry(m, 'other');
    expect(m.size).toBe(1);
    m = withoutEntry(m, 'rise');
    expect(m).toBe(emptyMap());
  });

  it('refuses a write to the shared empty map, naming the key', () => {
    expect(() => emptyMap<string, number>().set('water_level_cm', 1)).toThrow('water_level_cm');
    expect(emptyMap().size).toBe(0);
  });
});

describe('shared strings', () => {
  it('keeps one copy of a label', () => {
    const a = ['water', 'level'].join('_');
    const b = ['water', 'level'].join('_');
    expect(intern(a)).toBe(intern(b));
    expect(intern(null)).toBeNull();
  });
});
