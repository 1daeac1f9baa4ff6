import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYERS, parseLayerPrefs, serializeLayerPrefs } from './layer-prefs.ts';

describe('layer preferences', () => {
  it('round-trip', () => {
    const p = { on: { ...DEFAULT_LAYERS.on, heat: true, labels: false }, hiddenKinds: ['rain_gauge'] };
    expect(parseLayerPrefs(serializeLayerPrefs(p))).toEqual(p);
  });

  it('fall back to the defaults on anything else, switch by switch', () => {
    expect(parseLayerPrefs(null)).toEqual(DEFAULT_LAYERS);
    expect(parseLayerPrefs('{oops')).toEqual(DEFAULT_LAYERS);
    expect(parseLayerPrefs(JSON.stringify({ v: 7, on: { heat: true } }))).toEqual(DEFAULT_LAYERS);
    const partly = parseLayerPrefs(JSON.stringify({ v: 1, on: { heat: true, units: 'no' }, hiddenKinds: ['ok_kind', 5, '<b>'] }));
    expect(partly.on).toEqual({ ...DEFAULT_LAYERS.on, heat: true });
    expect(partly.hiddenKinds).toEqual(['ok_kind']);
  });
});
