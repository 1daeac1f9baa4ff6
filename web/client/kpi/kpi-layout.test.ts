import { describe, expect, it } from 'vitest';
import { chooseLayout, isStale, STALE_AFTER_MS } from './kpi-layout.ts';

describe('big-screen layout', () => {
  it('is standard at 16:9 and wide at 32:9', () => {
    expect(chooseLayout(null, 1920, 1080)).toBe('standard');
    expect(chooseLayout(null, 3840, 1080)).toBe('wide');
    expect(chooseLayout(null, 7680, 2160)).toBe('wide');
  });

  it('follows ?layout= whatever the window', () => {
    expect(chooseLayout('wide', 1920, 1080)).toBe('wide');
    expect(chooseLayout('16:9', 3840, 1080)).toBe('standard');
    expect(chooseLayout('nonsense', 3840, 1080)).toBe('wide');
  });
});

describe('staleness of the figures', () => {
  it('turns stale after two missed refreshes, and when nothing has arrived', () => {
    expect(isStale(1000, 1000 + STALE_AFTER_MS)).toBe(false);
    expect(isStale(1000, 1001 + STALE_AFTER_MS)).toBe(true);
    expect(isStale(null, 0)).toBe(true);
  });
});
