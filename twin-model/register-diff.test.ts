import { describe, expect, it } from 'vitest';
import { loadCityPackage } from './city-package/index.ts';
import { RIVER_TOWN_DIR } from '../test/support/make-city-fixtures.ts';
import { diffCounts, diffRegister, isEmptyDiff, registerOf, type RegisterEntry, type StoredRegisterEntry } from './register-diff.ts';

const sensor = (id: string, over: Partial<RegisterEntry> = {}): RegisterEntry => ({
  entity: 'sensor',
  id,
  kind: 'water_level',
  lng: 15.6,
  lat: 48.2,
  nameZh: `传感器 ${id}`,
  nameEn: `Sensor ${id}`,
  source: 'roads.waterlogging',
  district: 'altstadt',
  classification: '',
  detail: '{"asset":null,"externalIds":[]}',
  ...over,
});

const stored = (e: RegisterEntry, over: Partial<StoredRegisterEntry> = {}): StoredRegisterEntry => ({
  ...e,
  retired: false,
  updatedAt: 1,
  ...over,
});

describe('the register diff', () => {
  it('finds nothing to do when the register is as stored', () => {
    const reg = [sensor('a'), sensor('b')];
    const diff = diffRegister(
      reg,
      reg.map((e) => stored(e)),
    );
    expect(isEmptyDiff(diff)).toBe(true);
    expect(diff.unchanged).toEqual({ sensor: 2, unit: 0, source: 0 });
  });

  it('adds new entries, moves, renames and re-sources changed ones, retires missing ones', () => {
    const before = [sensor('same'), sensor('moves'), sensor('renamed'), sensor('resourced'), sensor('gone')].map((e) => stored(e));
    const next = [
      sensor('same'),
      sensor('moves', { lng: 15.601 }),
      sensor('renamed', { nameEn: 'Underpass gauge' }),
      sensor('resourced', { source: 'hydro.rain', lng: 15.59 }),
      sensor('new'),
    ];
    const diff = diffRegister(next, before);
    expect(diff.added.map((e) => e.id)).toEqual(['new']);
    expect(diff.changed.map((c) => [c.entry.id, c.changes])).toEqual([
      ['moves', ['moved']],
      ['renamed', ['renamed']],
      ['resourced', ['moved', 'resourced']],
    ]);
    expect(diff.retired.map((e) => e.id)).toEqual(['gone']);
    expect(diffCounts(diff).sensor).toMatchObject({ added: 1, moved: 2, renamed: 1, resourced: 1, retired: 1, unchanged: 1 });
  });

  it('brings a retired entry back as added (reinstated), and does not retire it twice', () => {
    const before = [stored(sensor('back'), { retired: true }), stored(sensor('still-gone'), { retired: true })];
    const diff = diffRegister([sensor('back')], before);
    expect(diff.added.map((e) => e.id)).toEqual(['back']);
    expect(diff.reinstated).toEqual(['sensor/back']);
    expect(diff.retired).toEqual([]);
    expect(diffCounts(diff).sensor.reinstated).toBe(1);
  });

  it('keeps what a partial import does not list when asked to', () => {
    const diff = diffRegister([sensor('a', { kind: 'rain_gauge' })], [stored(sensor('a')), stored(sensor('b'))], { retireMissing: false });
    expect(diff.retired).toEqual([]);
    expect(diff.changed.map((c) => c.changes)).toEqual([['rekinded']]);
  });

  it('matches by entity and id: a unit and a sensor may share an id', () => {
    const unit: RegisterEntry = { ...sensor('x'), entity: 'unit', kind: 'pump_team', source: '', district: '' };
    const diff = diffRegister([sensor('x'), unit], [stored(sensor('x'))]);
    expect(diff.added.map((e) => `${e.entity}/${e.id}`)).toEqual(['unit/x']);
  });

  it('refuses a register that lists an id twice, naming it', () => {
    expect(() => diffRegister([sensor('dup'), sensor('dup')], [])).toThrow(/sensor "dup" twice/);
  });

  it("takes a city's sensors, units and sources as its registers", () => {
    const city = loadCityPackage(RIVER_TOWN_DIR);
    const reg = registerOf(city);
    const count = (entity: string) => reg.filter((e) => e.entity === entity).length;
    expect([count('sensor'), count('unit'), count('source')]).toEqual([31, 11, 10]);
    const source = reg.find((e) => e.entity === 'source')!;
    expect(source).toMatchObject({ id: 'hydro.rain', classification: 'public' });
    // A source's classification change is a reclassification, a unit's new station a detail.
    const next = reg.map((e) =>
      e === source ? { ...e, classification: 'sensitive' } : e.entity === 'unit' && e.id === 'pump-1' ? { ...e, detail: '{}' } : e,
    );
    const diff = diffRegister(
      next,
      reg.map((e) => stored(e)),
    );
    expect(diff.changed.map((c) => [c.entry.entity, c.changes])).toEqual([
      ['unit', ['redetailed']],
      ['source', ['reclassified']],
    ]);
  });
});
