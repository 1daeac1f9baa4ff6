import { describe, expect, it } from 'vitest';
import { firstSymbolLayerId } from './under-labels.ts';

/** A map holding `layers` (id, type), bottom to top. */
function mapOf(layers: Array<[string, string]>) {
  const byId = new Map(layers.map(([id, type]) => [id, { id, type }]));
  return {
    getLayersOrder: () => layers.map(([id]) => id),
    getLayer: (id: string) => byId.get(id) as never,
  };
}

describe('firstSymbolLayerId', () => {
  it('finds the lowest symbol layer whatever it is called', () => {
    const map = mapOf([
      ['bg', 'background'],
      ['water', 'fill'],
      ['deck-layer-group-before:x', 'custom'],
      ['roads', 'line'],
      ['ortsnamen', 'symbol'],
      ['label-district', 'symbol'],
    ]);
    expect(firstSymbolLayerId(map)).toBe('ortsnamen');
  });

  it('is undefined for a style with no symbol layers (markers go on top)', () => {
    expect(
      firstSymbolLayerId(
        mapOf([
          ['bg', 'background'],
          ['land', 'fill'],
        ]),
      ),
    ).toBeUndefined();
    expect(firstSymbolLayerId(mapOf([]))).toBeUndefined();
  });
});
