import { describe, expect, it } from 'vitest';
import { departmentLabel } from './kpi-names.ts';

const known = [{ departmentZh: '武汉市水务局', departmentEn: 'Wuhan Water Authority' }];

describe('a hotline case’s department on the KPI screen', () => {
  it('is named in English on the English screen when a source names it, as given otherwise', () => {
    expect(departmentLabel('武汉市水务局', known, 'en')).toBe('Wuhan Water Authority');
    expect(departmentLabel('武汉市水务局', known, 'zh')).toBe('武汉市水务局');
    expect(departmentLabel('武汉市民政局', known, 'en')).toBe('武汉市民政局');
  });
});
