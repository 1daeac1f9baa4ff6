/**
 * The field page (`field.html`) in real Chromium on a phone's screen (390×844) against the running
 * product: a crew signs in through the login page, sees "no assignment", then — once a dispatcher
 * sends its unit — the incident, the dispatch time on the city's clock, the ETA and the route on
 * the map, and moves the unit en route → on scene → returning → available with the big buttons
 * (only the statuses the dispatch rules allow are enabled; every button at least 48 px high; a poll
 * that lands while a change is on its way shows neither the new status nor an empty notice); the
 * page switches to English; a crew bound to no unit is told so, and a dispatcher that the page is
 * not for it; a crew signing in at the console's address lands on its page. Screenshots at 390×844 and 1920×1080 go to test-results/field-*.png.
 */
import { mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { formatCityDateTime } from '../web/client/i18n/format.ts';
import type { FieldAssignmentResponse } from '../web/shared/field-protocol.ts';
import type { RecommendationView } from '../web/shared/protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot, signIn } from './support/browser.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';
import { checkRefusedSignOut, SIGN_OUT_CHECK_ERRORS } from './support/sign-out-refused.ts';

import type {} from '../web/client/field/field-main.ts'; // declares window.__field

const dir = tempDir('field-browser');
let app: RunningCityTwin;
let browser: Browser;
let admin: string;
let dispatcher: string;
let unitId = '';
let incidentId = '';
mkdirSync('test-results', { recursive: true });

async function account(username: string, roles: string[]): Promise<void> {
  expect((await call(app.url!, admin, 'POST', '/api/users', { username, roles, password: `${username} password 1` })).status).toBe(200);
}

beforeAll(async () => {
  app = await startTestCity(dir.path);
  browser = await launchChromium();
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  await account('crew-wu', ['field']);
  await account('crew-none', ['field']);
  await account('desk-li', ['dispatcher']);
  dispatcher = await login(app.url!, 'desk-li', 'desk-li password 1');
  const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'field-browser' });
  await publisher.publishAsync(
    'citytwin/v1/events/field-staff',
    JSON.stringify({ id: 'fb-1', ts: Date.now(), type: 'manual_report', category: 'waterlogging', lng: 114.31, lat: 30.555, severity: 4 }),
    { qos: 1 },
  );
  await publisher.endAsync();
  incidentId = await waitFor('the incident', () => app.twin!.activeIncidents()[0]?.id ?? null);
  const recs = (await call(app.url!, dispatcher, 'GET', `/api/incidents/${incidentId}/recommendations`)).body as RecommendationView[];
  unitId = recs[0]!.unitId;
  expect((await call(app.url!, admin, 'POST', '/api/field-units/crew-wu', { unitId })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

async function openField(user: string, viewport = { width: 390, height: 844 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  const errors = collectErrors(page);
  await page.goto(new URL('field.html', app.url!).href);
  await signIn(page, user, `${user} password 1`);
  await page.waitForFunction(() => window.__field?.ready === true, undefined, { timeout: 30_000 });
  return { page, errors };
}

/** The status buttons the page enables. */
const enabled = (page: Page) =>
  page.locator('.field-status-button:not([disabled])').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.status));

describe('the field page on a phone', () => {
  it('shows the assignment and moves the unit with the big buttons, in Chinese on the city clock, then in English', async () => {
    const { page, errors } = await openField('crew-wu');
    expect(await page.getByTestId('field-title').innerText()).toBe('外勤终端');
    await expect.poll(() => page.getByTestId('field-no-assignment').isVisible()).toBe(true);
    expect(await page.getByTestId('field-no-assignment').innerText()).toBe('暂无任务');
    expect(await enabled(page)).toEqual([]);
    await page.waitForFunction(() => window.__field!.mapDrawn(), undefined, { timeout: 30_000 });
    await saveScreenshot(page, 'test-results/field-390x844-idle.png');

    expect((await call(app.url!, dispatcher, 'POST', `/api/incidents/${incidentId}/dispatch`, { unitIds: [unitId] })).status).toBe(200);
    await page.evaluate(() => window.__field!.refresh());
    expect(await page.getByTestId('field-incident-type').innerText()).toBe('道路积水');
    expect(await page.getByTestId('field-severity').innerText()).toMatch(/^\d级$/);
    const crew = await login(app.url!, 'crew-wu', 'crew-wu password 1');
    const a = (await call(app.url!, crew, 'GET', '/api/field/assignment')).body as FieldAssignmentResponse;
    expect(await page.getByTestId('field-dispatched-at').innerText()).toBe(
      formatCityDateTime(a.assignment!.dispatchedAt!, 'Asia/Shanghai').slice(5, 16),
    );
    expect(await page.getByTestId('field-eta').innerText()).toMatch(/^\d\d:\d\d（约 \d+ 分钟）$/);
    expect(await page.getByTestId('field-timezone').innerText()).toBe('时间：Asia/Shanghai（UTC+8）');
    expect(await enabled(page)).toEqual(['en_route']);
    // Touch targets: every status button and the header's buttons at least 48 px high.
    const heights = await page
      .locator('.field-status-button, .field-small-button, .field-lang')
      .evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height));
    expect(heights.length).toBe(6);
    for (const height of heights) expect(height).toBeGreaterThanOrEqual(48);
    // The route and the incident are on the map.
    await page.waitForFunction(() => window.__field!.mapDrawn(), undefined, { timeout: 30_000 });
    await saveScreenshot(page, 'test-results/field-390x844-dispatched.png');

    for (const [button, status, next] of [
      ['en_route', 'en_route', ['on_scene']],
      ['on_scene', 'on_scene', ['returning']],
      ['returning', 'returning', ['available']],
    ] as const) {
      await page.getByTestId(`status-${button}`).click();
      await expect.poll(() => page.evaluate(() => window.__field!.status())).toBe(status);
      expect(app.dispatch!.unit(unitId)!.status).toBe(status);
      expect(await enabled(page)).toEqual(next);
    }
    expect(await page.getByTestId('field-feedback').innerText()).toBe('已更新为：返回');

    await page.getByTestId('language-toggle').click();
    expect(await page.getByTestId('field-title').innerText()).toBe('Field unit');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.getByTestId('status-available').innerText()).toBe('Available');
    expect(await page.getByTestId('field-timezone').innerText()).toBe('Times: Asia/Shanghai (UTC+8)');
    // The server's answer to the change is held until the page has read the assignment (as its
    // poll does) with the unit already available: that read does not show the new status ahead
    // of the change's notice; the answer, once let through, shows both.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let applied!: () => void;
    const changed = new Promise<void>((r) => {
      applied = r;
    });
    await page.route('**/api/field/status', async (route) => {
      const response = await route.fetch();
      applied();
      await held;
      await route.fulfill({ response });
    });
    await page.getByTestId('status-available').click();
    await changed;
    expect(app.dispatch!.unit(unitId)!.status).toBe('available');
    await page.evaluate(() => window.__field!.refresh());
    expect(await page.evaluate(() => window.__field!.status())).toBe('returning');
    expect(await page.getByTestId('field-feedback').innerText()).toBe('');
    release();
    await expect.poll(() => page.evaluate(() => window.__field!.status())).toBe('available');
    await page.unroute('**/api/field/status');
    expect(await page.getByTestId('field-no-assignment').innerText()).toBe('No assignment');
    expect(await page.getByTestId('field-feedback').innerText()).toBe('Status set: Available');
    await saveScreenshot(page, 'test-results/field-390x844-en-available.png');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lays the page out beside the map on a wide screen', async () => {
    expect((await call(app.url!, dispatcher, 'POST', `/api/incidents/${incidentId}/dispatch`, { unitIds: [unitId] })).status).toBe(200);
    const { page, errors } = await openField('crew-wu', { width: 1920, height: 1080 });
    await page.evaluate(() => window.__field!.setLanguage('zh'));
    await expect.poll(() => page.evaluate(() => window.__field!.hasAssignment())).toBe(true);
    await page.waitForFunction(() => window.__field!.mapDrawn(), undefined, { timeout: 30_000 });
    const [side, map] = await Promise.all(
      ['.field-side', '.field-map'].map((s) => page.locator(s).evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect)),
    );
    expect(map!.left).toBeGreaterThanOrEqual(side!.right);
    expect(map!.height).toBeGreaterThan(600);
    await saveScreenshot(page, 'test-results/field-1920x1080.png');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("takes a crew who signs in at the console's address to its field page", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors = collectErrors(page);
    await page.goto(app.url!);
    await signIn(page, 'crew-wu', 'crew-wu password 1');
    await page.waitForURL(/\/field\.html$/, { timeout: 30_000 });
    await page.waitForFunction(() => window.__field?.ready === true, undefined, { timeout: 30_000 });
    expect(await page.getByTestId('field-unit').innerText()).toContain(app.dispatch!.unit(unitId)!.nameZh);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps the page and says so, in either language, when the server does not end the session on sign-out', async () => {
    const { page, errors } = await openField('crew-wu');
    await page.evaluate(() => window.__field!.setLanguage('zh'));
    await checkRefusedSignOut({
      page,
      signOut: page.getByTestId('sign-out'),
      error: page.getByTestId('sign-out-error'),
      toEnglish: () => page.evaluate(() => window.__field!.setLanguage('en')),
      stillThere: () => page.evaluate(() => window.__field!.ready === true),
      loginShown: () => page.getByTestId('login-username').waitFor({ timeout: 30_000 }),
      screenshot: 'test-results/field-390x844-sign-out-failed.png',
      width: 390,
    });
    expect(errors.filter((e) => !SIGN_OUT_CHECK_ERRORS.test(e))).toEqual([]);
    await page.close();
  });

  it('tells a crew bound to no unit, and a dispatcher, what the page is for', async () => {
    const none = await openField('crew-none');
    expect(await none.page.getByTestId('field-message').innerText()).toBe('您的账号尚未绑定处置单位，请联系管理员。');
    expect(await none.page.getByTestId('field-unit').innerText()).toBe('crew-none');
    expect(await none.page.locator('.field-status-button:visible').count()).toBe(0);
    await saveScreenshot(none.page, 'test-results/field-390x844-unbound.png');
    await none.page.close();
    const desk = await openField('desk-li');
    expect(await desk.page.getByTestId('field-message').innerText()).toBe('此页面仅供现场队伍使用（需要“现场队伍”角色）。');
    await desk.page.close();
  });
});
