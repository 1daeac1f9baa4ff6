/**
 * The login page and the console as each kind of user, in real Chromium: zh-CN by default with
 * an English toggle, a wrong password explained, a signed-in user's menu with password change
 * and sign-out, controls hidden for roles that cannot use them, a wall display opened with a
 * token and no login prompt. Screenshots go to test-results/ for review.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('login');
let app: RunningCityTwin;
let browser: Browser;
let admin: string;
mkdirSync('test-results', { recursive: true });

beforeAll(async () => {
  app = await startTestCity(dir.path, { CITYTWIN_SIMULATE: '1', CITYTWIN_SENSORS: '600', CITYTWIN_TIME_SCALE: '20' });
  browser = await launchChromium();
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  await call(app.url!, admin, 'POST', '/api/users', { username: 'leader-li', displayName: '李', roles: ['leader'], password: 'leader password 1' });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

async function freshPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  return { page, errors: collectErrors(page) };
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

describe('the login page', () => {
  it('shows a zh-CN login page, explains a wrong password, switches to English', async () => {
    const { page, errors } = await freshPage();
    await page.goto(app.url!);
    await expect.poll(() => page.getByTestId('login-form').isVisible()).toBe(true);
    expect(await page.getByTestId('login-form').innerText()).toContain('用户名');
    expect(await page.evaluate(() => window.__citytwin)).toBeUndefined();
    await page.screenshot({ path: 'test-results/login-zh.png' });
    await signIn(page, 'admin', 'not the password');
    await expect.poll(() => page.getByTestId('login-error').innerText()).toBe('用户名或密码错误');
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.getByTestId('login-form').innerText()).toContain('User name');
    await page.screenshot({ path: 'test-results/login-en.png' });
    await page.getByTestId('language-toggle').click();
    // The 401 of the first /api/auth/me and of the wrong password are expected console noise.
    expect(errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
    await page.context().close();
  });

  it('signs an admin in, shows the user menu, signs out', async () => {
    const { page } = await freshPage();
    await page.goto(app.url!);
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    expect(await page.getByTestId('user-menu').innerText()).toContain('admin');
    await page.getByTestId('user-menu').click();
    expect(await page.getByTestId('change-password').isVisible()).toBe(true);
    await page.screenshot({ path: 'test-results/console-admin-menu.png' });
    await page.getByTestId('logout').click();
    await expect.poll(() => page.getByTestId('login-form').isVisible(), { timeout: 10_000 }).toBe(true);
    // The cookie is gone: a reload stays on the login page.
    await page.reload();
    await expect.poll(() => page.getByTestId('login-form').isVisible()).toBe(true);
    await page.context().close();
  });

  it('shows a leader the live map without the history they may not read beyond clearance', async () => {
    const { page } = await freshPage();
    await page.goto(app.url!);
    await signIn(page, 'leader-li', 'leader password 1');
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    const leaderCount = await page.evaluate(() => window.__citytwin!.sensorCount());
    const all = app.twin!.state.sensors.length;
    // Sensitive sources (emergency departments, city-code scans) are not on a leader's map.
    expect(leaderCount).toBeGreaterThan(0);
    expect(leaderCount).toBeLessThan(all);
    expect(await page.getByTestId('user-area').getAttribute('data-roles')).toBe('leader');
    await page.screenshot({ path: 'test-results/console-leader.png' });
    await page.context().close();
  });

  it('opens a wall display from a token with no login prompt, read-only, public data only', async () => {
    const created = await call(app.url!, admin, 'POST', '/api/auth/tokens', { name: 'hall wall', kind: 'display', password: TEST_ADMIN_PASSWORD });
    const { page, errors } = await freshPage();
    await page.goto(`${app.url!}?display=${created.body.token}`);
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    expect(await page.getByTestId('login-form').count()).toBe(0);
    expect(page.url()).not.toContain('display=');
    expect(await page.getByTestId('user-menu').isDisabled()).toBe(true);
    const shown = await page.evaluate(() => window.__citytwin!.sensorCount());
    const publicCount = app.twin!.state.sensors.filter((s) => app.twin!.stream.classify(s) === 'public').length;
    expect(shown).toBe(publicCount);
    // No history chart for a display, even on a click.
    const id = app.twin!.state.sensors.find((s) => app.twin!.stream.classify(s) === 'public')!.id;
    await page.evaluate((sid) => window.__citytwin!.selectSensor(sid), id);
    await expect.poll(() => page.getByTestId('sensor-panel').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('sensor-name').innerText()).not.toBe('');
    expect(await page.getByTestId('sensor-chart').isVisible()).toBe(false);
    await page.screenshot({ path: 'test-results/console-display.png' });
    // Revoking the token takes the wall screen off the stream.
    await call(app.url!, admin, 'DELETE', `/api/auth/tokens/${created.body.info.id}`);
    await expect.poll(() => page.getByTestId('login-form').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
    await page.context().close();
  });
});
