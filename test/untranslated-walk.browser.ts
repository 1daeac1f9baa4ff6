/**
 * Nothing untranslated, on every page: the product on the generated city with activity (manual
 * reports opening incidents, an acknowledged and a dispatched one, alarms from a gauge, a hotline
 * case, a CAP draft), walked in real Chromium in zh-CN and then in English — the console with an
 * incident detail and its CAP dialog open, the wall (kiosk) on a display token, the KPI screen with
 * a drill-down open, replay with a loaded range and its after-action report, every tab of the
 * operations and administration pages (with a channel, a contact, a roster, a subscription and an
 * escalation policy saved through the API first, and a test message sent, so the notification
 * lists are walked), the case desk, the audit viewer, the field page as a crew,
 * and the open-data portal. Each page's visible text (body text, title / aria-label / placeholder
 * of visible elements, option texts) is checked by support/untranslated.ts against the vocabulary
 * the server knows; the failure names the page and each code found. See docs/console.md
 * ("Language").
 */
import mqtt from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { ROLES, PERMISSIONS } from '../web/server/auth/policy.ts';
import type { CapRecordView } from '../web/shared/cap-protocol.ts';
import type { RecommendationView } from '../web/shared/protocol.ts';
import * as vocabularyTerms from '../twin-model/vocabulary.ts';
import * as caseTerms from '../twin-model/cases/case-types.ts';
import * as capTerms from '../twin-model/cap/cap-types.ts';
import { CAP_RECORD_STATES } from '../twin-model/cap/cap-approval.ts';
import { WARNING_KINDS } from '../twin-model/cap/cap-context.ts';
import { INCIDENT_CHANGE_KINDS, INCIDENT_STATUSES } from '../twin-model/incidents/incident-schemas.ts';
import { EVIDENCE_FAMILIES } from '../twin-model/incidents/incident-rules.ts';
import { AUDIT_STREAMS } from '../twin-model/audit/audit-log.ts';
import { CAPABILITIES, DISPATCH_ACTIONS, UNIT_KINDS, UNIT_STATUSES } from '../twin-model/dispatch/unit-types.ts';
import { CHANNEL_KINDS, NOTIFY_EVENTS } from '../twin-model/notifications/notification-config.ts';
import { DELIVERY_STATUSES } from '../twin-model/notifications/notify-types.ts';
import { SHIFT_ENTRY_KINDS } from '../twin-model/shifts/shift-log.ts';
import { ALARM_RULE_TYPES } from '../twin-model/rules/rule-set.ts';
import { call, login, mintToken, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { launchChromium, saveScreenshot, signIn } from './support/browser.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { CENTRAL_WUHAN, planReports, publishReports } from './support/incident-reports.ts';
import { startTestCity } from './support/test-city.ts';
import { describeRawCodes, findRawCodes, type Vocabulary } from './support/untranslated.ts';

import type {} from '../web/client/admin/admin-main.ts';
import type {} from '../web/client/audit/audit-main.ts';
import type {} from '../web/client/cases/cases-main.ts';
import type {} from '../web/client/field/field-main.ts';
import type {} from '../web/client/kpi/kpi-main.ts';
import type {} from '../web/client/ops/ops-main.ts';
import type {} from '../web/client/test-hooks.ts';

const SHOTS = 'test-results/untranslated';
const dir = tempDir('untranslated-walk');
let app: RunningCityTwin;
let base: string;
let browser: Browser;
let admin: string;
let displayToken = '';
let incidentId = '';
let vocabulary: Vocabulary;
const allowed = new Set<string>();

/** Every code the server speaks in, from its own vocabulary modules and from what it answered. */
function serverVocabulary(extra: Iterable<string>): Vocabulary {
  const lists: Iterable<string>[] = [
    vocabularyTerms.SENSOR_KINDS,
    Object.keys(vocabularyTerms.METRIC_UNITS),
    vocabularyTerms.CLASSIFICATIONS,
    vocabularyTerms.EVENT_TYPES,
    vocabularyTerms.INCIDENT_TYPES,
    INCIDENT_STATUSES,
    INCIDENT_CHANGE_KINDS,
    EVIDENCE_FAMILIES,
    caseTerms.CASE_CATEGORIES,
    caseTerms.CASE_STATUSES,
    caseTerms.CASE_HAPPENINGS,
    caseTerms.CASE_ACTOR_ROLES,
    capTerms.CAP_STATUSES,
    capTerms.CAP_MSG_TYPES,
    capTerms.CAP_SCOPES,
    capTerms.CAP_CATEGORIES,
    capTerms.CAP_RESPONSE_TYPES,
    capTerms.CAP_URGENCIES,
    capTerms.CAP_SEVERITIES,
    capTerms.CAP_CERTAINTIES,
    CAP_RECORD_STATES,
    WARNING_KINDS,
    AUDIT_STREAMS,
    UNIT_KINDS,
    UNIT_STATUSES,
    CAPABILITIES,
    DISPATCH_ACTIONS,
    NOTIFY_EVENTS,
    CHANNEL_KINDS,
    DELIVERY_STATUSES,
    SHIFT_ENTRY_KINDS,
    ALARM_RULE_TYPES,
    ROLES,
    Object.keys(PERMISSIONS),
    app.city!.districts.map((d) => d.code),
    extra,
  ];
  return { codes: new Set(lists.flatMap((l) => [...l].map(String))) };
}

/** The city's own names (districts, roads, assets, sites …) and the ids people need. */
function cityNames(): string[] {
  const c = app.city!;
  const names: string[] = [];
  for (const list of [
    c.districts,
    c.zones,
    c.rivers,
    c.lakes,
    c.roads,
    c.assets,
    c.sources,
    c.sensorSites,
    c.landmarks ?? [],
    c.units ?? [],
  ])
    for (const item of list as unknown as Record<string, unknown>[])
      for (const [key, v] of Object.entries(item)) if (typeof v === 'string' && (/[\u3400-\u9fff]/.test(v) || key === 'id')) names.push(v);
  return names;
}

async function account(username: string, roles: string[]): Promise<void> {
  expect((await call(base, admin, 'POST', '/api/users', { username, roles, password: `${username} password 1` })).status).toBe(200);
}

/** Reports, alarms, an acknowledged and a dispatched incident, a hotline case, a CAP draft, a crew on a unit. */
async function makeActivity(): Promise<string[]> {
  const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'untranslated-walk' });
  await publishReports(publisher, planReports(8, CENTRAL_WUHAN, 'walk'));
  const gauge = app.city!.sensorSites.find((s) => s.kind === 'water_level')!;
  const meta = {
    kind: 'water_level',
    lng: gauge.lng,
    lat: gauge.lat,
    name: gauge.nameZh,
    district: gauge.district,
    source: gauge.sourceId,
  };
  await publisher.publishAsync(`citytwin/v1/sensors/${gauge.id}/meta`, JSON.stringify(meta), { qos: 1, retain: true });
  const now = Date.now();
  for (const [ago, cm] of [
    [30, 4],
    [20, 40],
    [1, 45],
  ] as const)
    await publisher.publishAsync(
      `citytwin/v1/sensors/${gauge.id}/data`,
      JSON.stringify({ ts: now - ago * 60_000, values: { water_level_cm: cm } }),
      {
        qos: 1,
      },
    );
  await publisher.endAsync();
  const incidents = await waitFor('the reports as incidents', () =>
    app.twin!.activeIncidents().length >= 8 ? app.twin!.activeIncidents() : null,
  );
  incidentId = incidents[0]!.id;
  expect((await call(base, admin, 'POST', `/api/incidents/${incidentId}/actions`, { action: 'acknowledge' })).status).toBe(200);
  const recs = (await call(base, admin, 'GET', `/api/incidents/${incidentId}/recommendations`)).body as RecommendationView[];
  const unitId = recs[0]!.unitId;
  expect((await call(base, admin, 'POST', `/api/incidents/${incidentId}/dispatch`, { unitIds: [unitId] })).status).toBe(200);
  await account('walk-crew', ['field']);
  expect((await call(base, admin, 'POST', '/api/field-units/walk-crew', { unitId })).status).toBe(200);
  expect((await call(base, admin, 'POST', '/api/cases', HOTLINE)).status).toBe(200);
  expect((await call(base, admin, 'POST', `/api/incidents/${incidentId}/cap`, {})).status).toBe(200);
  await app.twin!.flushIncidents();
  return incidents.map((i) => i.id);
}

/** A contact's name as typed: shown as written in both languages. */
const CONTACT_NAME = '巡查一队';

/**
 * One document of every notification kind, saved through the API as an administrator would, and a
 * test message through the webhook (to a closed loopback port: its last test reads "dead").
 */
async function makeNotificationConfig(): Promise<void> {
  const closed = await freePort();
  const district = app.city!.districts[0]!.code;
  const docs: [string, Record<string, unknown>][] = [
    [
      'channels',
      {
        id: 'walk-hook',
        kind: 'webhook',
        url: `http://127.0.0.1:${closed}/hook?token=walk-url-token`,
        secret: 'walk-webhook-signing-secret',
        language: 'en',
        batch: { maxEvents: 20, maxWaitMs: 0 },
        retry: { attempts: 1 },
      },
    ],
    ['channels', { id: 'walk-mail', kind: 'email', host: '127.0.0.1', port: closed, from: 'walk@example.cn', retry: { attempts: 1 } }],
    [
      'contacts',
      {
        user: 'walk-crew',
        name: CONTACT_NAME,
        language: 'zh-CN',
        email: 'walk.crew@example.cn',
        phone: '+8613800138000',
        roles: ['field'],
      },
    ],
    ['contacts', { user: 'admin', language: 'en', email: 'admin@example.cn' }],
    [
      'rosters',
      {
        id: 'walk-team',
        shifts: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00', tiers: [['walk-crew']] },
          { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '20:00', to: '08:00', tiers: [['walk-crew'], ['admin']] },
        ],
        overrides: [{ date: '2026-10-01', tiers: [['admin']] }],
      },
    ],
    [
      'subscriptions',
      {
        id: 'walk-ops',
        events: ['opened', 'escalated'],
        incidentTypes: ['waterlogging'],
        minSeverity: 2,
        districts: [district],
        target: { role: 'operator' },
        channels: ['walk-mail'],
      },
    ],
    [
      'policies',
      {
        id: 'walk-water',
        incidentTypes: ['waterlogging'],
        ackDeadlineMin: 10,
        tiers: [
          { targets: [{ team: 'walk-team' }] },
          { targets: [{ team: 'walk-team' }] },
          { targets: [{ user: 'walk-crew' }], afterMin: 20 },
        ],
        repeat: { everyMin: 4, times: 3 },
        channels: ['walk-mail'],
      },
    ],
  ];
  for (const [kind, doc] of docs) {
    const r = await call(base, admin, 'POST', `/api/notifications/${kind}`, doc);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  const test = await call(base, admin, 'POST', '/api/notifications/channels/walk-hook/test', {});
  expect(test.body?.delivered).toBe(false);
}

const HOTLINE = {
  externalId: 'W-1',
  category: 'waterlogging',
  text: '地下通道积水',
  caller: { name: '王女士', phone: '13700001111' },
  lng: 114.2712,
  lat: 30.6012,
  address: '沿江大道 1 号',
  receivedAt: Date.now() - 60_000,
};

beforeAll(async () => {
  app = await startTestCity(dir.path);
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  const ids = await makeActivity();
  await makeNotificationConfig();
  displayToken = await mintToken(base, admin, TEST_ADMIN_PASSWORD, { name: 'walk-wall', kind: 'display' });
  const actions = ((await call(base, admin, 'GET', '/api/audit/entries?limit=500')).body?.entries ?? []) as { action?: string }[];
  expect(actions.length).toBeGreaterThan(0);
  vocabulary = serverVocabulary(actions.map((a) => a.action ?? '').filter(Boolean));
  // What people typed or drafted is shown as written: the hotline caller's words, the CAP draft's headline.
  const alerts = (await call(base, admin, 'GET', '/api/cap/alerts')).body as CapRecordView[];
  const drafted = alerts.flatMap((a) => a.texts.flatMap((x) => [x.headline ?? '', x.event]));
  // The language switch names Chinese in Chinese (中文) on the English page, as switches do.
  const typed = [HOTLINE.text, HOTLINE.address, HOTLINE.caller.name, CONTACT_NAME, '中文', ...drafted.filter(Boolean)];
  for (const name of [...cityNames(), ...ids, ...typed, 'admin', 'walk-crew', 'walk-wall']) allowed.add(name);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

/** What a person sees of the page: its text, the visible elements' titles, labels and placeholders, every option. */
function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.title, document.body.innerText];
    for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
      if (!el.checkVisibility()) continue;
      for (const a of ['title', 'aria-label', 'placeholder']) {
        const v = el.getAttribute(a);
        if (v) parts.push(v);
      }
    }
    for (const o of document.querySelectorAll('option')) parts.push(o.textContent ?? '');
    return parts.join('\n');
  });
}

/** The raw codes a page shows, as "page: `code` in «context»" lines. */
async function rawCodesOn(page: Page, name: string, lang: 'zh' | 'en'): Promise<string[]> {
  await saveScreenshot(page, `${SHOTS}/${lang}-${name}.png`);
  return [
    ...describeRawCodes(name, findRawCodes(await visibleText(page), lang, vocabulary, allowed)),
    ...(await languageSwitchOn(page, name, lang)),
  ];
}

/** The language switch looks the same on every page: both names (中文 / EN), the page's language highlighted. */
async function languageSwitchOn(page: Page, name: string, lang: 'zh' | 'en'): Promise<string[]> {
  const seen = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid="language-toggle"]')]
      .filter((el) => el.checkVisibility())
      .map((el) => ({
        look: el.classList.contains('lang-toggle'),
        marks: [...el.querySelectorAll<HTMLElement>('.lang-mark')].map((m) => m.innerText.trim()),
        lit: [...el.querySelectorAll<HTMLElement>('.lang-mark')]
          .filter((m) => getComputedStyle(m).fontWeight === '600')
          .map((m) => m.dataset.lang),
      })),
  );
  const want = { look: true, marks: ['中文', 'EN'], lit: [lang] };
  return seen.filter((s) => JSON.stringify(s) !== JSON.stringify(want)).map((s) => `${name}: language switch ${JSON.stringify(s)}`);
}

type Walk = (context: BrowserContext, lang: 'zh' | 'en') => Promise<string[]>;

const consolePages: Walk = async (context, lang) => {
  const page = await context.newPage();
  await page.goto(base);
  await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
  await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
  await page.waitForFunction(() => window.__citytwin!.incidentCount() >= 8, undefined, { timeout: 30_000 });
  await page.evaluate((id) => window.__citytwin!.selectIncident(id), incidentId);
  await page.getByTestId('incident-detail').waitFor();
  const found = await rawCodesOn(page, 'console (incident detail)', lang);
  await page.getByTestId('cap-draft-button').click();
  await page.getByTestId('cap-dialog').waitFor();
  found.push(...(await rawCodesOn(page, 'console (CAP dialog)', lang)));
  await page.close();
  return found;
};

const kioskPage: Walk = async (context, lang) => {
  const page = await context.newPage();
  await page.goto(`${base}?display=${displayToken}&kiosk=1&rotate=district:${app.city!.districts[0]!.code}:600`);
  await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
  const found = await rawCodesOn(page, 'wall (kiosk)', lang);
  await page.close();
  return found;
};

const kpiPage: Walk = async (context, lang) => {
  const page = await context.newPage();
  await page.goto(new URL('kpi.html', base).href);
  await page.waitForFunction(() => window.__kpi?.ready === true, undefined, { timeout: 30_000 });
  const found = await rawCodesOn(page, 'KPI', lang);
  await page.getByTestId('kpi-number-queue-total').click();
  await page.getByTestId('kpi-drill-table').waitFor();
  found.push(...(await rawCodesOn(page, 'KPI (drill-down)', lang)));
  await page.close();
  return found;
};

const replayPage: Walk = async (context, lang) => {
  const page = await context.newPage();
  await page.goto(`${base}replay.html?incident=${incidentId}`);
  await page.waitForFunction(() => window.__citytwinReplay?.ready === true, undefined, { timeout: 60_000 });
  await page.waitForFunction(() => window.__citytwinReplay?.loading() === false, undefined, { timeout: 60_000 });
  const found = await rawCodesOn(page, 'replay', lang);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('replay-report-html').click()]);
  const chunks = await (await download.createReadStream()).toArray();
  const report = await context.newPage();
  await report.setContent(Buffer.concat(chunks.map((c) => Buffer.from(c))).toString('utf8'));
  found.push(...(await rawCodesOn(report, 'replay (after-action report)', lang)));
  await report.close();
  await page.close();
  return found;
};

const opsPage: Walk = async (context, lang) => {
  const page = await context.newPage();
  await page.goto(new URL('ops.html', base).href);
  await page.waitForFunction(() => window.__ops?.ready === true, undefined, { timeout: 30_000 });
  const found: string[] = [];
  for (const tab of ['rules', 'notify', 'rosters', 'shifts', 'registers'] as const) {
    await page.getByTestId(`ops-tab-${tab}`).click();
    await page.waitForFunction((t) => window.__ops?.tab() === t, tab);
    await page.evaluate(() => window.__ops!.loaded());
    if (tab === 'notify' || tab === 'rosters') await expectWordedLists(page, tab, lang);
    found.push(...(await rawCodesOn(page, `operations (${tab})`, lang)));
    // The page on a 32:9 wall, for people to look at (type and width).
    if (lang === 'zh' && (tab === 'rules' || tab === 'registers' || tab === 'notify')) {
      await page.setViewportSize({ width: 3840, height: 1080 });
      await saveScreenshot(page, `${SHOTS}/zh-operations-${tab}-3840x1080.png`);
      await page.setViewportSize({ width: 1920, height: 1080 });
    }
    // The notification lists as cards on a phone.
    if (tab === 'notify') {
      await page.setViewportSize({ width: 390, height: 844 });
      await saveScreenshot(page, `${SHOTS}/${lang}-operations-notify-390x844.png`);
      await page.setViewportSize({ width: 1920, height: 1080 });
    }
  }
  await page.close();
  return found;
};

/** What the notification lists say of the documents makeNotificationConfig saved, worded. */
const WORDED = {
  zh: {
    hook: ['网络回调', '127.0.0.1:', '每批最多 20 条', '放弃'],
    mail: ['邮件', '127.0.0.1:'],
    contact: [CONTACT_NAME, '中文', 'w***@example.cn', '+86138****8000', '现场队伍'],
    subscription: ['事件开启、升级', '等级 ≥ 2', '角色：值班员', 'walk-mail'],
    policy: [
      '第 1 级：立即 → 班组 walk-team 当级值班',
      '第 2 级：10 分钟无人确认',
      '第 3 级：再过 20 分钟 → 用户 walk-crew',
      '每 4 分钟提醒，最多 3 次',
    ],
    roster: [
      '周一至周五 08:00–20:00：第 1 级 walk-crew',
      '每天 20:00–08:00：第 1 级 walk-crew、第 2 级 admin',
      '2026-10-01 00:00–24:00：第 1 级 admin',
    ],
  },
  en: {
    hook: ['Webhook', '127.0.0.1:', 'Up to 20 per batch', 'dead'],
    mail: ['E-mail', '127.0.0.1:'],
    contact: [CONTACT_NAME, 'Chinese', 'w***@example.cn', '+86138****8000', 'Field crew'],
    subscription: ['opened, escalated', 'severity ≥ 2', 'role: Operator', 'walk-mail'],
    policy: [
      'Tier 1: at once → team walk-team, that tier on call',
      'Tier 2: after 10 min unacknowledged',
      'Tier 3: 20 min later → user walk-crew',
      'a reminder every 4 min, at most 3',
    ],
    roster: [
      'Mon–Fri 08:00–20:00: tier 1 walk-crew',
      'every day 20:00–08:00: tier 1 walk-crew, tier 2 admin',
      '2026-10-01 00:00–24:00: tier 1 admin',
    ],
  },
} as const;

/** Each saved document is a worded row (no JSON), secrets and the URL's path and query nowhere. */
async function expectWordedLists(page: Page, tab: 'notify' | 'rosters', lang: 'zh' | 'en'): Promise<void> {
  const rows: [string, readonly string[]][] =
    tab === 'rosters'
      ? [['walk-team', WORDED[lang].roster]]
      : [
          ['walk-hook', WORDED[lang].hook],
          ['walk-mail', WORDED[lang].mail],
          ['walk-crew', WORDED[lang].contact],
          ['walk-ops', WORDED[lang].subscription],
          ['walk-water', WORDED[lang].policy],
        ];
  for (const [id, words] of rows) {
    const text = await page.locator(`[data-testid="notify-doc"][data-id="${id}"]`).innerText();
    for (const w of words) expect(text, `${tab} row ${id} (${lang})`).toContain(w);
    expect(text).not.toContain('{');
  }
  const district = app.city!.districts[0]!;
  if (tab === 'notify') {
    const sub = await page.locator('[data-testid="notify-doc"][data-id="walk-ops"]').innerText();
    expect(sub).toContain(lang === 'en' ? district.nameEn : district.nameZh);
    const all = await page.getByTestId('notify-tab').innerText();
    for (const hidden of ['walk-webhook-signing-secret', 'walk-url-token', '/hook']) expect(all).not.toContain(hidden);
  }
}

const adminPage: Walk = async (context, lang) => {
  const page = await context.newPage();
  await page.goto(new URL('admin.html', base).href);
  await page.waitForFunction(() => window.__admin?.ready === true, undefined, { timeout: 30_000 });
  const found: string[] = [];
  for (const tab of ['users', 'tokens', 'events'] as const) {
    await page.getByTestId(`admin-tab-${tab}`).click();
    await page.waitForFunction((t) => window.__admin?.tab() === t, tab);
    await page.waitForLoadState('networkidle');
    found.push(...(await rawCodesOn(page, `administration (${tab})`, lang)));
  }
  await page.close();
  return found;
};

const deskPages: Walk = async (context, lang) => {
  const found: string[] = [];
  const cases = await context.newPage();
  await cases.goto(new URL('cases.html', base).href);
  await cases.waitForFunction(() => window.__cases?.ready === true, undefined, { timeout: 30_000 });
  await cases.getByTestId('case-row').first().click();
  await cases.getByTestId('case-text').waitFor();
  found.push(...(await rawCodesOn(cases, 'cases', lang)));
  await cases.close();
  const audit = await context.newPage();
  await audit.goto(new URL('audit.html', base).href);
  await audit.waitForFunction(() => window.__audit?.ready === true, undefined, { timeout: 30_000 });
  await audit.waitForFunction(() => window.__audit!.rowCount() > 0, undefined, { timeout: 30_000 });
  found.push(...(await rawCodesOn(audit, 'audit', lang)));
  await audit.close();
  return found;
};

const fieldAndOpenPages: Walk = async (context, lang) => {
  const found: string[] = [];
  // The crew signs in on a browser of its own (the admin's session is in `context`).
  const crew = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await crew.addInitScript((l) => window.localStorage.setItem('citytwin.language', l), lang);
  const field = await crew.newPage();
  await field.goto(new URL('field.html', base).href);
  await signIn(field, 'walk-crew', 'walk-crew password 1');
  await field.waitForFunction(() => window.__field?.ready === true, undefined, { timeout: 30_000 });
  await field.waitForFunction(() => window.__field!.hasAssignment(), undefined, { timeout: 30_000 });
  found.push(...(await rawCodesOn(field, 'field', lang)));
  await crew.close();
  const open = await context.newPage();
  await open.goto(new URL('open.html', base).href);
  await open.waitForFunction(() => window.__openData?.ready === true, undefined, { timeout: 30_000 });
  found.push(...(await rawCodesOn(open, 'open data', lang)));
  await open.close();
  return found;
};

/** Every page in one language, in a fresh browser context whose pages start in `lang`. */
async function walk(lang: 'zh' | 'en'): Promise<string[]> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await context.addInitScript((l) => window.localStorage.setItem('citytwin.language', l), lang);
  const found: string[] = [];
  try {
    for (const pages of [consolePages, kioskPage, kpiPage, replayPage, opsPage, adminPage, deskPages, fieldAndOpenPages])
      found.push(...(await pages(context, lang)));
  } finally {
    await context.close();
  }
  return found;
}

describe('every page, worded', () => {
  it('shows no raw code in zh-CN', async () => {
    const found = await walk('zh');
    expect(found, `raw codes in the zh-CN pages:\n${found.join('\n')}`).toEqual([]);
  }, 600_000);

  it('shows no raw code and no Chinese outside the city’s names in English', async () => {
    const found = await walk('en');
    expect(found, `raw codes or Chinese in the English pages:\n${found.join('\n')}`).toEqual([]);
  }, 600_000);
});
