/**
 * The operations page (`ops.html`) and the escalation countdown, in real Chromium on the running
 * product (`citytwin all`, embedded broker and ClickHouse): an admin finds the page in the user
 * menu, edits a threshold into an invalid one and sees the server's reason at the field, tries
 * a valid edit over the last 24 h of stored readings, applies it with a reason and sees the
 * version with its diff; edits an incident rule through its form (a refused value shown at the
 * field, then a version); adds a webhook channel whose secret never comes back to the page and
 * sends a test message through it; writes a shift note and hands the shift over with its summary. An operator reads the rules
 * without editing them, is told in words that notifications are for admins, and signs the
 * handover off. The console's queue row and incident detail count down to the next escalation
 * from the `escalations` event, and the badge goes once the incident is acknowledged.
 * Screenshots at 1920×1080, 3840×1080 and 390×844 go to /tmp/ops-console/ops-*.png.
 */
import { createServer, type Server } from 'node:http';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { formatCityDateTime } from '../web/client/i18n/format.ts';
import type { IncidentView } from '../web/shared/protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot, signIn } from './support/browser.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/ops/ops-main.ts'; // declares window.__ops
import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const SECRET = 'ops-page-webhook-signing-secret';
const OPERATOR_PASSWORD = 'operator password 1';
const dir = tempDir('ops-browser');
let app: RunningCityTwin;
let base: string;
let browser: Browser;
let admin: string;
let publisher: mqtt.MqttClient;
let receiver: Server;
let hookPort = 0;
let gauge = '';

const SIZES = [
  { name: '1920x1080', width: 1920, height: 1080 },
  { name: '3840x1080', width: 3840, height: 1080 },
  { name: '390x844', width: 390, height: 844 },
] as const;

beforeAll(async () => {
  hookPort = await freePort();
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => receiver.listen(hookPort, '127.0.0.1', resolve));
  app = await startTestCity(dir.path);
  base = app.url!;
  browser = await launchChromium();
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  expect(
    (
      await call(base, admin, 'POST', '/api/users', {
        username: 'op-li',
        displayName: '李',
        roles: ['operator'],
        password: OPERATOR_PASSWORD,
      })
    ).status,
  ).toBe(200);
  // A water-level gauge with readings over the last hour: two warning episodes under the default rule (enter 15, exit 10).
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'ops-browser' });
  const site = app.city!.sensorSites.find((s) => s.kind === 'water_level')!;
  gauge = site.id;
  const meta = { kind: 'water_level', lng: site.lng, lat: site.lat, name: site.nameZh, source: site.sourceId };
  await publisher.publishAsync(`citytwin/v1/sensors/${site.id}/meta`, JSON.stringify(meta), { qos: 1, retain: true });
  const now = Date.now();
  for (const [ago, cm] of [
    [50, 4],
    [40, 18],
    [30, 5],
    [20, 22],
    [10, 6],
  ] as const)
    await publisher.publishAsync(
      `citytwin/v1/sensors/${site.id}/data`,
      JSON.stringify({ ts: now - ago * 60_000, values: { water_level_cm: cm } }),
      { qos: 1 },
    );
  await waitFor(
    'the readings stored (the preview of the rule in force counts both episodes)',
    async () => {
      const rules = (await call(base, admin, 'GET', '/api/rules/alarms')).body.ruleSet.kinds.water_level.rules;
      const r = await call(base, admin, 'POST', '/api/rules/alarms/preview', {
        kind: 'water_level',
        ruleId: 'water_level_cm',
        rule: rules.water_level_cm,
      });
      return r.status === 200 && r.body.episodes >= 2;
    },
    30_000,
    250,
  );
}, 120_000);

afterAll(async () => {
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  dir.remove();
});

async function openOps(page: Page, tab = ''): Promise<void> {
  await page.goto(new URL(`ops.html${tab ? `#${tab}` : ''}`, base).href);
  await page.waitForFunction(() => window.__ops?.ready === true, undefined, { timeout: 30_000 });
}

async function showTab(page: Page, tab: 'rules' | 'notify' | 'rosters' | 'shifts'): Promise<void> {
  await page.getByTestId(`ops-tab-${tab}`).click();
  await page.waitForFunction((t) => window.__ops?.tab() === t, tab);
  await page.evaluate(() => window.__ops!.loaded());
}

/** The page at the three sizes, for people to look at. */
async function screenshots(page: Page, name: string): Promise<void> {
  const before = page.viewportSize()!;
  for (const s of SIZES) {
    await page.setViewportSize({ width: s.width, height: s.height });
    await saveScreenshot(page, `/tmp/ops-console/ops-${name}-${s.name}.png`);
  }
  await page.setViewportSize(before);
}

const ruleInput = (page: Page, path: string) => page.locator(`[data-testid="rules-input"][data-path="${path}"]`);
const WARNING = 'kinds.water_level.rules.water_level_cm.warning';

describe('the operations page, as an admin', () => {
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    errors = collectErrors(page);
    await page.goto(base);
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await page?.close();
  });

  it('is linked from the user menu and opens on the rules, with sizes readable at 1920×1080', async () => {
    await page.getByTestId('user-menu').click();
    const link = page.getByTestId('ops-link');
    expect(await link.innerText()).toBe('运行管理');
    expect(await link.getAttribute('href')).toBe('./ops.html');
    await openOps(page);
    expect(await page.getByTestId('ops-title').innerText()).toBe('运行管理');
    expect(await page.getByTestId('ops-timezone').innerText()).toContain('UTC+8');
    expect(await page.evaluate(() => window.__ops!.tab())).toBe('rules');
    expect(await page.getByTestId('rules-kind').inputValue()).toBe('water_level');
    // Each threshold is named with its unit (the metric's: the water depth in cm).
    for (const key of ['warning.enter', 'warning.exit', 'alarm.enter', 'alarm.exit'])
      expect(await page.locator(`.rules-rule[data-rule-id="water_level_cm"] [data-key="${key}"]`).innerText()).toMatch(/（cm）$/);
    const px = (testid: string) =>
      page
        .getByTestId(testid)
        .first()
        .evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
    expect(await px('ops-tab-rules')).toBeGreaterThanOrEqual(16);
    expect(await px('rules-input')).toBeGreaterThanOrEqual(16);
  });

  it('follows the address: a typed #tab, then back and forward, switch the tab without a reload', async () => {
    await openOps(page);
    const marker = await page.evaluate(() => {
      (window as unknown as { __sameDocument: number }).__sameDocument = 1;
      return window.__ops!.tab();
    });
    expect(marker).toBe('rules');
    await page.evaluate(() => {
      window.location.hash = '#shifts';
    });
    await page.waitForFunction(() => window.__ops?.tab() === 'shifts');
    expect(await page.getByTestId('ops-tab-shifts').getAttribute('aria-selected')).toBe('true');
    await page.goBack();
    await page.waitForFunction(() => window.__ops?.tab() === 'rules');
    expect(await page.getByTestId('ops-tab-rules').getAttribute('aria-selected')).toBe('true');
    await page.goForward();
    await page.waitForFunction(() => window.__ops?.tab() === 'shifts');
    // The same document throughout: nothing was reloaded.
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument)).toBe(1);
    await showTab(page, 'rules');
  });

  it('asks for the no-data limit in minutes with the unit named, and lays the override hint out as a line', async () => {
    const stale = ruleInput(page, 'kinds.water_level.staleAfterMs');
    const stored = (await call(base, admin, 'GET', '/api/rules/alarms')).body.ruleSet.kinds.water_level.staleAfterMs as number;
    expect(stored % 1000).toBe(0);
    const label = await page.locator('.rules-kind-head [data-key]').innerText();
    expect(label).toContain('分钟');
    expect(label).not.toContain('毫秒');
    expect(Number(await stale.inputValue())).toBe(stored / 60_000);
    // The hint reads across the form, not squeezed into one field's column.
    const hint = page.getByTestId('override-fields').locator('p');
    const hintBox = (await hint.boundingBox())!;
    const formBox = (await page.getByTestId('override-fields').boundingBox())!;
    expect(hintBox.width).toBeGreaterThan(formBox.width * 0.5);
  });

  it('shows the reason at the field when a threshold is invalid, and saves nothing', async () => {
    // Hysteresis: a warning that leaves above where it enters.
    await ruleInput(page, `${WARNING}.exit`).fill('40');
    await page.getByTestId('rules-reason').fill('typo');
    await page.getByTestId('rules-apply').click();
    const error = page.locator(`[data-testid="rules-field-error"][data-path="${WARNING}.exit"]`);
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.innerText()).toContain('exit must be at or below enter (15)');
    expect(await ruleInput(page, `${WARNING}.exit`).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('rules-issues').innerText()).toContain(`${WARNING}.exit = 40`);
    expect(await page.getByTestId('rules-apply-message').innerText()).toContain('未保存');
    expect((await call(base, admin, 'GET', '/api/rules/alarms/versions')).body.versions).toEqual([]);
    await screenshots(page, 'rules-invalid');
  });

  it('previews a valid edit over the last 24 h beside the rule in force, needs a reason, and applies it as a version with its diff', async () => {
    await ruleInput(page, `${WARNING}.exit`).fill('10');
    await ruleInput(page, `${WARNING}.enter`).fill('20');
    await page.locator('[data-testid="rules-rule"][data-rule-id="water_level_cm"] [data-testid="rules-preview"]').click();
    const result = page.locator('[data-testid="rules-preview-result"][data-rule-id="water_level_cm"]');
    await expect.poll(() => result.getAttribute('data-episodes')).toBe('1');
    expect(await result.getByTestId('rules-preview-count').innerText()).toContain('将产生 1 次告警过程');
    expect(await result.getByTestId('rules-preview-current').innerText()).toContain('现行规则同期：2 次');
    expect(await result.getByTestId('rules-preview-samples').innerText()).toContain(gauge);
    // The field errors of the earlier attempt are gone with the preview of the corrected rule.
    expect(await page.getByTestId('rules-field-error').count()).toBe(0);

    await page.getByTestId('rules-reason').fill('');
    await page.getByTestId('rules-apply').click();
    expect(await page.getByTestId('rules-apply-message').innerText()).toContain('请填写修改原因');
    await page.getByTestId('rules-reason').fill('泵站扩容后提高预警线');
    await page.getByTestId('rules-apply').click();
    await expect.poll(() => page.getByTestId('rules-apply-message').innerText()).toBe('已保存为第 1 版并立即生效。');
    const row = page.locator('[data-testid="rules-version"][data-version="1"]');
    expect(await row.count()).toBe(1);
    const saved = (await call(base, admin, 'GET', '/api/rules/alarms/versions')).body.versions[0];
    expect(saved).toMatchObject({ version: 1, author: 'admin', reason: '泵站扩容后提高预警线' });
    expect(await row.innerText()).toContain('admin');
    expect(await row.innerText()).toContain('泵站扩容后提高预警线');
    expect(await row.innerText()).toContain(formatCityDateTime(saved.at, 'Asia/Shanghai'));
    const change = page.locator(`[data-testid="rules-diff-change"][data-path="${WARNING}.enter"]`);
    expect(await change.innerText()).toContain('15 → 20');
    expect(await page.getByTestId('rules-in-force').innerText()).toBe('当前生效：第 1 版');
    await screenshots(page, 'rules-applied');
  });

  it("overrides one sensor's rule through a form with units, shows the server's reason at the field and the changes before saving", async () => {
    const path = `sensors.${gauge}.water_level.rules.water_level_cm`;
    await page.getByTestId('override-target').selectOption('sensors');
    await page.getByTestId('override-id').fill(gauge);
    await page.getByTestId('override-id').press('Tab');
    const input = (key: string) => page.locator(`[data-testid="override-input"][data-path="${path}.${key}"]`);
    // Prefilled with what is in force for the sensor (version 1: warning 20/15), each with its unit.
    expect(await input('warning.enter').inputValue()).toBe('20');
    expect(await page.getByTestId('override-fields').innerText()).toContain('（cm）');
    await input('warning.exit').fill('40');
    await page.getByTestId('override-put').click();
    const pending = page.locator(`[data-testid="rules-pending-change"][data-path="sensors"]`);
    expect(await pending.getAttribute('data-change')).toBe('added');
    expect(await pending.innerText()).toContain('"exit":40');

    await page.getByTestId('rules-reason').fill('该点位易积水');
    await page.getByTestId('rules-apply').click();
    const error = page.locator(`[data-testid="override-field-error"][data-path^="${path}.warning"]`);
    await expect.poll(() => error.count()).toBeGreaterThan(0);
    expect(await error.first().innerText()).toContain('40');
    expect(await page.locator(`[data-testid="override-input"][aria-invalid="true"]`).count()).toBeGreaterThan(0);
    expect((await call(base, admin, 'GET', '/api/rules/alarms/versions')).body.versions).toHaveLength(1);

    await input('warning.exit').fill('18');
    await page.getByTestId('override-put').click();
    expect(await page.getByTestId('rules-pending').innerText()).toContain('"exit":18');
    await page.getByTestId('rules-reason').fill('该点位易积水');
    await page.getByTestId('rules-apply').click();
    await expect.poll(() => page.getByTestId('rules-apply-message').innerText()).toBe('已保存为第 2 版并立即生效。');
    const saved = (await call(base, admin, 'GET', '/api/rules/alarms')).body.ruleSet;
    expect(saved.sensors[gauge].water_level.rules.water_level_cm).toEqual({ warning: { enter: 20, exit: 18 } });
    expect(await page.getByTestId('rules-pending').innerText()).toBe('草稿与当前生效的规则相同。');
    await screenshots(page, 'rules-override');
  });

  it("edits an incident rule through a form with units, shows the server's reason at the field, and applies it as a version", async () => {
    await page.getByTestId('rules-scope').selectOption('incidents');
    await page.getByTestId('incident-type').waitFor();
    await page.getByTestId('incident-type').selectOption('fire');
    const input = (key: string) => page.locator(`[data-testid="incident-input"][data-path="rules.fire.${key}"]`);
    // Prefilled with the rules in force, each number with its unit, each field named in the page's language.
    expect(await input('windowS').inputValue()).toBe('2700');
    expect(await input('spatial.radiusM').inputValue()).toBe('700');
    const form = await page.getByTestId('incident-form').innerText();
    for (const words of ['时间窗（秒）', '关联半径（米）', '开启所需置信度（0–1）', '证据信号']) expect(form).toContain(words);
    expect(await page.locator('[data-testid="incident-signal"]').count()).toBeGreaterThan(1);
    await input('windowS').fill('0');
    const pending = page.locator('[data-testid="rules-pending-change"][data-path="rules.fire.windowS"]');
    expect(await pending.innerText()).toContain('2700 → 0');

    await page.getByTestId('rules-reason').fill('火情关联时间调整');
    await page.getByTestId('rules-apply').click();
    const error = page.locator('[data-testid="incident-field-error"][data-path="rules.fire.windowS"]');
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.innerText()).toContain('0: ');
    expect(await input('windowS').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('rules-issues').innerText()).toContain('rules.fire.windowS = 0');
    expect((await call(base, admin, 'GET', '/api/rules/incidents/versions')).body.versions).toEqual([]);

    await input('windowS').fill('1800');
    await input('spatial.radiusM').fill('900');
    await page.getByTestId('rules-reason').fill('火情关联时间调整');
    await page.getByTestId('rules-apply').click();
    await expect.poll(() => page.getByTestId('rules-apply-message').innerText()).toBe('已保存为第 1 版并立即生效。');
    const saved = (await call(base, admin, 'GET', '/api/rules/incidents')).body.ruleSet.rules.fire;
    expect(saved).toMatchObject({ windowS: 1800, spatial: { radiusM: 900 } });
    const change = page.locator('[data-testid="rules-diff-change"][data-path="rules.fire.windowS"]');
    expect(await change.innerText()).toContain('2700 → 1800');
    await screenshots(page, 'rules-incident');
  });

  it('adds a webhook channel whose secret is never shown back, and words a refused one', async () => {
    await showTab(page, 'notify');
    await page.getByTestId('webhook-id').fill('ops-hook');
    await page.getByTestId('webhook-url').fill(`http://127.0.0.1:${hookPort}/hook`);
    await page.getByTestId('webhook-secret').fill('short');
    await page.getByTestId('webhook-add').click();
    const message = page.getByTestId('notify-channels-message');
    await expect.poll(() => message.getAttribute('data-kind')).toBe('error');
    expect(await message.innerText()).toContain('secret');
    expect(await message.innerText()).toContain('16');
    expect(await message.innerText()).not.toContain('short');

    await page.getByTestId('webhook-secret').fill(SECRET);
    await page.getByTestId('webhook-add').click();
    await expect.poll(() => message.innerText()).toBe('ops-hook 已保存并生效。');
    const row = page.locator('[data-testid="notify-doc"][data-id="ops-hook"]');
    // Worded: its kind, the host it sends to (not the path), one request per message, not tested yet.
    const rowText = await row.innerText();
    for (const words of ['网络回调', `127.0.0.1:${hookPort}`, '逐条发送', '尚未测试']) expect(rowText).toContain(words);
    expect(rowText).not.toContain('/hook');
    expect(rowText).not.toContain('{');
    expect(await page.getByTestId('webhook-secret').inputValue()).toBe('');
    // Nowhere on the page, nor in what the page holds in its fields.
    expect(await page.content()).not.toContain(SECRET);
    expect(
      await page.evaluate(() => [...document.querySelectorAll('input, textarea')].map((e) => (e as HTMLInputElement).value).join('\n')),
    ).not.toContain(SECRET);
    // Editing it shows *** too.
    await row.getByTestId('notify-doc-edit').click();
    expect(await page.getByTestId('notify-channels-json').inputValue()).toContain('"secret": "***"');
    await page.getByTestId('notify-channels-cancel').click();
    // A test message through it: delivered to the receiver, said in words.
    await row.getByTestId('notify-channel-test').click();
    await expect.poll(() => message.innerText()).toBe('测试消息已通过 ops-hook 送达 user:admin。');
    // The list reloads with the channel's last test: sent, at the city's time.
    await expect
      .poll(() => row.getByTestId('notify-channel-last-test').innerText())
      .toMatch(/^已送达 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await screenshots(page, 'notify');
    // Up to 700 px wide each document is a card of labelled lines, as the full pages' tables are
    // (styles/phone-cards.css): at 650 px too, not a table squeezed to the width.
    await page.setViewportSize({ width: 650, height: 844 });
    const cards = await page.evaluate(() => {
      const table = document.querySelector('[data-testid="notify-channels-table"]')!;
      const cells = [...table.querySelectorAll<HTMLElement>('tbody tr:first-child td')];
      return {
        head: getComputedStyle(table.querySelector('thead')!).display,
        row: getComputedStyle(table.querySelector('tbody tr')!).display,
        labels: cells.map((c) => getComputedStyle(c, '::before').content).filter((c) => c !== 'none'),
        right: Math.max(...cells.map((c) => c.getBoundingClientRect().right)),
        scrollWidth: document.documentElement.scrollWidth,
      };
    });
    expect(cards.head).toBe('none');
    expect(cards.row).toBe('block');
    expect(cards.labels.slice(0, 2)).toEqual(['"编号"', '"类型"']);
    expect(cards.right).toBeLessThanOrEqual(650);
    expect(cards.scrollWidth).toBeLessThanOrEqual(650);
    await saveScreenshot(page, '/tmp/ops-console/ops-notify-650x844.png');
    await page.setViewportSize({ width: 1920, height: 1080 });
  });

  it('writes a shift note and hands the shift over with the summary of what is open', async () => {
    await showTab(page, 'shifts');
    expect(await page.getByTestId('shift-current').innerText()).toContain('尚无班次');
    await page.getByTestId('shift-note-text').fill('江汉区两处积水点已安排巡查');
    await page.getByTestId('shift-note-add').click();
    await expect.poll(() => page.getByTestId('shift-note').count()).toBe(1);
    expect(await page.getByTestId('shift-note').innerText()).toContain('江汉区两处积水点已安排巡查');
    expect(await page.getByTestId('shift-lead').innerText()).toBe('admin');
    // Handing over to oneself is refused, in the server's words.
    await page.getByTestId('shift-incoming').fill('admin');
    await page.getByTestId('shift-handover').click();
    await expect.poll(() => page.getByTestId('shift-message').getAttribute('data-kind')).toBe('error');
    expect(await page.getByTestId('shift-message').innerText()).toContain('未完成');

    await page.getByTestId('shift-incoming').fill('op-li');
    await page.getByTestId('shift-handover-note').fill('夜班注意长江水位');
    await page.getByTestId('shift-handover').click();
    await expect.poll(() => page.getByTestId('shift-status').getAttribute('data-status')).toBe('handed_over');
    const summary = page.getByTestId('shift-summary');
    const open = ((await call(base, admin, 'GET', '/api/incidents')).body as IncidentView[]).length;
    expect(await page.getByTestId('shift-summary-open').getAttribute('data-n')).toBe(String(open));
    expect(await summary.innerText()).toContain('admin 于');
    expect(await summary.innerText()).toContain('交班给 op-li');
    expect(await page.getByTestId('shift-waiting').innerText()).toBe('等待 op-li 接班确认。');
    // The handing-over lead is not offered the sign-off.
    expect(await page.getByTestId('shift-signoff-form').isVisible()).toBe(false);

    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.getByTestId('ops-title').innerText()).toBe('Operations');
    expect(await page.getByTestId('ops-tab-shifts').innerText()).toBe('Shift log');
    expect(await page.getByTestId('shift-waiting').innerText()).toBe('Waiting for op-li to sign off.');
    await screenshots(page, 'shifts-en');
    await page.getByTestId('language-toggle').click();
    // The refusals this test asked for (the invalid rule, the invalid override, the invalid incident rule, the short secret, the handover to oneself) are the only errors.
    expect(errors.filter((e) => !/status of (400 \(Bad Request\)|409 \(Conflict\))/.test(e))).toEqual([]);
    expect(errors.length).toBe(5);
  });
});

describe('the operations page, as an operator', () => {
  it('reads the rules without editing them, is told notifications are for admins, and signs the handover off', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors = collectErrors(page);
    await page.goto(new URL('ops.html', base).href);
    await signIn(page, 'op-li', OPERATOR_PASSWORD);
    await page.waitForFunction(() => window.__ops?.ready === true, undefined, { timeout: 30_000 });
    expect(await page.getByTestId('rules-read-only').innerText()).toBe('只读：修改需要管理员权限。');
    expect(await page.getByTestId('rules-apply').count()).toBe(0);
    expect(await ruleInput(page, `${WARNING}.enter`).isDisabled()).toBe(true);
    expect(await ruleInput(page, `${WARNING}.enter`).inputValue()).toBe('20');

    await showTab(page, 'notify');
    expect(await page.getByTestId('ops-denied').innerText()).toBe('通知配置仅限管理员查看和修改。');
    expect(await page.getByTestId('notify-tab').count()).toBe(0);

    await showTab(page, 'shifts');
    expect(await page.getByTestId('shift-signoff-form').isVisible()).toBe(true);
    // Usable on a phone: the page does not scroll sideways.
    expect(await page.evaluate(() => document.getElementById('ops-app')!.scrollWidth <= window.innerWidth)).toBe(true);
    await saveScreenshot(page, '/tmp/ops-console/ops-operator-signoff-390x844.png', { fullPage: true });
    await page.getByTestId('shift-signoff-note').fill('已接班');
    await page.getByTestId('shift-signoff').click();
    await expect.poll(() => page.getByTestId('shift-lead').innerText()).toBe('op-li');
    expect(await page.getByTestId('shift-status').getAttribute('data-status')).toBe('open');
    expect(await page.locator('[data-testid="shift-row"]').first().innerText()).toContain('admin');
    const token = await login(base, 'op-li', OPERATOR_PASSWORD);
    expect((await call(base, token, 'GET', '/api/notifications/channels')).status).toBe(403);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the escalation countdown in the console', () => {
  it('shows the next tier and mm:ss on the queue row and the detail, and drops it once acknowledged', async () => {
    const post = (kind: string, doc: object) => call(base, admin, 'POST', `/api/notifications/${kind}`, doc);
    expect((await post('contacts', { user: 'op-li', language: 'zh-CN', roles: ['operator'] })).status).toBe(200);
    expect(
      (
        await post('policies', {
          id: 'everything',
          ackDeadlineMin: 10,
          tiers: [{ targets: [{ user: 'op-li' }] }, { targets: [{ user: 'op-li' }] }],
          channels: ['ops-hook'],
        })
      ).status,
    ).toBe(200);
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors = collectErrors(page);
    await page.goto(base);
    await signIn(page, 'op-li', OPERATOR_PASSWORD);
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });

    await publisher.publishAsync(
      'citytwin/v1/events/ops-desk',
      JSON.stringify({ id: `r-${Date.now()}`, ts: Date.now(), type: 'manual_report', category: 'waterlogging', lng: 114.27, lat: 30.58 }),
      { qos: 1 },
    );
    const incident = await waitFor('the incident', async () => {
      const list = (await call(base, admin, 'GET', '/api/incidents')).body as IncidentView[];
      return list.find((i) => i.type === 'waterlogging' && i.escalation?.nextTier === 2) ?? null;
    });
    const due = incident.escalation!.nextEscalationAt!;
    expect(due).toBe(incident.openedAt + 10 * 60_000);
    const badge = page.locator(`[data-testid="incident-row"][data-incident-id="${incident.id}"] [data-testid="escalation-badge"]`);
    await expect.poll(() => badge.getAttribute('data-due'), { timeout: 20_000 }).toBe(String(due));
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.getAttribute('data-tier')).toBe('2');
    expect(await badge.innerText()).toMatch(/^升至第2级 (10:00|0\d:[0-5]\d)$/);
    expect(await badge.getAttribute('title')).toContain('已通知到第1级');
    // Found and measured in one task of the page: the queue redraws its rows as the countdown
    // ticks, and an element measured after it was replaced has no computed style.
    const size = await page.evaluate((id) => {
      const el = document.querySelector(`[data-testid="incident-row"][data-incident-id="${id}"] [data-testid="escalation-badge"]`);
      return el ? Number.parseFloat(getComputedStyle(el).fontSize) : null;
    }, incident.id);
    expect(size).toBeGreaterThanOrEqual(12);

    await page.locator(`[data-testid="incident-row"][data-incident-id="${incident.id}"]`).click();
    const detail = page.getByTestId('incident-escalation');
    await expect.poll(() => detail.getAttribute('data-due')).toBe(String(due));
    expect(await detail.isVisible()).toBe(true);
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => detail.innerText()).toMatch(/^tier 2 in (10:00|0\d:[0-5]\d)$/);
    await saveScreenshot(page, '/tmp/ops-console/ops-console-countdown-1920x1080.png');
    await page.getByTestId('language-toggle').click();

    // Acknowledged: the escalation stops, and so does the countdown.
    expect((await call(base, admin, 'POST', `/api/incidents/${incident.id}/actions`, { action: 'acknowledge' })).status).toBe(200);
    await expect.poll(() => badge.isVisible(), { timeout: 20_000 }).toBe(false);
    expect(await page.getByTestId('incident-escalation').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
