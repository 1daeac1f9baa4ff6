import { ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import { describe, expect, it } from 'vitest';
import { drawProbeHook } from './draw-probe.ts';
import { OWN_LAYER_IDS } from './sensor-overlay.ts';

/** The overlay's layers as it builds them: cells under, every sensor, the top layer, the ring, incidents above. */
function built(): Layer[] {
  const layer = (id: string) => new ScatterplotLayer({ id, data: [], stroked: true, antialiasing: true, billboard: true });
  return [layer('cells'), layer(OWN_LAYER_IDS.sensors), layer(OWN_LAYER_IDS.top), layer(OWN_LAYER_IDS.selected), layer('incidents')];
}

const drawn = (layers: Layer[]) =>
  layers.map((l) => {
    const p = l.props as ScatterplotLayer['props'];
    return `${l.id}${p.visible ? '' : ' hidden'}${p.stroked ? '' : ' no-rims'}${p.antialiasing ? '' : ' no-aa'}${p.billboard ? '' : ' flat'}`;
  });

describe('the draw probe', () => {
  it('leaves nothing out when nothing is set to false', () => {
    expect(drawProbeHook({})).toBeNull();
    expect(drawProbeHook({ rims: true, antialiasing: true, billboard: true, top: true, extra: true })).toBeNull();
  });

  it("changes the sensors' two layers only for rims, antialiasing and billboarding", () => {
    const layers = built();
    const out = drawProbeHook({ rims: false, antialiasing: false, billboard: false })!(layers);
    expect(drawn(out)).toEqual(['cells', 'sensors no-rims no-aa flat', 'sensors-top no-rims no-aa flat', 'selected-sensor', 'incidents']);
    // The others are handed over as they were built; the built layers are left as they were.
    expect(out[0]).toBe(layers[0]);
    expect(out[3]).toBe(layers[3]);
    expect(drawn(layers)).toEqual(['cells', 'sensors', 'sensors-top', 'selected-sensor', 'incidents']);
  });

  it('drops the top layer, and hides the layers above and under the sensors but not the ring', () => {
    expect(drawn(drawProbeHook({ top: false })!(built()))).toEqual(['cells', 'sensors', 'selected-sensor', 'incidents']);
    expect(drawn(drawProbeHook({ extra: false })!(built()))).toEqual([
      'cells hidden',
      'sensors',
      'sensors-top',
      'selected-sensor',
      'incidents hidden',
    ]);
  });
});
