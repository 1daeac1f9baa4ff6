/**
 * Signals that open only with corroboration (`signals[].corroboration`, docs/incidents.md): a
 * lower district share of hot stations opens a heat incident only when other families of the
 * same district (the grid, the emergency departments) show the heat within the window.
 */
import { describe, expect, it } from 'vitest';
import { heatRuleWithCorroboratedShare } from './corroborated-heat-example.ts';
import {
  DISTRICT,
  districtSensor as sensor,
  districtShare as share,
  heatCorrelator as correlator,
  MIN,
  T0,
} from './fixtures/heat-district.ts';
import { DEFAULT_INCIDENT_RULES, IncidentRuleError, parseIncidentRule } from './incident-rules.ts';

/** The shipped heat rule with a corroborated lower-share signal, as docs/incidents.md shows it. */
const heatRule = heatRuleWithCorroboratedShare;

describe('corroborated opening', () => {
  it('opens on a lower district share when the grid and an emergency department of the district warn', () => {
    const c = correlator(heatRule());
    c.alarm(sensor('power_substation', 1, T0));
    c.alarm(share(0.2, T0 + 4 * MIN));
    expect(c.opened()).toHaveLength(0);
    const changes = c.alarm(sensor('hospital_ed', 2, T0 + 9 * MIN));
    expect(changes.map((x) => x.what)).toEqual(['opened']);
    const [incident] = c.opened();
    expect(incident!.district).toBe(DISTRICT);
    expect(incident!.evidence.map((e) => e.signal).sort()).toEqual(['district_heat_corroborated', 'grid_load', 'hospital_load']);
  });

  it('does not open on a lower district share without corroboration, however many stations of it warn', () => {
    const c = correlator(heatRule());
    c.alarm(share(0.2, T0));
    for (let i = 1; i <= 3; i++) c.alarm({ ...share(0.2, T0 + i * MIN), id: `alarm:tp-${i}`, sensorId: `tp-${i}`, areaShare: undefined });
    expect(c.opened()).toHaveLength(0);
    // The full share needs no corroboration (the shipped rule).
    c.alarm(share(0.4, T0 + 10 * MIN));
    expect(c.opened().map((i) => i.evidence.find((e) => e.areaShare !== undefined)?.signal)).toEqual(['district_heat']);
  });

  it('does not open on a lower district share with a single substation alone', () => {
    const c = correlator(heatRule());
    c.alarm(share(0.2, T0));
    c.alarm(sensor('power_substation', 1, T0 + 2 * MIN));
    expect(c.opened()).toHaveLength(0);
  });

  it('wants independent families: many substations are one family, enough confidence or not', () => {
    const c = correlator(heatRule());
    c.alarm(share(0.2, T0));
    for (let n = 1; n <= 8; n++) c.alarm(sensor('power_substation', n, T0 + n * MIN));
    expect(c.opened()).toHaveLength(0);
    const one = correlator(heatRule({ signals: ['hospital_load', 'grid_load'], minFamilies: 1 }));
    one.alarm(share(0.2, T0));
    for (let n = 1; n <= 8; n++) one.alarm(sensor('power_substation', n, T0 + n * MIN));
    expect(one.opened()).toHaveLength(1);
  });

  it('counts corroboration only within its window of the opener', () => {
    const c = correlator(heatRule({ signals: ['hospital_load', 'grid_load'], withinS: 600 }));
    c.alarm(sensor('power_substation', 1, T0));
    c.alarm(sensor('hospital_ed', 2, T0 + MIN));
    c.alarm(share(0.2, T0 + 30 * MIN));
    expect(c.opened()).toHaveLength(0);
    c.alarm(sensor('hospital_ed', 3, T0 + 32 * MIN));
    c.alarm(sensor('power_substation', 4, T0 + 33 * MIN));
    expect(c.opened()).toHaveLength(1);
  });

  it('takes no corroboration from another district', () => {
    const c = correlator(heatRule());
    c.alarm({ ...sensor('power_substation', 1, T0), district: '420103' });
    c.alarm({ ...sensor('hospital_ed', 2, T0 + MIN), district: '420103' });
    c.alarm(share(0.2, T0 + 2 * MIN));
    expect(c.opened()).toHaveLength(0);
  });
});

describe('corroboration in the rule format', () => {
  it('defaults to two families within an hour', () => {
    const s = heatRule().signals.find((x) => x.id === 'district_heat_corroborated')!;
    expect(s.corroboration).toEqual({ signals: ['hospital_load', 'grid_load'], minFamilies: 2, withinS: 3600 });
  });

  it('refuses a signal the rule does not have, quoting it and listing the signals', () => {
    expect(() => heatRule({ signals: ['hotline_heat'] })).toThrow(IncidentRuleError);
    expect(() => heatRule({ signals: ['hotline_heat'] })).toThrow(
      /signals\.1\.corroboration\.signals\.0: signal district_heat_corroborated: corroborating signal "hotline_heat" is not a signal of this rule \(one of district_heat, district_heat_corroborated, district_heat_silent, temperature/,
    );
  });

  it('refuses corroboration by the opener’s own family', () => {
    expect(() => heatRule({ signals: ['temperature'] })).toThrow(/"temperature" is of its own family weather/);
  });

  it('refuses corroborating signals that cannot make up minFamilies families, naming those found', () => {
    expect(() => heatRule({ signals: ['grid_load'] })).toThrow(
      /signals\.1\.corroboration\.minFamilies: signal district_heat_corroborated: minFamilies 2 needs corroborating signals of at least 2 families other than weather; the named signals have 1 \(sensor\)/,
    );
    expect(() => heatRule({ signals: ['hospital_load', 'grid_load'], minFamilies: 3 })).toThrow(
      /minFamilies 3 needs .* 2 \(service, sensor\)/,
    );
    expect(heatRule({ signals: ['grid_load'], minFamilies: 1 }).signals[1]?.corroboration?.minFamilies).toBe(1);
  });

  it('refuses corroboration on a signal that cannot open, and a bad count', () => {
    const heat = DEFAULT_INCIDENT_RULES.get('heat_stress')!;
    const signals = heat.signals.map((s) => (s.id === 'grid_load' ? { ...s, corroboration: { signals: ['hospital_load'] } } : s));
    expect(() => parseIncidentRule({ ...heat, signals }, 'heat_stress.json')).toThrow(/corroboration applies to signals that can open/);
    expect(() => heatRule({ signals: ['grid_load', 'hospital_load'], minFamilies: 0 })).toThrow(/minFamilies/);
    expect(() => heatRule({ signals: ['grid_load', 'hospital_load'], within: 60 })).toThrow(/within/);
  });
});
