/**
 * The hotline-case store (storage/case-store.ts) on the embedded ClickHouse engine: the changes a
 * real case desk emits (twin-model/cases) are stored and come back as the same cases — a case's
 * history step by step, the case now, the cases in hand after a restart (and the desk rebuilt
 * from them keeps numbering and stays idempotent), a department's cases, the cases of a period —
 * a retried append stores nothing twice, and a snapshot that does not validate is an error that
 * names the case. Nothing is substituted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyCaseDeskCommand,
  createCaseDesk,
  intakeCase,
  restoreCaseDesk,
  tickCaseDesk,
  type CaseCommand,
  type CaseDesk,
  type CaseEvent,
} from '../twin-model/cases/index.ts';
import {
  clock,
  DAY,
  deskContext,
  dispatcher,
  ECOLOGY,
  handler,
  HOUR,
  hotline,
  intake,
  MIN,
  shanghai,
  WATER,
  wuhanRules,
} from '../twin-model/cases/fixtures/case-fixtures.ts';
import { CaseSnapshotError, CaseStore, createClickHouse, MIGRATIONS, runMigrations } from '../storage/index.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('case-store');
const client = createClickHouse({ url: null, dataDir: dir.path });
const store = new CaseStore(client);
const rules = wuhanRules();
const T0 = shanghai(2026, 7, 1, 10, 0);
const time = clock(T0);
const ctx = deskContext(time);
const water = handler(WATER);
const ecology = handler(ECOLOGY);
let desk: CaseDesk;
/** Every event emitted, in order, as the server would append them. */
const emitted: CaseEvent[] = [];
const ids: Record<string, string> = {};

function act(id: string, ...commands: CaseCommand[]): void {
  for (const command of commands) {
    time.advance(MIN);
    const r = applyCaseDeskCommand(desk, id, command, time);
    if (!r.ok) throw new Error(`${command.type} refused: ${JSON.stringify(r.refusal)}`);
    emitted.push(...r.emitted);
  }
}

function take(key: string, o: Parameters<typeof intake>[0] = {}): void {
  const r = intakeCase(desk, intake({ externalId: key, receivedAt: time.now(), ...o }), ctx);
  ids[key] = r.caseId;
  emitted.push(...r.emitted);
}

beforeAll(async () => {
  expect(await runMigrations(client)).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
  desk = createCaseDesk(rules);
  // closed: taken in 40 days ago, replied, closed and rated.
  time.set(T0 - 40 * DAY);
  take('closed-old');
  act(
    ids['closed-old']!,
    { type: 'accept', actor: water },
    { type: 'reply', actor: water, text: '已处理' },
    { type: 'close', actor: dispatcher },
    {
      type: 'feedback',
      actor: hotline,
      satisfaction: 5,
    },
  );
  // open: a waterlogging case with a return and a re-assignment, then overdue.
  time.set(T0);
  take('open', { text: '江汉路地下通道积水，车辆熄火' });
  act(
    ids.open!,
    { type: 'return', actor: water, reason: '非本单位职责' },
    { type: 'assign', actor: dispatcher, department: ECOLOGY, reason: '河道污染' },
    {
      type: 'accept',
      actor: ecology,
    },
  );
  time.set(T0 + 5 * HOUR);
  emitted.push(...tickCaseDesk(desk, time));
  // noise: the same caller, now about noise in another district.
  take('noise', { category: 'noise', district: '420106', lng: 114.35, lat: 30.55 });
  await store.append(emitted);
});

afterAll(async () => {
  await client.close();
  dir.remove();
});

describe('case store', () => {
  it("gives back a case's history, change by change, each with the case after it", async () => {
    const rows = await store.history(ids.open!);
    const c = desk.cases.get(ids.open!)!;
    expect(rows.map((r) => [r.seq, r.what, r.actor, r.status])).toEqual([
      [1, 'received', 'hotline-12345', 'received'],
      [2, 'assigned', 'routing', 'assigned'],
      [3, 'returned', 'wang.fang', 'returned'],
      [4, 'assigned', 'zhang.wei', 'assigned'],
      [5, 'accepted', 'wang.fang', 'accepted'],
      [6, 'overdue', 'sla-clock', 'accepted'],
    ]);
    expect(rows.map((r) => r.at)).toEqual(c.history.map((h) => h.at));
    expect(rows.at(-1)!.case).toEqual(c);
    expect(rows[2]!.case.department).toBeNull();
    expect(rows[2]!.department).toBe('');
    expect(rows[0]).toMatchObject({
      category: 'waterlogging',
      district: '420103',
      source: 'hotline-12345',
      externalId: 'open',
      receivedAt: T0,
    });
  });

  it('gives back one case as it is now, and the case of a hotline id', async () => {
    expect(await store.get(ids.noise!)).toEqual(desk.cases.get(ids.noise!));
    expect(await store.get('case-20990101-00001')).toBeNull();
    expect(await store.findByExternalRef('hotline-12345', 'open')).toBe(ids.open);
    expect(await store.findByExternalRef('hotline-other', 'open')).toBeNull();
  });

  it('stores nothing twice when an append is retried', async () => {
    await store.append(emitted.filter((e) => e.caseId === ids.open));
    expect((await store.history(ids.open!)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("lists a department's cases, cases by status and the cases of a period, as they are now", async () => {
    expect((await store.list({ department: ECOLOGY })).map((c) => c.id).sort()).toEqual([ids.noise, ids.open].sort());
    expect((await store.list({ department: WATER })).map((c) => c.id)).toEqual([ids['closed-old']]);
    expect((await store.list({ statuses: ['closed'] })).map((c) => c.id)).toEqual([ids['closed-old']]);
    expect((await store.list({ from: T0 - DAY, to: T0 + DAY })).map((c) => c.id)).toEqual([ids.noise, ids.open]);
    expect((await store.list({ limit: 1 })).map((c) => c.id)).toEqual([ids.noise]);
  });

  it('rebuilds the desk after a restart: cases in hand, numbering, idempotent intake, repeats', async () => {
    const inHand = await store.inHand(time.now() - 30 * DAY, time.now() - 7 * DAY);
    expect(inHand.map((c) => c.id).sort()).toEqual([ids.noise, ids.open].sort());
    const restored = restoreCaseDesk(rules, inHand, await store.lastCaseId());
    expect(intakeCase(restored, intake({ externalId: 'open' }), ctx)).toMatchObject({ caseId: ids.open, duplicate: true });
    time.advance(MIN);
    const again = intakeCase(restored, intake({ externalId: 'new', receivedAt: time.now() }), ctx);
    expect(again.caseId).toBe('case-20260701-00003');
    // The same caller about waterlogging again: a repeat of the open case.
    expect(restored.cases.get(again.caseId)!.repeat).toMatchObject({ count: 1, firstCaseId: ids.open, byCaller: true });
  });

  it('orders case numbers by day, then as numbers past five digits', async () => {
    const big = restoreCaseDesk(rules, [], 'case-20260701-99999');
    const r = intakeCase(big, intake({ externalId: 'big' }), ctx);
    expect(r.caseId).toBe('case-20260701-100000');
    await store.append(r.emitted);
    expect(await store.lastCaseId()).toBe('case-20260701-100000');
  });

  it('refuses a stored snapshot that is not a valid case, naming the case and the change', async () => {
    const [row] = await store.history(ids.noise!);
    await client.insert({
      table: 'cases',
      values: [
        [
          row!.caseId,
          99,
          T0 + 6 * HOUR,
          'closed',
          'someone',
          'dispatcher',
          'closed',
          '',
          'noise',
          '',
          'hotline-12345',
          'noise',
          T0,
          '{"v":1,"case":{"id":"x"}}',
        ],
      ],
      format: 'JSONCompactEachRow',
      // Through the embedded engine an insert without a token reuses the previous insert's token
      // (and is dropped as its duplicate): every insert into a deduplicating table names its own.
      clickhouse_settings: { insert_deduplication_token: 'case-store-test:tampered' },
    });
    await expect(store.get(ids.noise!)).rejects.toThrow(CaseSnapshotError);
    await expect(store.get(ids.noise!)).rejects.toThrow(new RegExp(`case ${ids.noise} change 99: not a valid case of version 1`));
  });
});
