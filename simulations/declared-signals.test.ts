import { describe, expect, it } from 'vitest';
import type { DeclaredSensorSite } from '../twin-model/city/city-types.ts';
import { createRandom } from '../twin-model/random.ts';
import { planDeclaredKind, SIMULATED_UNITS } from './declared-signals.ts';
import { createWeather } from './rainstorm.ts';

const site: DeclaredSensorSite = {
  id: 'nz-1',
  kind: 'noise_level',
  lng: 15.6,
  lat: 48.2,
  district: 'altstadt',
  sourceId: 'env.noise',
  nameZh: '噪声',
  nameEn: 'Noise',
  lowness: 0.4,
};

describe('planDeclaredKind', () => {
  it('simulates a kind whose every metric has a unit it models, in that unit, by the local clock', () => {
    const plan = planDeclaredKind({ kind: 'noise_level', label: { zh: '噪声', en: 'Noise' }, metrics: { noise_dba: 'dB', temp: 'Cel' } });
    if (!plan.simulated) throw new Error(plan.reason);
    expect(plan.units).toEqual({ noise_dba: 'dB', temp: 'Cel' });
    const weather = createWeather({ scenario: 'none', timeZone: 'Europe/Vienna' });
    const random = createRandom(1);
    const at = (hourUtc: number) => plan.sample(site, Date.UTC(2024, 6, 1, hourUtc), weather, random);
    const night = at(1); // 03:00 in Vienna
    const day = at(11); // 13:00
    expect(Object.keys(night).sort()).toEqual(['noise_dba', 'temp']);
    expect(night.noise_dba).toBeGreaterThanOrEqual(20);
    expect(day.noise_dba!).toBeGreaterThan(night.noise_dba! + 3);
    expect(day.temp!).toBeGreaterThan(night.temp!);
    // Same site, time and stream: same values.
    expect(plan.sample(site, Date.UTC(2024, 6, 1, 11), weather, createRandom(7))).toEqual(
      plan.sample(site, Date.UTC(2024, 6, 1, 11), weather, createRandom(7)),
    );
  });

  it('skips a kind with a unit it has no pattern for, saying which metric and what it knows', () => {
    const plan = planDeclaredKind({ kind: 'soil', label: { zh: '土壤', en: 'Soil' }, metrics: { vwc: 'm3/m3', t: 'Cel' } });
    expect(plan).toEqual({ kind: 'soil', simulated: false, reason: expect.stringContaining('no pattern for vwc in "m3/m3"') });
    expect(SIMULATED_UNITS).toEqual(expect.arrayContaining(['dB', 'Cel', '%RH', 'hPa', 'cm', 'mm/h']));
  });
});
