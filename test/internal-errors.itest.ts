/**
 * A request that fails inside the server — here a real engine error: a table the route reads is
 * renamed away in the embedded ClickHouse — answers a worded error with an id and nothing of the
 * exception (SQL, table names, file paths); the server's log holds the full error under that id.
 * The same for a socket.io handshake whose credentials cannot be checked. Validation errors (4xx)
 * keep their worded messages.
 */
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import { requestScope } from '../bin/logger.ts';
import { startCityTwin, type RunningCityTwin } from '../bin/runtime.ts';
import { startOpsServer } from '../ingest/index.ts';
import { AccountsStore, CaseStore, DeadLetterStore } from '../storage/index.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { TEST_CITY_ENV } from './support/test-city.ts';

const dir = tempDir('citytwin-internal-errors-');
const logged: string[] = [];
let app: RunningCityTwin;
let base: string;
let admin: string;

/** What a leaking answer would carry: the engine's own words, the table, a file path. */
function expectNoLeak(text: string, engineMessage: string, table: string): void {
  expect(engineMessage.length).toBeGreaterThan(10);
  expect(text).not.toContain(engineMessage);
  expect(text).not.toContain(engineMessage.slice(0, 40));
  expect(text).not.toContain(table);
  expect(text).not.toContain(dir.path);
  expect(text).not.toMatch(/\/(tmp|work|home|usr|var)\//);
  expect(text).not.toMatch(/SELECT|FROM |Code: \d+|at .*\.ts:\d+/);
}

/** The engine error a store meets on a renamed table, read through the store itself. */
async function engineErrorOf(read: () => Promise<unknown>): Promise<string> {
  try {
    await read();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the store read a table that was renamed away');
}

beforeAll(async () => {
  const config = loadConfig({ ...TEST_CITY_ENV, CITYTWIN_DATA_DIR: dir.path });
  app = await startCityTwin(config, 'all', (level, message) => {
    logged.push(`${level} ${message}`);
  });
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
}, 120_000);

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('internal errors answer an id, never the exception', () => {
  it('a route failing on an engine error: 500 with a worded error and the request id; the log has the error under it', async () => {
    await app.clickhouse.command({ query: 'RENAME TABLE dead_letters TO dead_letters_away' });
    const engineMessage = await engineErrorOf(() => new DeadLetterStore(app.clickhouse).recent({ limit: 4 }));

    // Two failing requests carrying the same client id: each its own server id, in the header,
    // the body and the log; the client's id is logged beside each, never as the id.
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(new URL('/api/dead-letters?limit=5', base), {
        headers: { authorization: `Bearer ${admin}`, 'x-request-id': 'probe-internal-1' },
      });
      const text = await res.text();
      expect(res.status).toBe(500);
      expectNoLeak(text, engineMessage, 'dead_letters');
      const body = JSON.parse(text) as { error: string; code: string; requestId: string };
      expect(body.code).toBe('internal_error');
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.error).toContain(body.requestId);
      expect(body.error).not.toContain('probe-internal-1');
      expect(res.headers.get('x-request-id')).toBe(body.requestId);
      expect(res.headers.get('x-correlation-id')).toBe('probe-internal-1');
      ids.push(body.requestId);
    }
    expect(ids[0]).not.toBe(ids[1]);
    for (const reqId of ids) {
      const line = logged.find((l) => l.startsWith('error ') && l.includes(`request id ${reqId},`));
      expect(line, `a log record for ${reqId}`).toBeDefined();
      expect(line).toContain(`request id ${reqId}, client's request id probe-internal-1)`);
    }
    expect(logged.filter((l) => l.includes('(request id probe-internal-1'))).toEqual([]);

    // Without an id from the client, the server's own id, the same in the header, the body and the log.
    const second = await call(base, admin, 'GET', '/api/dead-letters');
    expect(second.status).toBe(500);
    const id = second.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.body.requestId).toBe(id);
    expect(second.headers.get('x-correlation-id')).toBeNull();
    expectNoLeak(JSON.stringify(second.body), engineMessage, 'dead_letters');

    for (const reqId of [...ids, id!]) {
      const line = logged.find((l) => l.startsWith('error ') && l.includes(`request id ${reqId}`));
      expect(line, `a log record for ${reqId}`).toBeDefined();
      expect(line).toContain('/api/dead-letters');
      expect(line).toContain(engineMessage.split('\n')[0]!.slice(0, 60));
    }
    await app.clickhouse.command({ query: 'RENAME TABLE dead_letters_away TO dead_letters' });
  });

  it('the case desk failing on an engine error: 503 with the worded error and the request id; the log has the error', async () => {
    await app.clickhouse.command({ query: 'RENAME TABLE cases TO cases_away' });
    try {
      const engineMessage = await engineErrorOf(() => new CaseStore(app.clickhouse).findByExternalRef('12345', 'HL-probe'));
      const res = await fetch(new URL('/api/cases', base), {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'x-request-id': 'probe-case-desk-1' },
        body: JSON.stringify({
          externalId: 'HL-probe-1',
          category: 'waterlogging',
          text: '积水没过脚踝',
          caller: { name: '张先生', phone: '+86 138-0013-8000' },
          lng: 114.2712,
          lat: 30.6012,
          receivedAt: Date.now(),
        }),
      });
      const text = await res.text();
      expect(res.status, text).toBe(503);
      expectNoLeak(text, engineMessage, 'cases');
      const { requestId } = JSON.parse(text) as { requestId: string };
      expect(JSON.parse(text)).toMatchObject({ code: 'internal_error', requestId: res.headers.get('x-request-id') });
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      const line = logged.find(
        (l) => l.startsWith('error ') && l.includes(`request id ${requestId}, client's request id probe-case-desk-1)`),
      );
      expect(line, 'a log record for the case desk request').toBeDefined();
      expect(line).toContain('/api/cases');
      expect(line).toContain(engineMessage.split('\n')[0]!.slice(0, 60));
    } finally {
      await app.clickhouse.command({ query: 'RENAME TABLE cases_away TO cases' });
    }
  });

  it('a validation error (400) keeps its worded message quoting the bad value', async () => {
    const res = await call(base, admin, 'GET', '/api/dead-letters?limit=many');
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('query.limit');
    expect(res.body.requestId).toBeUndefined();
  });

  it('a socket.io handshake whose token cannot be checked: a worded reason with an id; the log has the error', async () => {
    await app.clickhouse.command({ query: 'RENAME TABLE api_tokens TO api_tokens_away' });
    const engineMessage = await engineErrorOf(() => new AccountsStore(app.clickhouse).tokenByHash('0'.repeat(64)));
    // A well-formed token this node has never seen, so it is looked up in the (broken) store.
    const unseen = `ctw_${'A'.repeat(43)}`;
    const socket = connectSocket(base, { transports: ['websocket'], reconnection: false, auth: { token: unseen } });
    try {
      const failure = await new Promise<Error & { data?: { status: number; reason: string } }>((resolve, reject) => {
        socket.once('connect', () => reject(new Error('the handshake was accepted')));
        socket.once('connect_error', resolve);
      });
      expect(failure.data?.status).toBe(500);
      expectNoLeak(`${failure.message} ${JSON.stringify(failure.data)}`, engineMessage, 'api_tokens');
      const id = /request id ([0-9a-f-]{36})/.exec(failure.message)?.[1];
      expect(id, failure.message).toBeDefined();
      const line = await waitFor('the log record of the handshake', () =>
        logged.find((l) => l.startsWith('error ') && l.includes(`request id ${id}`)),
      );
      expect(line).toContain('socket.io handshake');
      expect(line).toContain(engineMessage.split('\n')[0]!.slice(0, 60));
    } finally {
      socket.close();
      await app.clickhouse.command({ query: 'RENAME TABLE api_tokens_away TO api_tokens' });
    }
  });
});

describe("an ingest worker's ops server", () => {
  it('a failing metrics registry or health check: a worded answer with the id; the log has the error', async () => {
    const secret = `engine failed reading ${dir.path}/store/metadata.sql: Code: 999`;
    const opsLog: string[] = [];
    const ops = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      health: () => Promise.reject(new Error(secret)),
      metricsText: () => Promise.reject(new Error(secret)),
      log: (level, message) => opsLog.push(`${level} ${message}`),
      aroundRequest: requestScope(() => undefined),
    });
    try {
      for (const [path, status] of [
        ['/metrics', 500],
        ['/api/health', 503],
      ] as const) {
        const res = await fetch(new URL(path, ops.url), { headers: { 'x-request-id': 'probe-ops-1' } });
        const text = await res.text();
        expect(res.status).toBe(status);
        expect(text).not.toContain(dir.path);
        expect(text).not.toContain('engine failed');
        expect(text).not.toContain('Code: 999');
        const id = (JSON.parse(text) as { requestId: string }).requestId;
        expect(id).toBe(res.headers.get('x-request-id'));
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        const line = opsLog.find((l) => l.includes(`request id ${id}, client's request id probe-ops-1)`));
        expect(line).toContain(secret);
      }
    } finally {
      await ops.close();
    }
  });
});
