/**
 * The security log's store on the embedded ClickHouse engine: events are kept in memory and
 * written about once a second, and a flush (run by a listing, a verification of the audit record,
 * or the shutdown) must store every event recorded before it was asked for, also while an earlier
 * write is still under way — else the audit record, which chains each event at once, would find
 * an entry whose event "was deleted".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, queryRows, runMigrations } from '../storage/index.ts';
import { AuthService } from '../web/server/auth/auth-service.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('security-events');
const client = createClickHouse({ url: null, dataDir: dir.path });
let auth: AuthService;

const stored = async (prefix: string): Promise<number> =>
  Number(
    (
      await queryRows<{ n: string | number }>(
        client,
        'SELECT count() AS n FROM security_events WHERE startsWith(detail, {prefix:String})',
        {
          prefix,
        },
      )
    )[0]?.n,
  );

beforeAll(async () => {
  await runMigrations(client);
  auth = new AuthService({ clickhouse: client, node: 'security-events-test' });
});

afterAll(async () => {
  await auth?.close();
  await client.close();
  dir.remove();
});

describe('security events', () => {
  it('stores on a flush the events recorded while an earlier write was under way', async () => {
    auth.record('access_denied', 'refused', 'op-wang', '127.0.0.1', 'under way: first');
    const first = auth.flushEvents();
    // Recorded after that write took its events.
    auth.record('access_denied', 'refused', 'op-wang', '127.0.0.1', 'under way: second');
    await auth.flushEvents();
    expect(await stored('under way: ')).toBe(2);
    await first;
  });

  it('stores at close the events recorded while a write was under way', async () => {
    const closing = new AuthService({ clickhouse: client, node: 'security-events-close' });
    closing.record('login_failed', 'refused', 'op-li', '127.0.0.1', 'at close: first');
    const first = closing.flushEvents();
    closing.record('login_failed', 'refused', 'op-li', '127.0.0.1', 'at close: second');
    await closing.close();
    await first;
    expect(await stored('at close: ')).toBe(2);
  });
});
