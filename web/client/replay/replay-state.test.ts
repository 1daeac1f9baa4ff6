import { describe, expect, it } from 'vitest';
import { showTimesIn } from '../i18n/format.ts';
import { playheadLabel } from './replay-state.ts';

describe('the replay clock', () => {
  it('shows a dash before a range is loaded, not 1 January 1970', () => {
    showTimesIn('Asia/Shanghai');
    expect(playheadLabel({ range: null, playhead: 0 })).toBe('—');
  });

  it('shows the playhead in the city’s time once there is one', () => {
    showTimesIn('Asia/Shanghai');
    const at = Date.UTC(2026, 11, 5, 10, 21, 0);
    expect(playheadLabel({ range: { from: at, to: at + 60_000 }, playhead: at })).toBe('12-05 18:21:00');
  });
});
