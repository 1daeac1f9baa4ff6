import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../twin-model/audit/audit-log.ts';
import type { Checkpoint } from '../../../twin-model/audit/checkpoint.ts';
import type { VerifiedPoint } from '../../../twin-model/audit/verified-point.ts';
import type { DispatchLogEntry } from '../../../twin-model/index.ts';
import { confirmedSpan, fingerprintSpan } from './audit-records.ts';

const h = (c: string) => c.repeat(64);
const entry = (chain: string, seq: number, at: number): AuditEntry => ({
  chain,
  seq,
  at,
  actor: 'admin',
  stream: 'security',
  action: 'login',
  object: '',
  detail: '',
  data: {},
  prevHash: h('0'),
  hash: `${seq}`.padStart(64, '0'),
});
const row = (seq: number, at: number) => ({ seq, at, hash: `${seq}`.padStart(64, 'd') }) as DispatchLogEntry;
const cp = (seq: number) => ({ seq, hash: `${seq}`.padStart(64, 'c') }) as Checkpoint;

describe('the part of the record a verification confirmed', () => {
  it('takes the last entry of each chain, the dispatch head, the newest checkpoint and the span of times', () => {
    const span = confirmedSpan([entry('b', 1, 500), entry('a', 1, 100), entry('a', 2, 900)], [row(1, 200), row(2, 300)], [cp(1), cp(2)]);
    expect(span).toEqual({
      heads: [
        { chain: 'a', seq: 2, hash: '2'.padStart(64, '0') },
        { chain: 'b', seq: 1, hash: '1'.padStart(64, '0') },
      ],
      dispatch: { seq: 2, hash: '2'.padStart(64, 'd'), at: 300 },
      checkpoint: { seq: 2, hash: '2'.padStart(64, 'c') },
      since: 100,
      until: 900,
    });
    expect(fingerprintSpan(span)).toEqual({ heads: span.heads, dispatchSeq: 2, since: 100, until: 900 });
  });

  it('moves a previous point on by what was added, keeping its heads and span where nothing was', () => {
    const previous = {
      heads: [{ chain: 'a', seq: 2, hash: h('a') }],
      dispatch: { seq: 2, hash: h('d'), at: 300 },
      checkpoint: { seq: 2, hash: h('c') },
      since: 100,
      until: 900,
    } as VerifiedPoint;
    const span = confirmedSpan([entry('a', 3, 1000)], [row(2, 300)], [cp(2)], previous);
    expect(span).toMatchObject({ heads: [{ chain: 'a', seq: 3 }], dispatch: { seq: 2, at: 300 }, since: 100, until: 1000 });
    expect(confirmedSpan([], [], [], previous)).toMatchObject({ heads: previous.heads, since: 100, until: 900, checkpoint: null });
  });
});
