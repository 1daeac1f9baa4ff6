import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import { BASEMAP_VARIANTS } from './basemap-protocol.ts';
import { BUILDING_3D_LAYER, buildVectorStyle, RELATIVE_PMTILES_URL, VECTOR_LABEL_LAYERS, VECTOR_SOURCE } from './vector-basemap-style.ts';

describe('bundled vector basemap styles', () => {
  for (const variant of BASEMAP_VARIANTS) {
    for (const lang of ['zh', 'en'] as const) {
      it(`${variant} in ${lang} is a valid maplibre style`, () => {
        expect(validateStyleMin(buildVectorStyle(variant, lang))).toEqual([]);
      });
    }

    it(`${variant} fetches nothing but the archive: no glyphs, no sprite, no other URL`, () => {
      const style = buildVectorStyle(variant, 'zh');
      expect(style.glyphs).toBeUndefined();
      expect(style.sprite).toBeUndefined();
      expect(style.sources).toEqual({ [VECTOR_SOURCE]: { type: 'vector', url: RELATIVE_PMTILES_URL } });
      expect(JSON.stringify(style)).not.toMatch(/https?:\/\//);
    });

    it(`${variant} draws water, land use, roads by class, buildings, boundaries and labels`, () => {
      const byLayer = new Map<string, string[]>();
      for (const l of buildVectorStyle(variant, 'zh').layers) {
        if (!('source-layer' in l) || !l['source-layer']) continue;
        byLayer.set(l['source-layer'], [...(byLayer.get(l['source-layer']) ?? []), l.id]);
      }
      for (const sourceLayer of [
        'water',
        'waterway',
        'landuse',
        'landcover',
        'transportation',
        'building',
        'boundary',
        'place',
        'water_name',
        'transportation_name',
      ]) {
        expect(byLayer.get(sourceLayer)?.length, sourceLayer).toBeGreaterThan(0);
      }
      expect(byLayer.get('transportation')).toEqual(
        expect.arrayContaining([
          'road-motorway',
          'road-trunk',
          'road-primary',
          'road-secondary',
          'road-tertiary',
          'road-minor',
          'bridge-motorway',
          'tunnel-primary',
        ]),
      );
      const ids = buildVectorStyle(variant, 'zh').layers.map((l) => l.id);
      for (const id of VECTOR_LABEL_LAYERS) expect(ids).toContain(id);
      const extrusion = buildVectorStyle(variant, 'zh').layers.find((l) => l.id === BUILDING_3D_LAYER);
      expect(extrusion?.type).toBe('fill-extrusion');
    });
  }

  it('labels in the language asked for, falling back to the other spelling', () => {
    const label = (lang: 'zh' | 'en') => buildVectorStyle('dark', lang).layers.find((l) => l.id === 'label-place-major');
    expect(JSON.stringify(label('zh'))).toContain('["get","name:zh"]');
    expect(JSON.stringify(label('en'))).toMatch(/\["coalesce",\["get","name:en"\]/);
  });

  it('takes the absolute archive URL the console gives it', () => {
    expect(buildVectorStyle('light', 'en', 'pmtiles://http://127.0.0.1:8080/api/city/basemap.pmtiles').sources[VECTOR_SOURCE]).toEqual({
      type: 'vector',
      url: 'pmtiles://http://127.0.0.1:8080/api/city/basemap.pmtiles',
    });
  });
});
