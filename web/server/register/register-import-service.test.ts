import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRegisterImport, modelFromPackage, readPackageFiles, validateCityPackage } from '../../../twin-model/city-package/index.ts';
import { DeviceDirectory, registerOf, Vocabulary } from '../../../twin-model/index.ts';
import { busyRetirements } from './register-import-service.ts';

const RIVER_TOWN = join(process.cwd(), 'test/fixtures/cities/river-town');
const files = readPackageFiles(RIVER_TOWN);
const model = modelFromPackage(validateCityPackage(files).parsed!);
const stored = registerOf(model).map((e) => ({ ...e, retired: false, updatedAt: 0 }));
const unitsWithout = (id: string) =>
  readFileSync(join(RIVER_TOWN, 'units.csv'), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith(`${id},`))
    .join('\n');

describe('a units import and the units on an assignment', () => {
  it('refuses to retire a unit on an assignment, naming it and its incident', () => {
    const check = checkRegisterImport(files, 'unit', unitsWithout('pol-2'), stored, model);
    expect(check.counts?.unit).toMatchObject({ retired: 1 });
    const problems = busyRetirements(check, new Map([['pol-2', 'INC-7']]));
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'error', code: 'unit_on_assignment', file: 'units.csv', field: 'id', value: '"pol-2"' }),
    ]);
    expect(problems[0]!.message).toMatch(/"pol-2" is not in the file but is on an assignment \(incident INC-7\); keep its row/);
  });

  it('lets a free unit go, and a busy unit the file keeps', () => {
    const check = checkRegisterImport(files, 'unit', unitsWithout('pol-2'), stored, model);
    expect(busyRetirements(check, new Map([['pol-1', 'INC-7']]))).toEqual([]);
    expect(busyRetirements(check, new Map())).toEqual([]);
  });
});

describe('a sensors import in the device directory', () => {
  it('registers new sensors with their external ids, frees the names a sensor lost, forgets retired sensors', () => {
    const directory = new DeviceDirectory(Vocabulary.of(model.vocabulary ?? []), [
      { id: 'a', kind: 'rain_gauge', externalIds: ['urn:dev:a', 'gw-1/a'] },
      { id: 'b', kind: 'rain_gauge', externalIds: ['urn:dev:b'] },
    ]);
    directory.bind('m', ['urn:dev:new']);
    directory.applyRegister(
      [
        { id: 'a', kind: 'rain_gauge', externalIds: ['urn:dev:a'] },
        { id: 'c', kind: 'noise_level', externalIds: ['urn:dev:new'] },
      ],
      ['b'],
    );
    expect(directory.sensorOf('urn:dev:a')).toBe('a');
    expect(directory.sensorOf('gw-1/a')).toBeUndefined();
    expect(directory.sensorOf('urn:dev:new')).toBe('c');
    expect(directory.externalIdsOf('m')).toEqual([]);
    expect(directory.kindOf('c')).toBe('noise_level');
    expect(directory.isKnownSensor('b')).toBe(false);
    expect(directory.sensorOf('urn:dev:b')).toBeUndefined();
  });
});
