/**
 * The rules between a signal's fields (incident-rules.ts, docs/incidents.md): each refused with
 * the field it points at and its reason, one case for each rule.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_INCIDENT_RULES, parseIncidentRule } from './incident-rules.ts';

const heat = DEFAULT_INCIDENT_RULES.get('heat_stress')!;

/** The error the heat rule gets with signal `id` changed by `change` (the empty string when it parses). */
function refusal(id: string, change: Record<string, unknown>): string {
  const signals = heat.signals.map((s) => (s.id === id ? { ...s, ...change } : s));
  try {
    parseIncidentRule({ ...heat, signals }, 'heat_stress.json');
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

const at = (id: string): number => heat.signals.findIndex((s) => s.id === id);

describe('the rules between a signal’s fields', () => {
  it('takes the shipped heat rule, which has a signal of each kind the rules below refuse', () => {
    expect(refusal('temperature', {})).toBe('');
  });

  it.each([
    {
      rule: 'a sensor alarm needs sensorKinds',
      id: 'temperature',
      change: { sensorKinds: undefined },
      issue: 'sensorKinds: signal temperature: sensor_alarm needs sensorKinds',
    },
    {
      rule: 'a district share needs sensorKinds',
      id: 'district_heat',
      change: { sensorKinds: undefined },
      issue: 'sensorKinds: signal district_heat: area_share needs sensorKinds',
    },
    {
      rule: 'a district share needs minShare',
      id: 'district_heat',
      change: { minShare: undefined },
      issue: 'minShare: signal district_heat: area_share needs minShare',
    },
    {
      rule: 'countSilent only on a district share',
      id: 'temperature',
      change: { countSilent: true },
      issue: 'countSilent: signal temperature: countSilent applies to area_share signals only, not sensor_alarm',
    },
    {
      rule: 'countSilent needs corroboration',
      id: 'district_heat_silent',
      change: { corroboration: undefined },
      issue: 'countSilent: signal district_heat_silent: countSilent needs corroboration (silent sensors alone cannot open an incident)',
    },
    {
      rule: 'an event needs eventTypes',
      id: 'temperature',
      change: { evidence: 'event' },
      issue: 'eventTypes: signal temperature: event needs eventTypes',
    },
    {
      rule: 'placeRadiusM only on a sensor alarm',
      id: 'district_heat',
      change: { placeRadiusM: 500 },
      issue: 'placeRadiusM: signal district_heat: placeRadiusM applies to sensor_alarm signals only, not area_share',
    },
    {
      rule: 'corroboration only on a signal that can open',
      id: 'grid_load',
      change: { corroboration: { signals: ['hospital_load'] } },
      issue: 'corroboration: signal grid_load: corroboration applies to signals that can open (canOpen: true) only',
    },
  ])('refuses where $rule, at the field', ({ id, change, issue }) => {
    expect(refusal(id, change)).toContain(`signals.${at(id)}.${issue}`);
  });
});
