import { describe, expect, it } from 'vitest';
import { NOTIFY_HEADINGS } from './notify-doc-section.ts';
import { OPS_STRINGS } from './ops-strings.ts';

describe('the notification and on-call sections', () => {
  it('each have a heading in both languages (the rosters’ section showed none)', () => {
    for (const key of Object.values(NOTIFY_HEADINGS)) {
      expect(OPS_STRINGS.zh[key], key).toMatch(/[\u4e00-\u9fff]/);
      expect(OPS_STRINGS.en[key], key).toMatch(/^[A-Z]/);
    }
    expect(OPS_STRINGS.zh[NOTIFY_HEADINGS.rosters]).toBe('值班表配置');
  });
});
