/**
 * The administration page (`admin.html`) in real Chromium on the running product (`citytwin all`,
 * embedded broker and ClickHouse): an admin finds it in the console's user menu; creates an
 * account, seeing the server's refusals at the field they are about; binds the department
 * handler to a department and resets its password (the one shown once signs in); mints a display
 * token, shown once with its wall address; the address opens the console as a wall display, and
 * revoking the token on the page sends that screen back to the sign-in page. The security log
 * lists the revocation. An operator opening the page is told it is not theirs and gets no
 * control; the server refuses the routes anyway. Screenshots at 1920×1080 and 390×844 go to
 * /tmp/r-admin/admin-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, openSignedInConsole, saveScreenshot, signIn } from './support/browser.ts';
import { browserCity } from './support/browser-city.ts';

import type {} from '../web/client/admin/admin-main.ts'; // declares window.__admin

const OPERATOR_PASSWORD = 'operator password 1';
const SHOTS = '/tmp/r-admin';
const city = browserCity('admin-browser');
let base: string;
let browser: Browser;
let admin: string;

beforeAll(async () => {
  ({ base, browser, admin } = await city.start());
  const op = await call(base, admin, 'POST', '/api/users', { username: 'op-qian', roles: ['operator'], password: OPERATOR_PASSWORD });
  expect(op.status).toBe(200);
}, 120_000);

afterAll(() => city.close());

async function openAdmin(page: Page, username: string, password: string): Promise<void> {
  await page.goto(new URL('admin.html', base).href);
  await signIn(page, username, password);
  await page.waitForFunction(() => window.__admin?.ready === true, undefined, { timeout: 30_000 });
}

describe('the administration page', () => {
  it('is in the user menu of an admin', async () => {
    const { page, errors } = await openSignedInConsole(browser, base, TEST_ADMIN_PASSWORD);
    await page.getByTestId('user-menu').click();
    await expect.poll(() => page.getByTestId('admin-link').getAttribute('href')).toBe('./admin.html');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('lets an admin create an account, bind it, reset its password, and mint and revoke a display token', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await openAdmin(page, 'admin', TEST_ADMIN_PASSWORD);
    const city = (await call(base, admin, 'GET', '/api/city')).body as { timezone: string };
    expect(await page.getByTestId('admin-timezone').textContent()).toContain(city.timezone);
    await expect.poll(() => page.locator('[data-testid="user-row"][data-user="admin"]').count()).toBe(1);

    // The server's refusals land at their fields: a user name outside the pattern, then a common password.
    await page.getByTestId('new-username').fill('Zhao Li');
    await page.getByTestId('new-roles').locator('[data-role="department"]').check();
    await page.getByTestId('new-password').fill('long enough pass phrase');
    await page.getByTestId('new-user-submit').click();
    await expect.poll(() => page.getByTestId('error-username').isVisible()).toBe(true);
    expect(await page.getByTestId('error-username').textContent()).toMatch(/Zhao Li|a-z0-9/);
    await page.getByTestId('new-username').fill('zhao-li');
    await page.getByTestId('new-password').fill('password2024!');
    await page.getByTestId('new-user-submit').click();
    await expect.poll(() => page.getByTestId('error-password').isVisible()).toBe(true);
    expect(await page.getByTestId('error-password').textContent()).toContain('常见');
    expect(await page.getByTestId('error-username').isVisible()).toBe(false);
    await page.getByTestId('new-password-generate').click();
    expect((await page.getByTestId('new-password').inputValue()).length).toBe(16);
    await page.getByTestId('new-user-submit').click();
    const row = page.locator('[data-testid="user-row"][data-user="zhao-li"]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByTestId('user-roles').textContent()).toBe('部门处置人');

    // The new account is open in the editor: bind it to a department.
    await expect.poll(() => page.getByTestId('user-editor').getAttribute('data-user')).toBe('zhao-li');
    const departments = (await call(base, admin, 'GET', '/api/case-departments')).body as { departments: string[] };
    const department = departments.departments[0]!;
    await page.getByTestId('bind-department').selectOption(department);
    await page.getByTestId('bind-department-save').click();
    await expect.poll(() => row.getByTestId('user-binding').textContent()).toBe(department);
    const bound = (await call(base, admin, 'GET', '/api/case-departments')).body as {
      bindings: Array<{ username: string; department: string }>;
    };
    expect(bound.bindings.find((b) => b.username === 'zhao-li')?.department).toBe(department);

    // With the field role too, the account is bound to a response unit.
    await page.getByTestId('edit-roles').locator('[data-role="field"]').check();
    await page.getByTestId('edit-save-roles').click();
    await expect.poll(() => row.getByTestId('user-roles').textContent()).toBe('部门处置人、现场队伍');
    const unit = ((await call(base, admin, 'GET', '/api/units')).body as Array<{ id: string; nameZh: string; nameEn: string }>)[0]!;
    const unitId = unit.id;
    await page.getByTestId('bind-unit').selectOption(unitId);
    await page.getByTestId('bind-unit-save').click();
    // The unit by its name, not its id (no codes in the zh-CN page); the id is the cell's tooltip.
    await expect.poll(() => row.getByTestId('user-binding').textContent()).toBe(`${department} · ${unit.nameZh}`);
    expect(await row.getByTestId('user-binding').getAttribute('title')).toBe(unitId);
    expect(await page.getByTestId('bind-unit').locator(`option[value="${unitId}"]`).textContent()).toBe(unit.nameZh);
    const units = (await call(base, admin, 'GET', '/api/field-units')).body as { bindings: Array<{ username: string; unitId: string }> };
    expect(units.bindings.find((b) => b.username === 'zhao-li')?.unitId).toBe(unitId);

    // A reset password is shown once, and it is the account's password now.
    await page.getByTestId('edit-reset-password').click();
    await expect.poll(() => page.getByTestId('reset-password-value').inputValue()).toHaveLength(16);
    const resetTo = await page.getByTestId('reset-password-value').inputValue();
    expect((await login(base, 'zhao-li', resetTo)).startsWith('cts_')).toBe(true);
    // That sign-in is the account's last one.
    await page.getByTestId('users-refresh').click();
    await expect.poll(() => row.locator('td').nth(4).textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const cellSize = await row
      .locator('td')
      .first()
      .evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
    expect(cellSize).toBeGreaterThanOrEqual(14);
    await saveScreenshot(page, `${SHOTS}/admin-users-1920x1080.png`);

    // A display token: shown once, with the wall address it goes into.
    await page.getByTestId('admin-tab-tokens').click();
    await page.waitForFunction(() => window.__admin?.tab() === 'tokens');
    await page.getByTestId('token-name').fill('指挥大厅 1 号屏');
    await page.getByTestId('token-ttl').fill('30');
    await page.getByTestId('token-password').fill(TEST_ADMIN_PASSWORD);
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByTestId('token-secret').count()).toBe(1);
    const token = await page.getByTestId('token-secret').inputValue();
    expect(token).toMatch(/^ctd_/);
    const wall = await page.getByTestId('token-wall-url').inputValue();
    expect(wall).toBe(`${base.replace(/\/$/, '')}/?display=${token}&kiosk=1`);
    const tokenRow = page.locator('[data-testid="token-row"][data-kind="display"]');
    await expect.poll(() => tokenRow.count()).toBe(1);
    const tokenId = await tokenRow.getAttribute('data-token');
    await saveScreenshot(page, `${SHOTS}/admin-tokens-1920x1080.png`);

    // The address opens the console as a wall display, with no sign-in.
    const wallContext = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const wallPage = await wallContext.newPage();
    await wallPage.goto(wall);
    await wallPage.waitForFunction(() => document.body.dataset.auth === 'display', undefined, { timeout: 30_000 });

    // Revoking it on the page ends that screen: back to the sign-in page.
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId(`token-revoke-${tokenId}`).click();
    await expect.poll(() => page.locator(`[data-testid="token-row"][data-token="${tokenId}"]`).count()).toBe(0);
    await wallPage.waitForFunction(() => document.body.dataset.auth === 'login', undefined, { timeout: 30_000 });
    expect(await wallPage.getByTestId('login-submit').isVisible()).toBe(true);
    await wallContext.close();
    // The secret is never shown again.
    await page.getByTestId('token-issued-dismiss').click();
    expect(await page.content()).not.toContain(token);

    // A personal API token: roles the admin holds, no wall address; it works as a bearer token.
    await page.getByTestId('token-kind').selectOption('token');
    await page.getByTestId('token-name').fill('nightly export');
    await page.getByTestId('token-password').fill(TEST_ADMIN_PASSWORD);
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByTestId('token-issued').getAttribute('data-kind')).toBe('token');
    const apiToken = await page.getByTestId('token-secret').inputValue();
    expect(apiToken).toMatch(/^ctw_/);
    expect(await page.getByTestId('token-wall-url').count()).toBe(0);
    expect((await call(base, apiToken, 'GET', '/api/auth/me')).body.via).toBe('token');

    // The security log has the revocation.
    await page.getByTestId('admin-tab-events').click();
    await expect.poll(() => page.locator('[data-testid="event-row"][data-type="token_revoked"]').count()).toBeGreaterThan(0);
    await page.getByTestId('admin-tab-users').click();
    await page.setViewportSize({ width: 390, height: 844 });
    // On a phone each account is a card of labelled lines: nothing scrolls sideways (before, the
    // state, the last sign-in and the actions were off to the side of a scrolled table).
    const phone = await page.evaluate(() => {
      const wrap = document.querySelector('[data-testid="users-table"]')!.parentElement!;
      const cells = [...document.querySelectorAll<HTMLElement>('[data-testid="users-table"] tbody tr:first-child td')];
      return {
        scrolls: wrap.scrollWidth > wrap.clientWidth,
        right: Math.max(...cells.map((c) => c.getBoundingClientRect().right)),
        labels: cells.map((c) => getComputedStyle(c, '::before').content),
      };
    });
    expect(phone.scrolls).toBe(false);
    expect(phone.right).toBeLessThanOrEqual(390);
    expect(phone.labels.slice(0, 5)).toEqual(['"用户名"', '"角色"', '"部门 / 单位"', '"状态"', '"最近登录"']);
    // The way back and the language toggle follow the title's lines at once: no empty band
    // between the subtitle and 返回控制台 (the title's column once took a 16rem basis as its height).
    const header = await page.evaluate(() => {
      const text = document.querySelector('.ops-header > :first-child')!;
      const last = [...text.children].at(-1)!.getBoundingClientRect();
      return {
        textBox: text.getBoundingClientRect().height,
        textLines: last.bottom - text.getBoundingClientRect().top,
        gap: document.querySelector('.ops-header-right')!.getBoundingClientRect().top - last.bottom,
      };
    });
    expect(header.textBox).toBeLessThanOrEqual(header.textLines + 1);
    expect(header.gap).toBeGreaterThanOrEqual(0);
    expect(header.gap).toBeLessThanOrEqual(24);
    // The name opens the account.
    await page.getByTestId('user-open-op-qian').click();
    await expect.poll(() => page.getByTestId('user-editor').getAttribute('data-user')).toBe('op-qian');
    await saveScreenshot(page, `${SHOTS}/admin-users-390x844.png`);
    await page.getByTestId('admin-tab-tokens').click();
    await page.evaluate(() => window.__admin?.setLanguage('en'));
    await saveScreenshot(page, `${SHOTS}/admin-tokens-390x844-en.png`);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.getByTestId('admin-tab-events').click();
    await saveScreenshot(page, `${SHOTS}/admin-events-1920x1080-en.png`);
    // In English the binding is the department's and the unit's English names.
    await page.getByTestId('admin-tab-users').click();
    const namesEn = (await call(base, admin, 'GET', '/api/case-departments')).body as {
      namesEn: Array<{ department: string; nameEn: string }>;
    };
    const departmentEn = namesEn.namesEn.find((n) => n.department === department)!.nameEn;
    await expect.poll(() => row.getByTestId('user-binding').textContent()).toBe(`${departmentEn} · ${unit.nameEn}`);
    // The two refusals the test provoked are the only failed requests.
    expect(errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([]);
    expect(errors.length).toBe(2);
    await context.close();
  }, 180_000);

  it('refuses an operator: words, no controls; the server refuses the routes too', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await openAdmin(page, 'op-qian', OPERATOR_PASSWORD);
    expect(await page.evaluate(() => window.__admin?.allowed)).toBe(false);
    expect(await page.getByTestId('admin-denied').textContent()).toContain('仅限管理员');
    expect(await page.getByTestId('admin-tabs').count()).toBe(0);
    expect(await page.locator('#admin-app input, #admin-app select, #admin-app form').count()).toBe(0);
    await saveScreenshot(page, `${SHOTS}/admin-refused-1920x1080.png`);
    const operator = await login(base, 'op-qian', OPERATOR_PASSWORD);
    expect((await call(base, operator, 'GET', '/api/users')).status).toBe(403);
    expect((await call(base, operator, 'GET', '/api/auth/tokens?all=1')).status).toBe(403);
    await context.close();
  }, 90_000);
});
