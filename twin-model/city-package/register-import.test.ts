/**
 * Register imports: an uploaded register file checked with the package loader's rules (every
 * invalid row named: line, field, value, what is allowed; a reference the file breaks in another
 * file), and the diff of a valid one against the register in force.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RIVER_TOWN_DIR } from '../../test/support/make-city-fixtures.ts';
import { registerOf, type StoredRegisterEntry } from '../register-diff.ts';
import { checkRegisterImport, loadCityPackage, readPackageFiles, validateCityPackage, withImportedFile } from './index.ts';

const base = readPackageFiles(RIVER_TOWN_DIR);
const city = loadCityPackage(RIVER_TOWN_DIR);
const stored: StoredRegisterEntry[] = registerOf(city).map((e) => ({ ...e, retired: false, updatedAt: 1 }));
const sensorsCsv = readFileSync(join(RIVER_TOWN_DIR, 'sensors.csv'), 'utf8');
const lines = sensorsCsv.trimEnd().split('\n');

describe('checkRegisterImport', () => {
  it('the package file itself: valid, nothing to change', () => {
    const check = checkRegisterImport(base, 'sensor', sensorsCsv, stored);
    expect(check.ok).toBe(true);
    expect(check.entries).toBe(lines.length - 1);
    expect(check.counts?.sensor).toMatchObject({ added: 0, moved: 0, retired: 0, unchanged: lines.length - 1 });
  });

  it('a new sensor, a moved one and a removed one: added 1, moved 1, retired 1', () => {
    const moved = lines[1]!.replace('15.589892,48.2085435', '15.5901,48.2086');
    const text = [lines[0], moved, ...lines.slice(2, -1), 'tp-neu,temperature,15.6,48.2,env.weather,新气温,New temperature,,'].join('\n');
    const check = checkRegisterImport(base, 'sensor', text, stored);
    expect(check.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(check.counts?.sensor).toMatchObject({ added: 1, moved: 1, retired: 1, unchanged: lines.length - 3 });
    expect(check.diff?.added.map((e) => e.id)).toEqual(['tp-neu']);
    expect(check.diff?.retired.map((e) => e.id)).toEqual([lines.at(-1)!.split(',')[0]]);
    expect(check.diff?.changed[0]).toMatchObject({ entry: { id: 'rg-alt' }, changes: ['moved'] });
  });

  it('every invalid row named with its line, field, value and what is allowed; nothing applied', () => {
    const text = [
      lines[0],
      ...lines.slice(1),
      'bad-kind,rain_gage,15.6,48.2,hydro.rain,甲,A,,',
      'far-away,rain_gauge,116.4,39.9,hydro.rain,乙,B,,',
      'no-source,rain_gauge,15.6,48.2,hydro.nowhere,丙,C,,',
    ].join('\n');
    const check = checkRegisterImport(base, 'sensor', text, stored);
    expect(check.ok).toBe(false);
    expect(check.diff).toBeNull();
    const errors = check.problems.filter((p) => p.severity === 'error');
    const n = lines.length;
    expect(errors.map((p) => [p.line, p.field, p.value])).toEqual([
      [n + 1, 'kind', '"rain_gage"'],
      [n + 2, 'lng,lat', '[116.4,39.9]'],
      [n + 3, 'source', '"hydro.nowhere"'],
    ]);
    for (const e of errors) expect(e.message.length).toBeGreaterThan(10);
  });

  it('a sources file that drops a source still in use is refused where the sensors name it', () => {
    const sources = readFileSync(join(RIVER_TOWN_DIR, 'sources.csv'), 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('env.air,'))
      .join('\n');
    const check = checkRegisterImport(base, 'source', sources, stored);
    expect(check.ok).toBe(false);
    expect(check.problems.some((p) => p.file === 'sensors.csv' && p.field === 'source' && p.value === '"env.air"')).toBe(true);
  });

  it('units: a unit added and one retired', () => {
    const units = readFileSync(join(RIVER_TOWN_DIR, 'units.csv'), 'utf8').trimEnd().split('\n');
    const text = [...units.slice(0, -1), 'amb-9,ambulance,15.6,48.2,救护车 9,Ambulance 9,,,'].join('\n');
    const check = checkRegisterImport(base, 'unit', text, stored);
    expect(check.ok).toBe(true);
    expect(check.counts?.unit).toMatchObject({ added: 1, retired: 1 });
  });

  it('vocabulary: kinds added, and a kind in use cannot be removed', () => {
    const vocab = JSON.parse(readFileSync(join(RIVER_TOWN_DIR, 'vocabulary.json'), 'utf8')) as { kinds: unknown[] };
    const more = {
      kinds: [...vocab.kinds, { kind: 'soil_moisture', label: { zh: '土壤湿度', en: 'Soil moisture' }, metrics: { vwc: '/' } }],
    };
    const added = checkRegisterImport(base, 'vocabulary', JSON.stringify(more), stored, city);
    expect(added.ok).toBe(true);
    expect(added.vocabulary).toMatchObject({ added: ['soil_moisture'], removed: [], changed: [] });
    const none = checkRegisterImport(base, 'vocabulary', '{"kinds": []}', stored, city);
    expect(none.ok).toBe(false);
    expect(none.problems.some((p) => p.file === 'sensors.csv' && p.field === 'kind')).toBe(true);
  });
});

describe('the roads step kept between checks of the same map', () => {
  it('a check of the same roads bytes gives the same report, its road problems in their place, until the roads change', () => {
    const broken = readPackageFiles(join(RIVER_TOWN_DIR, '..', 'broken'));
    const first = validateCityPackage(broken).report;
    expect(first.problems.some((p) => p.file === 'roads.geojson')).toBe(true);
    // Another register imported: a new file map, the same road bytes (the step is reused).
    const again = validateCityPackage(
      withImportedFile(broken, 'source', new TextDecoder().decode(broken.files.get('sources.csv')!)),
    ).report;
    expect(again).toEqual(first);
    // Other road bytes: read and checked again.
    const roads = new Map(base.files);
    roads.set('roads.geojson', new Uint8Array(base.files.get('roads.geojson')!));
    const river = validateCityPackage(base).report;
    expect(validateCityPackage({ ...base, files: roads }).report).toEqual(river);
    expect(river.problems.filter((p) => p.file === 'roads.geojson')).toEqual([]);
  });
});
