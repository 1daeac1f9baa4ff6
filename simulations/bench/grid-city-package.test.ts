import { describe, expect, it } from 'vitest';
import { modelFromPackage, validateCityPackage } from '../../twin-model/city-package/index.ts';
import { gridCityFiles } from './grid-city-package.ts';

function checked(segments: number, sensors: number) {
  const files = new Map<string, Uint8Array>();
  for (const [path, text] of gridCityFiles({ segments, sensors, units: 20 })) files.set(path, new TextEncoder().encode(text));
  return validateCityPackage({ origin: 'gridtown', files });
}

describe('the bench grid city', () => {
  it('is a package without errors, with the road segments, sensors and units asked for', () => {
    const { report, parsed } = checked(1_000, 700);
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.summary).toMatchObject({ roadSegments: 1_000, sensors: 700, units: 20, districts: 16 });
    const model = modelFromPackage(parsed!);
    expect(model.timezone).toBe('Europe/Vienna');
    expect(model.sensorSites.length + (model.declaredSensorSites?.length ?? 0)).toBe(700);
  });

  it('writes the same files for the same options', () => {
    expect(gridCityFiles({ segments: 200, sensors: 50, seed: 3 })).toEqual(gridCityFiles({ segments: 200, sensors: 50, seed: 3 }));
  });
});
