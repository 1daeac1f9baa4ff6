/**
 * The hotline case desk in the running product (docs/cases.md): `citytwin all` on embedded parts
 * (aedes, the embedded ClickHouse engine, the HTTP server), nothing substituted but the case
 * desk's clock (RuntimeHooks.caseNow), which the time-limit test moves forward.
 *
 * The hotline's system hands cases over with its own API token; the routing table assigns them;
 * departments bound to their department accept, reply and return; the dispatch desk overrides,
 * closes and records the citizen's feedback; a citizen report on the events topic is a case too and
 * is linked to the incident it opens; a missed limit is marked overdue; every step is stored and
 * audited; a department never sees another's cases; a case that came over HTTP is in the events
 * table once, like a report on the events topic.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { CaseStore, queryRows } from '../storage/index.ts';
import type { KpiSummary } from '../web/shared/kpi-protocol.ts';
import type { CaseCommandResponse, CaseDetailResponse, CaseIntakeResponse, CaseListResponse } from '../web/shared/case-protocol.ts';
import { call, login, mintToken, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const WATER = '武汉市水务局';
const TRAFFIC_POLICE = '武汉市公安局交通管理局';
const RUN = Date.now().toString(36);
const dir = tempDir('cases');
let app: RunningCityTwin;
let base: string;
let admin: string;
/** The case desk's clock runs this far ahead of the wall clock. */
let clockAhead = 0;
const tokens: Record<string, string> = {};

async function user(name: string, roles: string[], department?: string): Promise<string> {
  const password = `pw-${name}-long-1`;
  expect((await call(base, admin, 'POST', '/api/users', { username: name, roles, password })).status).toBe(200);
  if (department) expect((await call(base, admin, 'POST', `/api/case-departments/${name}`, { department })).status).toBe(200);
  return login(base, name, password);
}

const intake = (externalId: string, extra: Record<string, unknown> = {}) => ({
  externalId,
  category: 'waterlogging',
  text: `积水没过脚踝 ${externalId}`,
  caller: { name: '张先生', phone: '+86 138-0013-8000' },
  lng: 114.2712,
  lat: 30.6012,
  address: '解放大道 100 号',
  receivedAt: Date.now(),
  ...extra,
});

async function submit(body: unknown): Promise<CaseIntakeResponse> {
  const res = await call(base, tokens.hotline!, 'POST', '/api/cases', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as CaseIntakeResponse;
}

async function command(who: string, caseId: string, body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  return call(base, tokens[who]!, 'POST', `/api/cases/${caseId}/commands`, body);
}

beforeAll(async () => {
  app = await startTestCity(
    dir.path,
    { CITYTWIN_SENSORS: '200', CITYTWIN_BATCH_MAX_DELAY_MS: '50' },
    { caseNow: () => Date.now() + clockAhead },
  );
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  tokens.desk = await user('desk-zhang', ['dispatcher']);
  tokens.water = await user('water-wang', ['department'], WATER);
  tokens.traffic = await user('traffic-li', ['department'], TRAFFIC_POLICE);
  tokens.unbound = await user('dept-new', ['department']);
  tokens.operator = await user('op-chen', ['operator']);
  tokens.leader = await user('lead-zhao', ['leader']);
  // The hotline's system: an account with the hotline role mints its own API token.
  const session = await user('hotline-sys', ['hotline']);
  tokens.hotline = await mintToken(base, session, 'pw-hotline-sys-long-1', { name: '12345 system' });
}, 120_000);

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('the hotline case desk', () => {
  it('takes a case from the hotline system, routes it, and runs it through acceptance, reply, closing and feedback, stored and audited', async () => {
    const made = await submit(intake(`HL-${RUN}-1`));
    expect(made).toMatchObject({ duplicate: false, status: 'assigned', department: WATER });
    expect(made.caseId).toMatch(/^case-\d{8}-\d{5}$/);
    // Idempotent on the hotline's id.
    expect(await submit(intake(`HL-${RUN}-1`))).toMatchObject({ caseId: made.caseId, duplicate: true });

    expect((await command('water', made.caseId, { command: 'accept' })).status).toBe(200);
    const replied = await command('water', made.caseId, { command: 'reply', text: '已派泵车抽排，积水已退' });
    expect(replied.status).toBe(200);
    expect((replied.body as CaseCommandResponse).happened).toEqual(['case_replied']);
    // Feedback comes after closing.
    expect((await command('desk', made.caseId, { command: 'feedback', satisfaction: 5 })).body).toMatchObject({
      code: 'feedback_before_close',
    });
    expect((await command('desk', made.caseId, { command: 'close' })).status).toBe(200);
    const rated = await command('desk', made.caseId, { command: 'feedback', satisfaction: 4, comment: '处理及时' });
    expect(rated.status).toBe(200);
    expect((rated.body as CaseCommandResponse).case).toMatchObject({ status: 'closed', satisfaction: 4, replied: { onTime: true } });

    const detail = (await call(base, tokens.desk!, 'GET', `/api/cases/${made.caseId}`)).body as CaseDetailResponse;
    expect(detail.case.history.map((h) => `${h.what}:${h.actor.user}`)).toEqual([
      'received:hotline-12345',
      'assigned:routing',
      'accepted:water-wang',
      'replied:water-wang',
      'closed:desk-zhang',
      'feedback:desk-zhang',
    ]);
    expect(detail.case.caller).toEqual({ name: '张先生', phone: '+8613800138000' });

    // Every change stored, each with the case after it.
    await app.cases!.flush();
    const stored = await new CaseStore(app.clickhouse).history(made.caseId);
    expect(stored.map((r) => r.what)).toEqual(['received', 'assigned', 'accepted', 'replied', 'closed', 'feedback']);
    expect(stored.at(-1)!.case.feedback?.satisfaction).toBe(4);

    // Every action of a person (and the hotline's intake) is in the audit record; the routing's is in the case history.
    await app.audit!.flush();
    const audit = (await call(base, admin, 'GET', `/api/audit/entries?stream=case&limit=1000`)).body as {
      entries: Array<{ action: string; actor: string; object: string }>;
    };
    expect(
      audit.entries
        .filter((e) => e.object === made.caseId)
        .map((e) => `${e.action}:${e.actor}`)
        .sort(),
    ).toEqual(['accepted:water-wang', 'closed:desk-zhang', 'feedback:desk-zhang', 'received:hotline-12345', 'replied:water-wang'].sort());
  });

  it('shows a department only its own cases, the caller only to the desk and the department, nothing to a leader or the hotline token', async () => {
    const water = await submit(intake(`HL-${RUN}-w`));
    const traffic = await submit(intake(`HL-${RUN}-t`, { category: 'traffic', text: `路口拥堵 ${RUN}` }));
    expect(traffic.department).toBe(TRAFFIC_POLICE);

    const ids = async (who: string) =>
      ((await call(base, tokens[who]!, 'GET', '/api/cases?limit=1000')).body as CaseListResponse).cases.map((c) => c.id);
    expect(await ids('water')).toContain(water.caseId);
    expect(await ids('water')).not.toContain(traffic.caseId);
    expect(await ids('traffic')).toEqual(expect.arrayContaining([traffic.caseId]));
    expect(await ids('traffic')).not.toContain(water.caseId);
    expect(await ids('desk')).toEqual(expect.arrayContaining([water.caseId, traffic.caseId]));
    // Asking for another department's list is refused; its case is "not known", and cannot be acted on.
    expect((await call(base, tokens.water!, 'GET', `/api/cases?department=${encodeURIComponent(TRAFFIC_POLICE)}`)).status).toBe(403);
    expect((await call(base, tokens.water!, 'GET', `/api/cases/${traffic.caseId}`)).status).toBe(404);
    expect((await command('water', traffic.caseId, { command: 'accept' })).status).toBe(404);

    const asWater = (await call(base, tokens.water!, 'GET', `/api/cases/${water.caseId}`)).body as CaseDetailResponse;
    expect(asWater.case.caller?.phone).toBe('+8613800138000');
    const asOperator = (await call(base, tokens.operator!, 'GET', `/api/cases/${water.caseId}`)).body as CaseDetailResponse;
    expect(asOperator.case.text).toContain(`HL-${RUN}-w`);
    expect(asOperator.case.caller).toBeUndefined();
    expect(JSON.stringify(asOperator)).not.toContain('13800138000');

    expect((await call(base, tokens.leader!, 'GET', '/api/cases')).status).toBe(403);
    expect((await call(base, tokens.hotline!, 'GET', '/api/cases')).status).toBe(403);
    // A handler not yet bound to a department sees no case, and is told it is not bound.
    expect((await call(base, tokens.unbound!, 'GET', '/api/cases')).body).toEqual({ cases: [], total: 0, department: null });
    expect((await call(base, tokens.unbound!, 'GET', '/api/case-departments')).body).toMatchObject({ mine: null, bindings: null });
    expect((await call(base, tokens.unbound!, 'GET', `/api/cases/${water.caseId}`)).status).toBe(404);
    // The KPI is for the leader: counts, no words and no phone.
    const kpi = await call(base, tokens.leader!, 'GET', '/api/kpi/cases');
    expect(kpi.status).toBe(200);
    expect(kpi.body.kpi.total).toBeGreaterThanOrEqual(2);
    expect(kpi.body.kpi.byDepartment.map((d: { department: string }) => d.department)).toEqual(
      expect.arrayContaining([WATER, TRAFFIC_POLICE]),
    );
    expect(JSON.stringify(kpi.body)).not.toMatch(/13800138000|积水没过脚踝|路口拥堵|解放大道/);
  });

  it('returns, overrides with a reason, and refuses what does not apply with the reason and the bad value', async () => {
    const c = await submit(intake(`HL-${RUN}-r`, { category: 'traffic', text: `占道施工 ${RUN}` }));
    expect((await command('traffic', c.caseId, { command: 'return', reason: '属道路施工管理，非交警职责' })).body.case).toMatchObject({
      status: 'returned',
      department: null,
    });
    // The department gave the case back: it no longer sees it.
    expect((await call(base, tokens.traffic!, 'GET', `/api/cases/${c.caseId}`)).status).toBe(404);
    const noReason = await command('desk', c.caseId, { command: 'override', department: WATER });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error).toMatch(/reason/);
    const unknown = await command('desk', c.caseId, { command: 'assign', department: '不存在局', reason: '试' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('"不存在局" is not a department');
    const moved = await command('desk', c.caseId, { command: 'override', department: WATER, reason: '涉及排水管网' });
    expect(moved.status).toBe(200);
    expect(moved.body.case).toMatchObject({ status: 'assigned', department: WATER });
    // A department may not assign; a reply needs acceptance first.
    expect((await command('water', c.caseId, { command: 'assign', department: TRAFFIC_POLICE })).status).toBe(403);
    expect((await command('water', c.caseId, { command: 'reply', text: '好' })).body).toMatchObject({ code: 'wrong_status' });
    expect((await command('water', c.caseId, { command: 'close' })).body).toMatchObject({ code: 'close_without_reply' });

    // Bad bodies from the hotline: the value quoted, the citizen's data never.
    const badCategory = await call(base, tokens.hotline!, 'POST', '/api/cases', intake(`HL-${RUN}-x`, { category: 'flood' }));
    expect(badCategory.status).toBe(400);
    expect(badCategory.body.error).toContain('"flood"');
    const badPhone = await call(base, tokens.hotline!, 'POST', '/api/cases', intake(`HL-${RUN}-y`, { caller: { phone: 'call me 555' } }));
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error).toContain('caller.phone');
    expect(JSON.stringify(badPhone.body)).not.toContain('call me');
    const misplaced = await call(base, tokens.hotline!, 'POST', '/api/cases', { ...intake(`HL-${RUN}-z`), phone: '13800138000' });
    expect(misplaced.body.error).toContain('phone: not a field of a case');
  });

  it('makes a citizen report on the events topic a case, linked to the incident it opens', async () => {
    const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: `cases-${RUN}` });
    try {
      await publisher.publishAsync(
        'citytwin/v1/events/hotline-12345',
        JSON.stringify({
          id: `EV-${RUN}`,
          ts: Date.now(),
          type: 'citizen_report',
          category: 'fire',
          lng: 114.3012,
          lat: 30.5812,
          text: `楼道冒烟 ${RUN}`,
          caller: { name: '李女士', phone: '13912345678' },
          address: '中山大道 8 号',
        }),
        { qos: 1 },
      );
    } finally {
      await publisher.endAsync();
    }
    const found = await waitFor('the report as a case linked to its incident', async () => {
      const list = ((await call(base, tokens.desk!, 'GET', '/api/cases?category=fire')).body as CaseListResponse).cases;
      const c = list.find((x) => x.externalId === `EV-${RUN}`);
      return c?.incident ? c : null;
    });
    expect(found).toMatchObject({ department: '武汉市消防救援支队', status: 'assigned', incident: { how: 'opened' } });
    const detail = (await call(base, tokens.desk!, 'GET', `/api/cases/${found.id}`)).body as CaseDetailResponse;
    expect(detail.case.caller).toEqual({ name: '李女士', phone: '13912345678' });
    expect(detail.case.history.at(-1)).toMatchObject({ what: 'incident_linked', actor: { user: 'twin', role: 'system' } });
    const incident = (await call(base, tokens.desk!, 'GET', `/api/incidents/${found.incident!.incidentId}`)).body as {
      evidence: Array<{ id: string }>;
    };
    expect(incident.evidence.map((e) => e.id)).toContain(`event:hotline-12345:EV-${RUN}`);
  });

  it('writes a case that came over HTTP to the events table once, so the KPI counts it as a report on the events topic', async () => {
    const hotlineToday = async () => ((await call(base, admin, 'GET', '/api/kpi/summary')).body as KpiSummary).hotline.todaySoFar;
    const before = await hotlineToday();
    const made = await submit(intake(`HL-${RUN}-ev`, { receivedAt: Date.now() - 1000 }));
    expect(await submit(intake(`HL-${RUN}-ev`, { receivedAt: Date.now() - 1000 }))).toMatchObject({ caseId: made.caseId, duplicate: true });
    // Stored before the answer: one row, not one per submission (no FINAL: no merge hides a second row).
    const rows = await queryRows<{ type: string; category: string; text: string }>(
      app.clickhouse,
      'SELECT type, category, text FROM events WHERE source = {source:String} AND id = {id:String}',
      { source: 'hotline-12345', id: `HL-${RUN}-ev` },
    );
    expect(rows).toEqual([{ type: 'citizen_report', category: 'waterlogging', text: `积水没过脚踝 HL-${RUN}-ev` }]);
    await waitFor('the hourly hotline figure counting it', async () => (await hotlineToday()) === before + 1);
    expect(await hotlineToday()).toBe(before + 1);
  });

  it('marks a missed accept limit overdue on the clock, once, and lists the case as overdue', async () => {
    const c = await submit(intake(`HL-${RUN}-sla`));
    expect(app.cases!.tick().filter((e) => e.caseId === c.caseId)).toEqual([]);
    // Waterlogging: accept within 30 minutes, on the calendar clock.
    clockAhead = 31 * 60_000;
    const marked = app.cases!.tick().filter((e) => e.caseId === c.caseId);
    expect(marked.map((e) => [e.type, e.params.stage, e.params.department])).toEqual([['case_overdue', 'accept', WATER]]);
    expect(app.cases!.tick().filter((e) => e.caseId === c.caseId)).toEqual([]);
    const overdue = ((await call(base, tokens.water!, 'GET', '/api/cases?overdue=yes')).body as CaseListResponse).cases.map((x) => x.id);
    expect(overdue).toContain(c.caseId);
    // Accepted late: no longer overdue; the acceptance records it was late.
    const accepted = await command('water', c.caseId, { command: 'accept' });
    expect(accepted.body.case.history.at(-1)).toMatchObject({ what: 'accepted', params: { onTime: false } });
    const still = ((await call(base, tokens.water!, 'GET', '/api/cases?overdue=yes')).body as CaseListResponse).cases.map((x) => x.id);
    expect(still).not.toContain(c.caseId);
    clockAhead = 0;
  });
});
