/**
 * The login page and the console as each kind of user, in real Chromium: zh-CN by default with
 * an English toggle, a wrong password explained, a signed-in user's menu with password change
 * and sign-out, controls hidden for roles that cannot use them, a wall display opened with a
 * token and no login prompt; the password dialog words the policy's refusals and keeps the
 * user signed in after a change; a page on another port of the same host can neither read the
 * stream nor log the user out with their cookie. Screenshots go to test-results/ for review.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';
import { checkRefusedSignOut, SIGN_OUT_CHECK_ERRORS } from './support/sign-out-refused.ts';

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
  await call(app.url!, admin, 'POST', '/api/users', {
    username: 'leader-li',
    displayName: '李',
    roles: ['leader'],
    password: 'leader password 1',
  });
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
    await saveScreenshot(page, 'test-results/login-zh.png');
    await signIn(page, 'admin', 'not the password');
    await expect.poll(() => page.getByTestId('login-error').innerText()).toBe('用户名或密码错误');
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.getByTestId('login-form').innerText()).toContain('User name');
    await saveScreenshot(page, 'test-results/login-en.png');
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
    await saveScreenshot(page, 'test-results/console-admin-menu.png');
    // Labelled in zh-CN with the full-width colon.
    expect(await page.getByTestId('user-menu-list').innerText()).toContain('角色：管理员');
    // Escape closes it, the focus back on its button; it opens again.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('change-password').isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('user-menu');
    await page.getByTestId('user-menu').click();
    await page.getByTestId('logout').click();
    await expect.poll(() => page.getByTestId('login-form').isVisible(), { timeout: 10_000 }).toBe(true);
    // The cookie is gone: a reload stays on the login page.
    await page.reload();
    await expect.poll(() => page.getByTestId('login-form').isVisible()).toBe(true);
    await page.context().close();
  });

  it('keeps the console and says so in the user menu, in either language, when the server does not end the session on sign-out', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(app.url!);
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    await page.evaluate(() => window.__citytwin!.setLanguage('zh'));
    await page.getByTestId('user-menu').click();
    await checkRefusedSignOut({
      page,
      signOut: page.getByTestId('logout'),
      // The menu stays open and says so under its 退出登录.
      error: page.getByTestId('logout-error'),
      toEnglish: () => page.evaluate(() => window.__citytwin!.setLanguage('en')),
      stillThere: async () =>
        (await page.evaluate(() => window.__citytwin?.ready === true)) && (await page.getByTestId('login-form').count()) === 0,
      loginShown: () => expect.poll(() => page.getByTestId('login-form').isVisible(), { timeout: 10_000 }).toBe(true),
      screenshot: 'test-results/console-sign-out-failed-390.png',
      width: 390,
    });
    expect(errors.filter((e) => !SIGN_OUT_CHECK_ERRORS.test(e) && !/GPU stall/.test(e))).toEqual([]);
    await context.close();
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
    await saveScreenshot(page, 'test-results/console-leader.png');
    await page.context().close();
  });

  it('opens a wall display from a token with no login prompt, read-only, public data only', async () => {
    const created = await call(app.url!, admin, 'POST', '/api/auth/tokens', {
      name: 'hall wall',
      kind: 'display',
      password: TEST_ADMIN_PASSWORD,
    });
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
    await saveScreenshot(page, 'test-results/console-display.png');
    // Revoking the token takes the wall screen off the stream.
    await call(app.url!, admin, 'DELETE', `/api/auth/tokens/${created.body.info.id}`);
    await expect.poll(() => page.getByTestId('login-form').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
    await page.context().close();
  });
});

describe('a wall opened while the server does not answer', () => {
  it('keeps its display token, says it is waiting, and opens once the server answers', async () => {
    const created = await call(app.url!, admin, 'POST', '/api/auth/tokens', {
      name: 'restart wall',
      kind: 'display',
      password: TEST_ADMIN_PASSWORD,
    });
    const { page, errors } = await freshPage();
    // As a reverse proxy answers while the server behind it restarts: the first two asks for the
    // session get a 502, then the server answers.
    let refused = 0;
    // The answer after them waits until the test has read the notice (no race with its removal).
    let release = (): void => undefined;
    const released = new Promise<void>((r) => (release = r));
    await page.route('**/api/auth/session', async (route) => {
      if (refused < 2) {
        refused++;
        return route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' });
      }
      await released;
      return route.continue();
    });
    await page.goto(`${app.url!}?display=${created.body.token}`);
    await expect.poll(() => page.getByTestId('server-waiting').isVisible()).toBe(true);
    expect(await page.getByTestId('server-waiting').innerText()).toContain('服务器暂时没有应答（HTTP 502）');
    await saveScreenshot(page, 'test-results/console-server-waiting.png');
    release();
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    expect(refused).toBe(2);
    expect(await page.getByTestId('login-form').count()).toBe(0);
    expect(await page.getByTestId('server-waiting').count()).toBe(0);
    expect(await page.evaluate(() => document.body.dataset.auth)).toBe('display');
    const publicCount = app.twin!.state.sensors.filter((s) => app.twin!.stream.classify(s) === 'public').length;
    await expect.poll(() => page.evaluate(() => window.__citytwin!.sensorCount())).toBe(publicCount);
    expect(errors.filter((e) => !/502|Bad Gateway/.test(e))).toEqual([]);
    await page.context().close();
  });
});

describe('sessions in the browser', () => {
  it('words a refused new password, and keeps the user signed in on a fresh session after a change', async () => {
    await call(app.url!, admin, 'POST', '/api/users', {
      username: 'dispatcher-wu',
      roles: ['dispatcher'],
      password: 'dispatcher password 1',
    });
    const other = await login(app.url!, 'dispatcher-wu', 'dispatcher password 1');
    const { page, errors } = await freshPage();
    await page.goto(app.url!);
    await signIn(page, 'dispatcher-wu', 'dispatcher password 1');
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    await page.getByTestId('user-menu').click();
    await page.getByTestId('change-password').click();
    expect(await page.getByTestId('password-rules').innerText()).toContain('至少 10 个字符');
    await page.getByTestId('password-current').fill('dispatcher password 1');
    await page.getByTestId('password-new').fill('aaaaaaaaaa');
    await page.getByTestId('password-dialog').locator('button[type=submit]').click();
    await expect
      .poll(() => page.getByTestId('password-status').innerText())
      .toBe('新密码不能是同一个字符重复：请使用至少 10 个不全相同的字符');
    await page.getByTestId('password-new').fill('Dispatcher-Wu2024!');
    await page.getByTestId('password-dialog').locator('button[type=submit]').click();
    await expect.poll(() => page.getByTestId('password-status').innerText()).toBe('新密码不能是用户名，也不能是用户名加上数字或符号');
    await page.getByTestId('password-new').fill('P@ssw0rd2024');
    await page.getByTestId('password-dialog').locator('button[type=submit]').click();
    await expect.poll(() => page.getByTestId('password-status').innerText()).toContain('常见或已泄露的密码');
    await saveScreenshot(page, 'test-results/password-policy-zh.png');
    await page.getByTestId('password-new').fill('east lake cherry blossom');
    await page.getByTestId('password-dialog').locator('button[type=submit]').click();
    // The console reloads on the new session cookie: signed in, no login page.
    await page.waitForEvent('load', { timeout: 15_000 });
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    expect(await page.getByTestId('login-form').count()).toBe(0);
    expect(await page.getByTestId('user-menu').innerText()).toContain('dispatcher-wu');
    // The session signed in elsewhere before the change has ended.
    expect((await call(app.url!, other, 'GET', '/api/auth/me')).status).toBe(401);
    expect(errors.filter((e) => !/401|Unauthorized|403|Forbidden|400|Bad Request/.test(e))).toEqual([]);
    await page.context().close();
  });

  it('shows the wait when sign-in is throttled', async () => {
    await call(app.url!, admin, 'POST', '/api/users', { username: 'throttled-user', roles: ['leader'], password: 'throttled password 1' });
    // Seven failures from this address, each after the wait the previous one imposed: the next
    // attempt then has to wait 8 s, long enough for the page to ask.
    let failures = 0;
    for (let i = 0; i < 20 && failures < 7; i++) {
      const res = await fetch(new URL('/api/auth/login', app.url!), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'throttled-user', password: `wrong password ${i}` }),
      });
      if (res.status === 401) failures++;
      else await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
    }
    expect(failures).toBe(7);
    const { page } = await freshPage();
    await page.goto(app.url!);
    await signIn(page, 'throttled-user', 'throttled password 1');
    await expect.poll(() => page.getByTestId('login-error').innerText()).toMatch(/^失败次数过多，请 \d+ 秒后再试$/);
    await page.getByTestId('language-toggle').click();
    await signIn(page, 'throttled-user', 'throttled password 1');
    await expect.poll(() => page.getByTestId('login-error').innerText()).toMatch(/^Too many failed attempts; try again in \d+ s$/);
    await saveScreenshot(page, 'test-results/login-throttled-en.png');
    await page.getByTestId('language-toggle').click();
    await page.context().close();
  });

  it('a page on another port of the same host can neither read the stream nor log the user out', async () => {
    const foreign: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>another service on this host</title><p>hello</p>');
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', () => r()));
    const foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;
    try {
      const { page } = await freshPage();
      await page.goto(app.url!);
      await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
      await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
      // Same browser, same cookie jar: the victim opens the other page in a new tab.
      const evil = await page.context().newPage();
      await evil.goto(foreignUrl);
      const base = app.url!;
      // The live stream through the engine.io protocol by hand: `0` open, `40` connect, `44` refused.
      const frames = await evil.evaluate(async (url) => {
        const ws = new WebSocket(`${url.replace(/^http/, 'ws')}socket.io/?EIO=4&transport=websocket`);
        const got: string[] = [];
        return new Promise<string[]>((resolve) => {
          const done = () => {
            ws.close();
            resolve(got);
          };
          ws.onmessage = (e) => {
            const text = String(e.data);
            got.push(text.slice(0, 300));
            if (text.startsWith('0')) ws.send('40');
            else if (text.startsWith('4')) done();
          };
          ws.onerror = done;
          setTimeout(done, 8000);
        });
      }, base);
      expect(frames.some((f) => f.startsWith('44') && f.includes('403'))).toBe(true);
      expect(frames.some((f) => f.startsWith('40{') || f.startsWith('42'))).toBe(false);
      // A fetch that rides the cookie, and a plain form POST.
      const fetched = await evil.evaluate(
        async (url) =>
          (await fetch(`${url}api/auth/logout`, { method: 'POST', credentials: 'include' }).catch(() => null))?.status ?? 'blocked',
        base,
      );
      expect(fetched === 'blocked' || fetched === 403).toBe(true);
      await evil.evaluate((url) => {
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = `${url}api/auth/logout`;
        document.body.appendChild(form);
        form.submit();
      }, base);
      await evil.waitForURL(`${base}api/auth/logout`);
      expect(await evil.locator('body').innerText()).toContain('refused');
      // The victim is still signed in.
      expect(await page.evaluate(async () => (await fetch('/api/auth/me')).status)).toBe(200);
      await page.context().close();
    } finally {
      await new Promise<void>((r) => foreign.close(() => r()));
    }
  });
});
