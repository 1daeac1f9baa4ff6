import { describe, expect, it } from 'vitest';
import { reasonText } from './dispatch-section.ts';

const district = (code: string | null): string | null => (code === '420105' ? '汉阳区' : null);

describe('reasonText', () => {
  it('words the recommender reasons in Chinese', () => {
    expect(reasonText({ code: 'eta', params: { min: 7.5 } }, district, 'zh')).toBe('行驶约 7.5 分钟');
    expect(reasonText({ code: 'coverage_gap', params: { district: '420105', kind: 'pump_team', awayMin: 25 } }, district, 'zh')).toBe(
      '派出后汉阳区暂无排水抢险队（约 25 分钟）',
    );
    expect(reasonText({ code: 'route_avoids', params: { count: 2, delayMin: 1.5 } }, district, 'zh')).toBe(
      '绕开 2 处封闭道路（多行驶 1.5 分钟）',
    );
    expect(reasonText({ code: 'capability', params: { caps: 'pumping,rescue' } }, district, 'zh')).toBe('具备排水、救援能力');
  });

  it('words them in English, with kinds as common nouns', () => {
    expect(reasonText({ code: 'coverage_gap', params: { district: '420199', kind: 'pump_team', awayMin: 25 } }, district, 'en')).toBe(
      '420199 has no pump team left for about 25 min',
    );
    expect(reasonText({ code: 'returning' }, district, 'en')).toBe('returning home, can be re-assigned');
  });

  it('shows a code it does not know as it is', () => {
    expect(reasonText({ code: 'something_new' }, district, 'zh')).toBe('something_new');
  });
});
