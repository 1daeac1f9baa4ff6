import { describe, expect, it } from 'vitest';
import { packAccount, parseMetrics } from './live-million-account.ts';

const page = (received: number, stored: number, rejected: number, pending: number, readings: number) => `# HELP x
citytwin_ingest_messages_total{outcome="received"} ${received}
citytwin_ingest_messages_total{outcome="stored"} ${stored}
citytwin_ingest_messages_total{outcome="rejected"} ${rejected}
citytwin_ingest_readings_total{state="accepted"} ${readings}
citytwin_ingest_readings_total{state="stored"} ${readings - 5}
citytwin_ingest_pending_messages ${pending}
nodejs_eventloop_lag_p99_seconds 0.042
`;

describe('run 15 accounting', () => {
  it('reads the ingest counts by outcome and the unlabelled samples', () => {
    const m = parseMetrics(page(10, 7, 1, 2, 100));
    expect(m).toMatchObject({
      messages_received: 10,
      messages_stored: 7,
      messages_rejected: 1,
      readings_accepted: 100,
      readings_stored: 95,
      citytwin_ingest_pending_messages: 2,
      nodejs_eventloop_lag_p99_seconds: 0.042,
    });
  });

  it('tells pending and not yet received apart from lost', () => {
    const before = parseMetrics(page(100, 100, 0, 0, 0));
    // 50 published: 40 received (30 stored, 2 rejected, 5 pending, 3 gone), 10 still with the broker.
    const after = parseMetrics(page(140, 130, 2, 5, 0));
    expect(packAccount(50, before, after)).toEqual({ stored: 30, rejected: 2, pending: 5, notReceived: 10, lost: 3 });
    const done = parseMetrics(page(150, 148, 2, 0, 0));
    expect(packAccount(50, before, done)).toEqual({ stored: 48, rejected: 2, pending: 0, notReceived: 0, lost: 0 });
  });
});
