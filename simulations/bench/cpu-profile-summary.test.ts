import { describe, expect, it } from 'vitest';
import { summarizeProfile } from './cpu-profile-summary.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

/** root → idle; root → tick → (walk, encode). */
const nodes = [
  { id: 1, callFrame: frame('(root)'), children: [2, 3] },
  { id: 2, callFrame: frame('(idle)') },
  { id: 3, callFrame: frame('tick', 'file:///work/main/web/server/live/x.ts'), children: [4, 5] },
  { id: 4, callFrame: frame('walk', 'file:///work/main/web/server/live/x.ts') },
  { id: 5, callFrame: frame('encode', 'file:///work/main/web/server/live/x.ts') },
];

describe('CPU profile summary', () => {
  it('finds the runs of busy samples over the threshold and what holds most of each', () => {
    // 1 ms samples: 10 idle, 80 busy (70 walk, 10 encode), 10 idle, 30 busy (encode), 5 idle.
    const samples = [
      ...Array(10).fill(2),
      ...Array(70).fill(4),
      ...Array(10).fill(5),
      ...Array(10).fill(2),
      ...Array(30).fill(5),
      ...Array(5).fill(2),
    ];
    const profile = { nodes, samples, timeDeltas: samples.map(() => 1000), startTime: 0, endTime: samples.length * 1000 };
    const s = summarizeProfile(profile, 50, 5);
    expect(s.longTasks).toHaveLength(1);
    expect(s.longTasks[0]!.ms).toBe(80);
    expect(s.longTasks[0]!.what).toBe('walk web/server/live/x.ts');
    expect(s.self[0]).toEqual({ frame: 'walk web/server/live/x.ts', ms: 70 });
    expect(s.total[0]).toEqual({ frame: 'tick web/server/live/x.ts', ms: 110 });
    expect(s.busyMs).toBe(110);
    // A lower threshold finds the second run too, held by encode.
    expect(summarizeProfile(profile, 20, 5).longTasks.map((t) => t.what)).toEqual([
      'walk web/server/live/x.ts',
      'encode web/server/live/x.ts',
    ]);
  });
});
