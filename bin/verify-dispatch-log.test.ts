import { describe, expect, it } from 'vitest';
import { appendEntry } from '../twin-model/dispatch/dispatch-log.ts';
import type { DispatchLogEntry } from '../twin-model/dispatch/unit-types.ts';
import { LogInputError, parseLogLines, runVerify } from './verify-dispatch-log.ts';

function log(n: number): DispatchLogEntry[] {
  const out: DispatchLogEntry[] = [];
  for (let i = 0; i < n; i++)
    out.push(
      appendEntry(out[i - 1] ?? null, {
        at: 1_780_000_000_000 + i,
        actor: 'wang.fang',
        action: 'status',
        unitId: `u${i}`,
        data: { to: 'en_route' },
      }),
    );
  return out;
}
const lines = (entries: DispatchLogEntry[]) => `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`;

describe('verify-dispatch-log', () => {
  it('prints ok with the count and head hash for an intact log', () => {
    const entries = log(3);
    const r = runVerify(['log.jsonl'], (source) => (source === 'log.jsonl' ? lines(entries) : ''));
    expect(r).toEqual({ code: 0, out: `ok: 3 entries, head ${entries[2]!.hash}\n` });
  });

  it('reads standard input when no file is named', () => {
    let asked = '';
    runVerify([], (source) => {
      asked = source;
      return lines(log(1));
    });
    expect(asked).toBe('-');
  });

  it('prints each problem and exits 1', () => {
    const entries = log(4);
    entries[1] = { ...entries[1]!, actor: 'mallory' };
    const r = runVerify(['-'], () => lines(entries));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^seq 2 altered: entry 2 hashes to /);
    expect(r.out).toContain('FAILED: 1 problem(s) in 4 entries');
  });

  it('finds a cut-off tail against --count and --head', () => {
    const entries = log(5);
    const r = runVerify(['--count', '5', '--head', entries[4]!.hash], () => lines(entries.slice(0, 3)));
    expect(r.code).toBe(1);
    expect(r.out).toContain('seq 4 missing: the log ends at seq 3 but the anchor records 5 entries');
  });

  it('names a line that is not an entry', () => {
    expect(() => parseLogLines('\n{"seq":1}\n')).toThrow(/line 2: not a dispatch log entry: at undefined is not a number/);
    expect(() => parseLogLines('{oops')).toThrow(LogInputError);
  });

  it('refuses a malformed anchor with what is accepted', () => {
    expect(() => runVerify(['--head', 'abc'], () => '')).toThrow(/--head "abc" is not a SHA-256 hash \(64 lowercase hex digits\)/);
    expect(() => runVerify(['--start-seq', '3'], () => '')).toThrow(/go together/);
  });
});
