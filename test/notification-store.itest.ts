/**
 * The notification store on the real embedded ClickHouse engine (migration 13): configuration
 * documents written validated with their schema version and read back through the upgraders,
 * deletions, a stored document that no longer reads reported by name, and the delivery log
 * written through the batched log by a dispatcher (latest status per key, filters, counts).
 * Real: the engine, the dispatcher, the delivery log. Substituted: the channel's sender, scripted
 * at the ChannelSender interface (real receivers are in notifications.itest.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, NotificationStore, queryRows, runMigrations } from '../storage/index.ts';
import { createRandom, deliveryKey, parseNotificationConfig, parseNotifyDoc, type OutgoingMessage } from '../twin-model/index.ts';
import { BatchedDeliveryLog, MemoryIdempotencyKeys, NotificationDispatcher, type SendOutcome } from '../web/server/notifications/index.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('notification-store');
const client = createClickHouse({ url: null, dataDir: dir.path });
const store = new NotificationStore(client);
const T0 = Date.UTC(2026, 11, 7, 2, 0, 0);

beforeAll(async () => {
  expect(await runMigrations(client)).toContain(13);
});

afterAll(async () => {
  await client.close();
  dir.remove();
});

const hook = { id: 'ops-hook', kind: 'webhook', url: 'https://hooks.example/ops', secret: 'a-secret-of-16-chars' };

describe('notification configuration in ClickHouse', () => {
  it('stores validated documents with their schema version and reads back a configuration that passes the cross-checks', async () => {
    await store.saveConfig('channel', hook, 'admin', T0);
    await store.saveConfig('contact', { user: 'wang', email: 'wang@example.cn', roles: ['operator'] }, 'admin', T0);
    await store.saveConfig(
      'roster',
      { id: 'drainage', shifts: [{ days: ['mon'], from: '08:00', to: '20:00', tiers: [['wang']] }] },
      'admin',
      T0,
    );
    await store.saveConfig(
      'policy',
      { id: 'water', ackDeadlineMin: 10, tiers: [{ targets: [{ team: 'drainage' }] }], channels: ['ops-hook'] },
      'admin',
      T0,
    );
    await store.saveConfig(
      'subscription',
      { id: 'all', events: ['opened'], target: { role: 'operator' }, channels: ['ops-hook'] },
      'admin',
      T0,
    );
    // A later version of the same document replaces the first.
    await store.saveConfig('channel', { ...hook, language: 'en' }, 'li', T0 + 1000);

    const [row] = await store.configRows('channel');
    expect(row).toMatchObject({ id: 'ops-hook', schema_version: 1, deleted: 0, updated_by: 'li', updated_at: T0 + 1000 });
    const loaded = await store.loadConfig();
    expect(loaded.problems).toEqual([]);
    const config = parseNotificationConfig(loaded.input);
    expect(config.channels).toEqual([parseNotifyDoc('channel', { ...hook, language: 'en' })]);
    expect(config.policies.map((p) => p.id)).toEqual(['water']);
    expect(config.rosters[0]!.shifts[0]!.tiers).toEqual([['wang']]);
  });

  it('refuses an invalid document before writing it', async () => {
    await expect(store.saveConfig('contact', { user: 'Wang Wei' }, 'admin', T0)).rejects.toThrow(
      'user: must be a user name: 2-32 characters of [a-z0-9._-] starting with a letter, got "Wang Wei"',
    );
  });

  it('leaves deleted documents out', async () => {
    await store.saveConfig(
      'subscription',
      { id: 'gone', events: ['resolved'], target: { user: 'wang' }, channels: ['ops-hook'] },
      'admin',
      T0,
    );
    await store.deleteConfig('subscription', 'gone', 'admin', T0 + 5);
    expect((await store.configRows('subscription')).map((r) => r.id)).toEqual(['all']);
  });

  it('names a stored document it cannot read instead of dropping it silently', async () => {
    await client.insert({
      table: 'oncall_rosters',
      values: [{ id: 'future', schema_version: 9, config: '{}', deleted: 0, updated_by: 'newer', updated_at: T0 }],
      format: 'JSONEachRow',
    });
    const loaded = await store.loadConfig();
    expect(loaded.problems).toEqual(['stored roster "future" has schema version 9; this CityTwin reads versions 1 to 1']);
    expect(loaded.input.rosters!.map((r) => (r as { id: string }).id)).toEqual(['drainage']);
  });
});

describe('delivery log in ClickHouse', () => {
  const message = (n: number): OutgoingMessage => ({
    id: `inc-${n}/opened|ops-hook|zh-CN|role:operator`,
    event: {
      id: `inc-${n}/opened`,
      kind: 'opened',
      at: T0,
      incident: { id: `inc-${n}`, type: 'fire', status: 'open', severity: 3, district: '420103', lng: 114.27, lat: 30.58, openedAt: T0 },
    },
    channelId: 'ops-hook',
    channelKind: 'webhook',
    language: 'zh-CN',
    recipients: [{ id: 'role:operator' }],
    subject: 's',
    text: 't',
    short: 's',
    link: 'l',
    origin: { subscriptionId: 'all' },
    createdAt: T0,
  });

  it('keeps the latest status of each delivery, written in batches by the dispatcher', async () => {
    const log = new BatchedDeliveryLog({ append: (rows) => store.appendDeliveries(rows), maxRows: 3, maxDelayMs: 20 });
    const outcomes: Record<string, SendOutcome[]> = {
      'inc-1': [{ ok: true }],
      'inc-2': [{ ok: false, retryable: true, error: 'HTTP 502: bad gateway' }, { ok: true }],
      'inc-3': [{ ok: false, retryable: false, error: 'HTTP 410: gone' }],
    };
    const sender = {
      send: async (m: OutgoingMessage): Promise<SendOutcome> => outcomes[m.event.incident!.id]!.shift()!,
      close: async () => {},
    };
    let now = T0;
    const dispatcher = new NotificationDispatcher({
      channels: [{ channel: parseNotifyDoc('channel', { ...hook, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }), sender }],
      keys: new MemoryIdempotencyKeys(),
      log,
      random: createRandom(1).next,
      now: () => ++now,
    });
    dispatcher.enqueue([message(1), message(2), message(3)]);
    await dispatcher.drain();
    await log.flush();
    expect(log.dropped).toBe(0);

    const rows = await store.deliveries({ since: T0 - 1 });
    const byIncident = Object.fromEntries(rows.map((r) => [r.incidentId, r]));
    expect(byIncident['inc-1']).toMatchObject({ status: 'sent', attempts: 1, lastError: '', reason: null, channelKind: 'webhook' });
    expect(byIncident['inc-2']).toMatchObject({ status: 'sent', attempts: 2, lastError: 'HTTP 502: bad gateway' });
    expect(byIncident['inc-3']).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 410: gone', reason: 'refused' });
    expect(byIncident['inc-2']!.key).toBe(deliveryKey('inc-2/opened', 'role:operator', 'ops-hook'));
    expect(byIncident['inc-2']!.queuedAt).toBeGreaterThan(T0);
    expect(byIncident['inc-2']!.updatedAt).toBeGreaterThan(byIncident['inc-2']!.queuedAt);
    // Every status was stored as its own row; FINAL shows the newest.
    const [all] = await queryRows<{ n: string }>(client, 'SELECT count() AS n FROM notification_deliveries');
    expect(Number(all!.n)).toBe(2 + 3 + 2);

    expect((await store.deliveries({ status: 'failed' })).map((r) => r.incidentId)).toEqual(['inc-3']);
    expect((await store.deliveries({ incidentId: 'inc-2' })).map((r) => r.status)).toEqual(['sent']);
    expect(await store.deliveryCounts(T0 - 1)).toEqual([
      { channelId: 'ops-hook', status: 'failed', count: 1 },
      { channelId: 'ops-hook', status: 'sent', count: 2 },
    ]);
  });

  it('gives back the keys claimed since a time, so that a restarted node does not send them again', async () => {
    // The keys of the three deliveries above, queued after T0; none before T0.
    const keys = ['inc-1', 'inc-2', 'inc-3'].map((i) => deliveryKey(`${i}/opened`, 'role:operator', 'ops-hook'));
    expect(await store.recentDeliveryKeys(T0 - 1)).toEqual(keys);
    expect(await store.recentDeliveryKeys(T0 + 86_400_000)).toEqual([]);
    // Seeded with them, a fresh key store claims none of them again, and a new key once.
    const seeded = new MemoryIdempotencyKeys();
    seeded.remember(await store.recentDeliveryKeys(T0 - 1));
    expect(await seeded.claim([...keys, 'inc-4/opened|role:operator|ops-hook'])).toEqual([false, false, false, true]);
  });

  it('keeps the rows while the store refuses them and writes them once it is back', async () => {
    let down = true;
    const errors: unknown[] = [];
    const log = new BatchedDeliveryLog({
      append: async (rows) => {
        if (down) throw new Error('store away');
        await store.appendDeliveries(rows);
      },
      maxDelayMs: 5,
      onError: (e) => errors.push(e),
    });
    const record = {
      ...(await store.deliveries({ incidentId: 'inc-1' }))[0]!,
      key: 'k-outage',
      incidentId: 'inc-outage',
      updatedAt: T0 + 99,
    };
    log.record([record]);
    await expect(log.flush()).rejects.toThrow('1 delivery log rows could not be written');
    expect(errors.length).toBeGreaterThan(0);
    down = false;
    await log.flush();
    expect((await store.deliveries({ incidentId: 'inc-outage' })).map((r) => r.key)).toEqual(['k-outage']);
  });
});
