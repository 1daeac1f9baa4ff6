import { describe, expect, it } from 'vitest';
import { actionActorLabel, actionDetailLabel } from './action-labels.ts';

describe('who did an operator action, in words', () => {
  const names = new Map([['pump-420102-01', '江岸排水抢险队 1']]);
  const unitName = (id: string) => names.get(id) ?? null;

  it('names a unit’s own report by the unit’s name, never as `unit:<id>`', () => {
    expect(actionActorLabel('unit:pump-420102-01', unitName, 'zh')).toBe('江岸排水抢险队 1');
    expect(actionActorLabel('unit:fire-9', unitName, 'zh')).toBe('单位 fire-9（自报）');
    expect(actionActorLabel('unit:fire-9', unitName, 'en')).toBe('unit fire-9 (own report)');
  });

  it('keeps a person’s user name', () => {
    expect(actionActorLabel('admin', unitName, 'zh')).toBe('admin');
  });

  it('names the recommended unit of an override by its name', () => {
    expect(actionDetailLabel('dispatch', 'override', 'recommended pump-420102-01', 'zh', unitName)).toBe('推荐 江岸排水抢险队 1');
    expect(actionDetailLabel('dispatch', 'override', 'recommended fire-9', 'en', unitName)).toBe('recommended fire-9');
  });
});
