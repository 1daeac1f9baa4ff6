import { describe, expect, it } from 'vitest';
import { whyLabel } from './incident-labels.ts';

describe('whyLabel', () => {
  const why = { code: 'same_district', params: { district: '420103', minutes: 3 } } as const;
  const names = (code: string) => (code === '420103' ? '江岸区' : null);

  it('names a district the page knows, in the page’s language', () => {
    expect(whyLabel(why, 'zh', names)).toBe('同一区 江岸区，相隔 3 分钟');
    expect(whyLabel(why, 'en', (code) => (code === '420103' ? 'Jiang’an' : null))).toBe('same district Jiang’an, 3 min apart');
  });

  it('falls back to the code for a district it does not know', () => {
    expect(whyLabel(why, 'zh', () => null)).toBe('同一区 420103，相隔 3 分钟');
    expect(whyLabel(why, 'zh')).toBe('同一区 420103，相隔 3 分钟');
  });
});
