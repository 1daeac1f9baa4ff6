import { describe, expect, it } from 'vitest';
import type { LngLat } from './city-types.ts';
import { generateCity } from './generate-city.ts';
import { haversineM, lineLengthM, M_PER_DEG_LAT, M_PER_DEG_LNG, offsetM, pointAlong } from './geometry.ts';
import { cityProjection, LocalProjection, metresPerDegreeAt, projectionAt } from './local-projection.ts';

describe('cityProjection', () => {
  it('is the generated city’s own projection for the generated city: the same lengths and points to the bit', () => {
    const city = generateCity({ sensorCount: 0 });
    const proj = cityProjection(city);
    for (const road of city.roads) {
      const length = lineLengthM(road.line);
      expect(proj.lineLengthM(road.line)).toBe(length);
      for (const f of [0, 0.25, 0.5, 0.9])
        expect(proj.pointAlong(road.line, length * f).point).toEqual(pointAlong(road.line, length * f).point);
      expect(proj.offsetM(road.line[0] as LngLat, 120, -80)).toEqual(offsetM(road.line[0] as LngLat, 120, -80));
    }
  });

  it('is carried by the generated model and its road graph: the generator’s origin and scale', () => {
    const city = generateCity({ sensorCount: 0 });
    const generator = { origin: [114.3, 30.6], mPerDeg: { lng: M_PER_DEG_LNG, lat: M_PER_DEG_LAT } };
    expect(city.projection).toEqual(generator);
    expect(city.graph.projection).toEqual(generator);
    expect(city.projection).not.toBe(city.graph.projection);
  });

  it('is centred on a city without a projection of its own, at 31° N as anywhere', () => {
    // A package city near Shanghai, half a degree from the generated city's latitude.
    const proj = cityProjection({ bbox: [121.3, 30.8, 121.7, 31.2], center: [121.5, 31.0] });
    expect([proj.lng0, proj.lat0]).toEqual([121.5, 31.0]);
    expect({ lng: proj.mPerDegLng, lat: proj.mPerDegLat }).toEqual(metresPerDegreeAt(31.0));
    // A box at the generated city's own latitude, without its projection, is no exception.
    const atWuhan = projectionAt(30.4, 30.8, 114.3);
    expect([atWuhan.lng0, atWuhan.lat0]).toEqual([114.3, 30.6]);
    expect(atWuhan.mPerDegLat).toBe(metresPerDegreeAt(30.6).lat);
    expect(atWuhan.mPerDegLat).not.toBe(M_PER_DEG_LAT);
    // Its box read across the antimeridian: centred between its edges the short way round.
    const fiji = cityProjection({ bbox: [179.8, -17, -179.9, -16.6] });
    expect(fiji.lng0).toBeCloseTo(179.95, 9);
    expect(fiji.lat0).toBeCloseTo(-16.8, 9);
  });

  it('is scaled at the city’s own latitude elsewhere: lengths within 1 % of the great circle, either axis', () => {
    for (const [lng, lat] of [
      [-21.9, 64.14],
      [-78.5, -0.2],
      [-46.65, -23.55],
      [179.95, -16.8],
    ] as const) {
      const proj = projectionAt(lat - 0.1, lat + 0.1, lng);
      const east: LngLat[] = [
        [lng, lat],
        [lng + 0.03, lat],
      ];
      const north: LngLat[] = [
        [lng, lat],
        [lng, lat + 0.03],
      ];
      for (const line of [east, north]) {
        const great = haversineM(line[0] as LngLat, line[1] as LngLat);
        // The projection's scale is the ellipsoid's, the haversine's a sphere's: ~0.6 % apart on the equator.
        expect(Math.abs(proj.lineLengthM(line) - great) / great, `${lng}, ${lat}`).toBeLessThan(0.01);
      }
    }
  });

  it('measures across the antimeridian the short way round and keeps longitudes within ±180°', () => {
    const proj = new LocalProjection(180, -16.8);
    const line: LngLat[] = [
      [179.99, -16.8],
      [-179.99, -16.8],
    ];
    const great = haversineM(line[0] as LngLat, line[1] as LngLat);
    expect(Math.abs(proj.lineLengthM(line) - great)).toBeLessThan(great * 0.005);
    const mid = proj.pointAlong(line, proj.lineLengthM(line) / 2).point;
    expect(Math.abs(mid[0])).toBeCloseTo(180, 6);
    const [x, y] = proj.toXY([-179.99, -16.8]);
    const back = proj.fromXY(x, y);
    expect(back[0]).toBeCloseTo(-179.99, 9);
    expect(back[1]).toBeCloseTo(-16.8, 9);
    expect(proj.offsetM([179.999, -16.8], 500, 0)[0]).toBeLessThan(-179);
  });
});
