/**
 * The case desk (`cases.html`) in real Chromium against the running product: a department's
 * handler signs in, sees only its department's cases in Chinese with times in Wuhan time, opens
 * one, accepts it and replies with the big buttons; the dispatch desk sees every case, filters the
 * overdue ones (the case desk's clock moved on through RuntimeHooks.caseNow), closes the replied
 * case and records the citizen's rating, in English; both pages follow the socket's `case` events
 * live (a department's page only its own cases, and drops one its department returned); a leader
 * is told the page is not for it.
 * Screenshots go to test-results/cases-*.png.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { formatCityDateTime } from '../web/client/i18n/format.ts';
import type { CaseIntakeResponse } from '../web/shared/case-protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot, signIn } from './support/browser.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';
import { checkRefusedSignOut, SIGN_OUT_CHECK_ERRORS } from './support/sign-out-refused.ts';

import type {} from '../web/client/cases/cases-main.ts'; // declares window.__cases

const WATER = '武汉市水务局';
/** A department no case of this test is routed to. */
const GAS = '武汉市燃气集团';
const dir = tempDir('cases-browser');
let app: RunningCityTwin;
let browser: Browser;
let admin: string;
let clockAhead = 0;
const made: Record<string, CaseIntakeResponse> = {};
const receivedAt = Date.now() - 60_000;
mkdirSync('test-results', { recursive: true });

async function account(username: string, roles: string[], department?: string): Promise<void> {
  expect((await call(app.url!, admin, 'POST', '/api/users', { username, roles, password: `${username} password 1` })).status).toBe(200);
  if (department) expect((await call(app.url!, admin, 'POST', `/api/case-departments/${username}`, { department })).status).toBe(200);
}

async function submit(externalId: string, category: string, text: string): Promise<CaseIntakeResponse> {
  const res = await call(app.url!, admin, 'POST', '/api/cases', {
    externalId,
    category,
    text,
    caller: { name: '王女士', phone: '13700001111' },
    lng: 114.2712,
    lat: 30.6012,
    address: '沿江大道 1 号',
    receivedAt,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as CaseIntakeResponse;
}

beforeAll(async () => {
  app = await startTestCity(dir.path, {}, { caseNow: () => Date.now() + clockAhead });
  browser = await launchChromium();
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  await account('water-wang', ['department'], WATER);
  await account('desk-zhang', ['dispatcher']);
  await account('lead-zhao', ['leader']);
  await account('gas-li', ['department'], GAS);
  made.water = await submit('B-1', 'waterlogging', '地下通道积水过膝');
  made.traffic = await submit('B-2', 'traffic', '信号灯故障');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

async function openDesk(
  user: string,
  password: string,
  viewport = { width: 1440, height: 900 },
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors = collectErrors(page);
  await page.goto(new URL('cases.html', app.url!).href);
  await signIn(page, user, password);
  await page.waitForFunction(() => window.__cases?.ready === true, undefined, { timeout: 30_000 });
  return { page, errors };
}

const statusOf = (page: Page) => page.getByTestId('case-status').innerText();

it("takes a department's handler who signs in at the console's address to the case desk (no live map to show it)", async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = collectErrors(page);
  await page.goto(app.url!);
  await page.getByTestId('login-username').fill('water-wang');
  await page.getByTestId('login-password').fill('water-wang password 1');
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/\/cases\.html$/, { timeout: 30_000 });
  await page.waitForFunction(() => window.__cases?.ready === true, undefined, { timeout: 30_000 });
  expect(await page.getByTestId('cases-mine').innerText()).toBe(`本部门：${WATER}`);
  expect(errors).toEqual([]);
  await page.close();
});

describe('the case desk page', () => {
  it("lets a department's handler see only its cases, accept one and reply, in Chinese with Wuhan times", async () => {
    const { page, errors } = await openDesk('water-wang', 'water-wang password 1');
    expect(await page.getByTestId('cases-title').innerText()).toBe('热线工单（民呼我应 12345）');
    expect(await page.getByTestId('cases-mine').innerText()).toBe(`本部门：${WATER}`);
    // Whose clock the times are on: the city's, by its name and offset.
    expect(await page.getByTestId('cases-timezone').innerText()).toMatch(/^时间均为武汉.*时间（UTC\+8）$/);
    const ids = await page.getByTestId('case-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-case')));
    expect(ids).toEqual([made.water!.caseId]);

    await page.locator(`[data-case="${made.water!.caseId}"]`).click();
    await page.getByTestId('case-text').waitFor();
    expect(await page.getByTestId('case-text').innerText()).toContain('地下通道积水过膝');
    expect(await page.getByTestId('case-caller').innerText()).toContain('13700001111');
    expect(await page.getByTestId('case-received').innerText()).toContain(formatCityDateTime(receivedAt, 'Asia/Shanghai'));
    expect(await statusOf(page)).toBe('已派单');

    await page.getByTestId('case-cmd-accept').click();
    await waitFor('accepted', async () => (await statusOf(page)) === '已签收');
    // A reply without words is refused by the server, worded in the page's language.
    await page.getByTestId('case-cmd-reply').click();
    await waitFor('the refusal shown', async () => (await page.getByTestId('case-notice').innerText()).startsWith('未执行'));
    await page.getByTestId('case-input-reply').fill('已安排泵车，积水已排除');
    await page.getByTestId('case-cmd-reply').click();
    await waitFor('replied', async () => (await statusOf(page)) === '已答复');
    const steps = await page.getByTestId('case-step').evaluateAll((li) => li.map((x) => x.getAttribute('data-what')));
    expect(steps).toEqual(['received', 'assigned', 'accepted', 'replied']);
    // The product's own actors in words, not their internal names.
    const who = await page.locator('[data-testid="case-step"] .case-step-who').allInnerTexts();
    expect(who.slice(0, 2)).toEqual(['12345 热线系统', '自动派单']);
    await saveScreenshot(page, 'test-results/cases-department.png');
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await page.close();
  });

  it('lets the dispatch desk filter overdue cases, close the replied one and record the rating, in English', async () => {
    // The traffic case's accept limit (30 min) passes on the desk's clock.
    clockAhead = 31 * 60_000;
    expect(app.cases!.tick().some((e) => e.caseId === made.traffic!.caseId && e.type === 'case_overdue')).toBe(true);
    const { page, errors } = await openDesk('desk-zhang', 'desk-zhang password 1');
    expect(await page.evaluate(() => window.__cases!.rowCount())).toBe(2);
    await page.evaluate(() => window.__cases!.setLanguage('en'));
    expect(await page.getByTestId('cases-title').innerText()).toBe('Hotline cases (12345)');

    await page.getByTestId('cases-filter-overdue').selectOption('yes');
    await waitFor('only the overdue case', async () => (await page.evaluate(() => window.__cases!.rowCount())) === 1);
    expect(await page.getByTestId('case-row').getAttribute('data-case')).toBe(made.traffic!.caseId);
    expect(await page.getByTestId('case-overdue-badge').innerText()).toBe('Overdue');

    await page.getByTestId('cases-filter-overdue').selectOption('');
    await page.getByTestId('cases-filter-status').selectOption('replied');
    await waitFor('the replied case', async () => (await page.evaluate(() => window.__cases!.rowCount())) === 1);
    await page.locator(`[data-case="${made.water!.caseId}"]`).click();
    await page.getByTestId('case-cmd-close').waitFor();
    // The department in English (the source catalogue's department_en), on the row and in the case.
    expect(await page.getByTestId('case-row-department').innerText()).toBe('Wuhan Water Authority');
    expect(await page.getByTestId('case-department').innerText()).toContain('Wuhan Water Authority');
    expect(await page.getByTestId('case-step').nth(1).innerText()).toContain('→ Wuhan Water Authority');
    await page.getByTestId('case-cmd-close').click();
    await waitFor('closed', async () => (await statusOf(page)) === 'Closed');
    await page.getByTestId('case-cmd-feedback-5').click();
    await waitFor('rated', async () => (await page.getByTestId('case-satisfaction').innerText()).includes('5/5'));
    const last = await page.getByTestId('case-step').last().getAttribute('data-what');
    expect(last).toBe('feedback');
    await saveScreenshot(page, 'test-results/cases-desk.png');
    expect(errors).toEqual([]);
    clockAhead = 0;
    await page.close();
  });

  it("updates the desk's and a department's pages live, each with what it may see", async () => {
    const water = await openDesk('water-wang', 'water-wang password 1');
    const desk = await openDesk('desk-zhang', 'desk-zhang password 1');
    for (const { page } of [water, desk]) await page.waitForFunction(() => window.__cases!.live(), undefined, { timeout: 30_000 });
    const rowIds = (page: Page) => page.getByTestId('case-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-case') ?? ''));
    // The traffic case first: when the water case is on the water page, the traffic case's event has come and gone.
    const traffic = await submit('B-4', 'traffic', '路口拥堵');
    const flooded = await submit('B-3', 'waterlogging', '涵洞积水');
    await waitFor('both new cases on the desk page', async () => {
      const ids = await rowIds(desk.page);
      return ids.includes(traffic.caseId) && ids.includes(flooded.caseId);
    });
    await waitFor('the water case on the water page', async () => (await rowIds(water.page)).includes(flooded.caseId));
    expect(await rowIds(water.page)).not.toContain(traffic.caseId);
    expect(await water.page.locator(`[data-case="${flooded.caseId}"]`).getAttribute('data-status')).toBe('assigned');

    // The water authority returns it: gone from its page, returned on the desk's.
    const handler = await login(app.url!, 'water-wang', 'water-wang password 1');
    const returned = await call(app.url!, handler, 'POST', `/api/cases/${flooded.caseId}/commands`, {
      command: 'return',
      reason: '属小区内部',
    });
    expect(returned.status, JSON.stringify(returned.body)).toBe(200);
    await waitFor('returned on the desk page', async () => {
      return (await desk.page.locator(`[data-case="${flooded.caseId}"]`).getAttribute('data-status')) === 'returned';
    });
    await waitFor('dropped from the water page', async () => !(await rowIds(water.page)).includes(flooded.caseId));
    await saveScreenshot(desk.page, 'test-results/cases-live.png');
    expect([...water.errors, ...desk.errors]).toEqual([]);
    await water.page.close();
    await desk.page.close();
  });

  it('on a 3840×1080 screen: the type of the other pages (≥ 20 px), why the list is empty under its header', async () => {
    const { page, errors } = await openDesk('desk-zhang', 'desk-zhang password 1', { width: 3840, height: 1080 });
    await page.evaluate(() => window.__cases!.setLanguage('zh'));
    const px = (testid: string) =>
      page.getByTestId(testid).evaluate((el) => Number.parseFloat(getComputedStyle(el.querySelector('th, td') ?? el).fontSize));
    expect(await px('cases-table')).toBeGreaterThanOrEqual(20);
    // The dispatch desk has the live map: its way back, no sign-out here.
    expect(await page.locator('.cases-back').isVisible()).toBe(true);
    expect(await page.getByTestId('cases-sign-out').isVisible()).toBe(false);
    // No case of this category: the message, under the table's header.
    await page.getByTestId('cases-filter-category').selectOption('noise');
    await waitFor('no case listed', async () => (await page.evaluate(() => window.__cases!.rowCount())) === 0);
    const message = page.getByTestId('cases-list-message');
    await expect.poll(() => message.innerText()).toBe('没有符合条件的工单');
    const head = (await page.locator('[data-testid="cases-table"] thead').boundingBox())!;
    const box = (await message.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(head.y + head.height - 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('on a phone, a department without cases is told there are none yet (not that none matches), and where to pick one', async () => {
    const { page, errors } = await openDesk('gas-li', 'gas-li password 1', { width: 390, height: 844 });
    await page.evaluate(() => window.__cases!.setLanguage('zh'));
    expect(await page.evaluate(() => window.__cases!.rowCount())).toBe(0);
    const message = page.getByTestId('cases-list-message');
    await expect.poll(() => message.innerText()).toBe('暂无工单。12345 热线受理的诉求派单后会列在这里。');
    // The detail is under the list on a phone: no "on the left".
    expect(await page.getByTestId('case-detail').innerText()).toBe('选择一件工单查看详情');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.evaluate(() => window.__cases!.setLanguage('en'));
    await expect.poll(() => message.innerText()).toBe('No cases yet. Requests the 12345 hotline takes are listed here once assigned.');
    expect(await page.getByTestId('case-detail').innerText()).toBe('Select a case to see its details');
    // A filter that leaves nothing is still "none matches".
    await page.getByTestId('cases-filter-overdue').selectOption('yes');
    await expect.poll(() => message.innerText()).toBe('No case matches');
    await saveScreenshot(page, 'test-results/cases-phone-empty.png');
    // Its console is this page: no way "back" that leads here again, a sign-out instead, on screen.
    expect(await page.locator('.cases-back').isVisible()).toBe(false);
    const signOut = page.getByTestId('cases-sign-out');
    expect(await signOut.innerText()).toBe('Sign out');
    expect((await signOut.boundingBox())!.x + (await signOut.boundingBox())!.width).toBeLessThanOrEqual(390);
    await signOut.click();
    await page.getByTestId('login-username').waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps the desk and says so, in either language, when the server does not end the session on sign-out', async () => {
    const { page, errors } = await openDesk('gas-li', 'gas-li password 1', { width: 390, height: 844 });
    await page.evaluate(() => window.__cases!.setLanguage('zh'));
    await checkRefusedSignOut({
      page,
      signOut: page.getByTestId('cases-sign-out'),
      error: page.getByTestId('cases-sign-out-error'),
      toEnglish: () => page.evaluate(() => window.__cases!.setLanguage('en')),
      stillThere: () => page.evaluate(() => window.__cases!.ready === true),
      loginShown: () => page.getByTestId('login-username').waitFor({ timeout: 30_000 }),
      screenshot: 'test-results/cases-sign-out-failed.png',
      width: 390,
    });
    expect(errors.filter((e) => !SIGN_OUT_CHECK_ERRORS.test(e))).toEqual([]);
    await page.close();
  });

  it('on a phone each case is a card: its reply deadline on screen under its label, nothing scrolled sideways', async () => {
    const { page, errors } = await openDesk('desk-zhang', 'desk-zhang password 1', { width: 390, height: 844 });
    await page.evaluate(() => window.__cases!.setLanguage('zh'));
    await waitFor('cases listed', async () => (await page.evaluate(() => window.__cases!.rowCount())) > 0);
    const layout = await page.evaluate(() => {
      const list = document.querySelector('.cases-list')!;
      const due = document.querySelector<HTMLElement>('[data-testid="case-row"] td:last-child')!;
      const r = due.getBoundingClientRect();
      return {
        listScrolls: list.scrollWidth > list.clientWidth,
        dueRight: r.right,
        dueVisible: r.width > 0 && r.height > 0,
        label: getComputedStyle(due, '::before').content,
      };
    });
    await saveScreenshot(page, 'test-results/cases-phone.png');
    // Before: the table scrolled sideways in its box, the received time and the deadline off screen.
    expect(layout.listScrolls).toBe(false);
    expect(layout.dueVisible).toBe(true);
    expect(layout.dueRight).toBeLessThanOrEqual(390);
    expect(layout.label).toBe('"答复时限"');
    // The title reads across the screen in English too: the way back and the language toggle go
    // onto their own line rather than squeezing it into a narrow column beside them.
    await page.evaluate(() => window.__cases!.setLanguage('en'));
    const [title, header] = await Promise.all([page.getByTestId('cases-title').boundingBox(), page.locator('.cases-header').boundingBox()]);
    expect(title!.width).toBeGreaterThan(header!.width * 0.9);
    await saveScreenshot(page, 'test-results/cases-phone-en.png');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('tells a leader the case desk is not for it', async () => {
    const { page } = await openDesk('lead-zhao', 'lead-zhao password 1');
    await page.evaluate(() => window.__cases!.setLanguage('zh'));
    expect(await page.getByTestId('cases-denied').innerText()).toBe('此页面仅供派单席、部门办理人员及值班人员使用。');
    expect(await page.getByTestId('case-row').count()).toBe(0);
    await page.close();
  });
});
