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

  /** Each rule: the field it points at, its reason, the signal of the heat rule broken and how. */
  const CASES: [field: string, reason: string, id: string, change: Record<string, unknown>][] = [
    ['sensorKinds', 'sensor_alarm needs sensorKinds', 'temperature', { sensorKinds: undefined }],
    ['sensorKinds', 'area_share needs sensorKinds', 'district_heat', { sensorKinds: undefined }],
    ['minShare', 'area_share needs minShare', 'district_heat', { minShare: undefined }],
    ['countSilent', 'countSilent applies to area_share signals only, not sensor_alarm', 'temperature', { countSilent: true }],
    [
      'countSilent',
      'countSilent needs corroboration (silent sensors alone cannot open an incident)',
      'district_heat_silent',
      { corroboration: undefined },
    ],
    ['eventTypes', 'event needs eventTypes', 'temperature', { evidence: 'event' }],
    ['placeRadiusM', 'placeRadiusM applies to sensor_alarm signals only, not area_share', 'district_heat', { placeRadiusM: 500 }],
    [
      'corroboration',
      'corroboration applies to signals that can open (canOpen: true) only',
      'grid_load',
      { corroboration: { signals: ['hospital_load'] } },
    ],
  ];

  it.each(CASES)('refuses at %s: %s', (field, reason, id, change) => {
    expect(refusal(id, change)).toContain(`signals.${at(id)}.${field}: signal ${id}: ${reason}`);
  });
});
