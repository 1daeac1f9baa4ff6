/**
 * The audit viewer in real Chromium: an admin finds it in the user menu and sees every action
 * with its time in the city's time zone, filters by actor, kind and time, reads the page in
 * Chinese and English, and sees tampering reported (a security event deleted behind the
 * server's back) after "verify now"; an operator has no menu item and is told the page is for
 * admins. Screenshots go to test-results/audit-*.png.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { formatCityDateTime, parseCityDateTime } from '../web/client/i18n/format.ts';
import type { AuditEntriesResponse } from '../web/shared/audit-protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot, signIn } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/audit/audit-main.ts'; // declares window.__audit
import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('audit-browser');
let app: RunningCityTwin;
let browser: Browser;
let admin: string;
mkdirSync('test-results', { recursive: true });

beforeAll(async () => {
  app = await startTestCity(dir.path);
  browser = await launchChromium();
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  await call(app.url!, admin, 'POST', '/api/users', {
    username: 'op-li',
    displayName: '李',
    roles: ['operator'],
    password: 'operator password 1',
  });
  await login(app.url!, 'op-li', 'operator password 1');
  await expect(login(app.url!, 'op-li', 'wrong password!')).rejects.toThrow(/401/);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

async function openAudit(page: Page): Promise<void> {
  await page.goto(new URL('audit.html', app.url!).href);
  await page.waitForFunction(() => window.__audit?.ready === true, undefined, { timeout: 30_000 });
}

/** Where a page signs in, and as whom (admin unless told), in a context of its own (1280×800 unless `context` says). */
interface PageOptions {
  /** Through the console's login form (map ready), or the audit page's (page ready). */
  on: 'console' | 'audit';
  as?: { username: string; password: string };
  context?: BrowserContextOptions;
}

/** Runs `test` on a signed-in page with what its console collected as errors; closes the page's context afterwards. */
async function withSignedInPage(options: PageOptions, test: (page: Page, errors: string[]) => Promise<void>): Promise<void> {
  const { username, password } = options.as ?? { username: 'admin', password: TEST_ADMIN_PASSWORD };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options.context });
  try {
    const page = await context.newPage();
    const errors = collectErrors(page);
    if (options.on === 'console') {
      await page.goto(app.url!);
      // The console starts behind the login page.
      await signIn(page, username, password);
      await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    } else {
      await page.goto(new URL('audit.html', app.url!).href);
      await signIn(page, username, password);
      await page.waitForFunction(() => window.__audit?.ready === true, undefined, { timeout: 30_000 });
    }
    await test(page, errors);
  } finally {
    await context.close();
  }
}

/** The detail of the newest `action` row on the audit page, signed in as admin: `zh` in Chinese, then `en` in English. */
async function expectDetailInEachLanguage(action: string, zh: string, en: string): Promise<void> {
  await withSignedInPage({ on: 'audit' }, async (page) => {
    await page.evaluate(() => window.__audit!.setLanguage('zh'));
    const detail = page.locator(`[data-testid="audit-row"][data-action="${action}"] td[data-col="detail"]`).first();
    await expect.poll(() => detail.innerText()).toBe(zh);
    await page.evaluate(() => window.__audit!.setLanguage('en'));
    await expect.poll(() => detail.innerText()).toBe(en);
  });
}

describe('the audit viewer', () => {
  it('shows an admin every action in city time, filters it, and reports tampering', async () => {
    // The console's user menu leads to it.
    await withSignedInPage({ on: 'console' }, async (page, errors) => {
      await page.getByTestId('user-menu').click();
      const link = page.getByTestId('audit-link');
      expect(await link.isVisible()).toBe(true);
      expect(await link.innerText()).toBe('审计记录');

      await openAudit(page);
      expect(await page.evaluate(() => window.__audit!.status())).toBe('ok');
      expect(await page.getByTestId('audit-status').getAttribute('data-state')).toBe('ok');
      expect(await page.getByTestId('audit-status-line').innerText()).toBe('校验通过');
      expect(await page.getByTestId('audit-timezone').innerText()).toContain('UTC+8');

      // The rows are the API's, newest first, each time on the city's clocks (Asia/Shanghai).
      const api = (await call(app.url!, admin, 'GET', '/api/audit/entries?limit=200')).body as AuditEntriesResponse;
      const rows = page.getByTestId('audit-row');
      await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(api.entries.length);
      const firstSeq = Number(await rows.first().getAttribute('data-seq'));
      const entry = api.entries.find((e) => e.seq === firstSeq)!;
      expect(await rows.first().locator('[data-col="time"]').innerText()).toBe(formatCityDateTime(entry.at, app.city!.timezone!));
      const failed = page.locator('[data-testid="audit-row"][data-action="login_failed"]');
      expect(await failed.count()).toBe(1);
      expect(await failed.locator('[data-col="actor"]').innerText()).toBe('op-li');
      expect(await failed.locator('[data-col="action"]').innerText()).toContain('登录失败');
      await saveScreenshot(page, 'test-results/audit-admin-zh.png', { fullPage: true });

      // Filters: the operator's actions only; then the security kind within a time range.
      await page.getByTestId('audit-filter-actor').fill('op-li');
      await page.getByTestId('audit-filter-apply').click();
      await expect
        .poll(async () => new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-actor')))))
        .toEqual(new Set(['op-li']));
      await page.getByTestId('audit-filter-reset').click();
      await page.getByTestId('audit-filter-stream').selectOption('security');
      await page.getByTestId('audit-filter-from').fill(formatCityDateTime(entry.at - 3600_000, app.city!.timezone!).slice(0, 16));
      await page.getByTestId('audit-filter-apply').click();
      await expect
        .poll(async () => new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-stream')))))
        .toEqual(new Set(['security']));
      // A time that is not one is explained, not sent.
      await page.getByTestId('audit-filter-to').fill('tomorrow');
      await page.getByTestId('audit-filter-apply').click();
      await expect.poll(() => page.getByTestId('audit-filter-error').innerText()).toContain('年-月-日');

      // English.
      await page.getByTestId('language-toggle').click();
      await expect.poll(() => page.getByTestId('audit-title').innerText()).toBe('Audit record');
      expect(await page.getByTestId('audit-status-line').innerText()).toBe('Verified');
      expect(await page.getByTestId('audit-filter-error').innerText()).toContain('year-month-day');
      await saveScreenshot(page, 'test-results/audit-admin-en.png', { fullPage: true });

      // Someone deletes the operator's login behind the server's back: "verify now" reports it.
      await app.clickhouse.command({
        query: `ALTER TABLE security_events DELETE WHERE type = 'login' AND username = 'op-li'`,
        clickhouse_settings: { mutations_sync: '1' },
      });
      await page.getByTestId('audit-verify').click();
      await expect.poll(() => page.evaluate(() => window.__audit!.status())).toBe('failed');
      const problem = page.locator('[data-testid="audit-problem"][data-stream="security"][data-kind="missing"]');
      expect(await problem.count()).toBe(1);
      expect(await problem.innerText()).toContain('Security events · deleted');
      expect(await page.getByTestId('audit-status-line').innerText()).toMatch(/^Tampering found: \d+ problem/);
      await saveScreenshot(page, 'test-results/audit-tampering-en.png', { fullPage: true });
      await page.getByTestId('language-toggle').click();
      expect(errors).toEqual([]);
    });
  });

  it('is not offered to an operator, and tells one who opens it that it is for admins', async () => {
    await withSignedInPage({ on: 'console', as: { username: 'op-li', password: 'operator password 1' } }, async (page, errors) => {
      await page.getByTestId('user-menu').click();
      expect(await page.getByTestId('user-menu-list').isVisible()).toBe(true);
      expect(await page.getByTestId('audit-link').count()).toBe(0);

      await openAudit(page);
      expect(await page.evaluate(() => window.__audit!.status())).toBe('denied');
      expect(await page.getByTestId('audit-denied').innerText()).toBe('审计记录仅限管理员查看。');
      expect(await page.getByTestId('audit-table').count()).toBe(0);
      await saveScreenshot(page, 'test-results/audit-operator.png');
      // The server refuses the data anyway.
      const token = await login(app.url!, 'op-li', 'operator password 1');
      expect((await call(app.url!, token, 'GET', '/api/audit/entries')).status).toBe(403);
      expect((await call(app.url!, token, 'GET', '/api/audit/verify')).status).toBe(403);
      expect(errors).toEqual([]);
    });
  });

  it('fits a phone: the header keeps the way back and the language toggle on screen, each entry a card of labelled lines', async () => {
    await withSignedInPage({ on: 'console', context: { viewport: { width: 390, height: 844 } } }, async (page) => {
      await openAudit(page);
      await page.waitForFunction(() => document.querySelectorAll('.audit-stream').length > 0, undefined, { timeout: 30_000 });
      const layout = await page.evaluate(() => {
        const toggle = document.querySelector('[data-testid="language-toggle"]')!.getBoundingClientRect();
        const badges = [...document.querySelectorAll('.audit-stream')].map((b) => {
          const r = b.getBoundingClientRect();
          return { height: r.height, font: Number.parseFloat(getComputedStyle(b).fontSize) };
        });
        const wrap = document.querySelector('.audit-table-wrap')!;
        const actions = [...document.querySelectorAll<HTMLElement>('td[data-col="action"]')].map((td) => ({
          width: td.getBoundingClientRect().width,
          label: getComputedStyle(td, '::before').content,
        }));
        return {
          toggleRight: toggle.right,
          pageWidth: document.documentElement.clientWidth,
          wrapWidth: wrap.clientWidth,
          badges,
          scrolls: wrap.scrollWidth > wrap.clientWidth,
          actions,
        };
      });
      // Before: the toggle was cut at the right edge, each category badge stood one character a line,
      // the record scrolled sideways and the action's words wrapped a character a line in a narrow column.
      expect(layout.toggleRight).toBeLessThanOrEqual(layout.pageWidth);
      for (const b of layout.badges) expect(b.height).toBeLessThan(b.font * 2.2);
      expect(layout.scrolls).toBe(false);
      expect(layout.actions.length).toBeGreaterThan(0);
      for (const a of layout.actions) {
        expect(a.width).toBeGreaterThan(layout.wrapWidth * 0.9);
        expect(a.label).toBe('"操作"');
      }
      await saveScreenshot(page, 'test-results/audit-phone.png');
    });
  });

  it('names a field account’s unit by its name in the page’s language, not its id', async () => {
    const units = (await call(app.url!, admin, 'GET', '/api/units')).body as Array<{ id: string; nameZh: string; nameEn: string }>;
    const unit = units[0]!;
    expect(
      (await call(app.url!, admin, 'POST', '/api/users', { username: 'crew-wu', roles: ['field'], password: 'crew-wu password 1' })).status,
    ).toBe(200);
    expect((await call(app.url!, admin, 'POST', '/api/field-units/crew-wu', { unitId: unit.id })).status).toBe(200);
    await expectDetailInEachLanguage('field_unit', unit.nameZh, unit.nameEn);
  });

  it('names a case account’s department in the page’s language when the department register has it', async () => {
    const register = (await call(app.url!, admin, 'GET', '/api/case-departments')).body as {
      namesEn: Array<{ department: string; nameEn: string }>;
    };
    const department = register.namesEn[0]!;
    expect(
      (await call(app.url!, admin, 'POST', '/api/users', { username: 'desk-wu', roles: ['department'], password: 'desk-wu password 1' }))
        .status,
    ).toBe(200);
    expect((await call(app.url!, admin, 'POST', '/api/case-departments/desk-wu', { department: department.department })).status).toBe(200);
    await expectDetailInEachLanguage('case_department', department.department, department.nameEn);
  });

  it('offers today in the city as the example times, not a fixed date, whatever the browser zone', async () => {
    // Early in the day in Wuhan it is still yesterday in New York.
    const zone = app.city!.timezone!;
    const before = formatCityDateTime(Date.now(), zone).slice(0, 10);
    await withSignedInPage({ on: 'audit', context: { timezoneId: 'America/New_York' } }, async (page) => {
      const after = formatCityDateTime(Date.now(), zone).slice(0, 10);
      const from = await page.getByTestId('audit-filter-from').getAttribute('placeholder');
      const to = await page.getByTestId('audit-filter-to').getAttribute('placeholder');
      expect([`${before} 00:00`, `${after} 00:00`]).toContain(from);
      expect(to).toBe(`${from!.slice(0, 10)} 23:59`);
    });
  });

  it('moves the example times to the new day when the page stays open past midnight in the city', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const zone = app.city!.timezone!;
    // The page's clock (not the server's) ten minutes before midnight in the city: the sign-in
    // runs on it in real time, however long it takes, well before midnight.
    const evening = Date.now();
    const dayStart = parseCityDateTime(`${formatCityDateTime(evening, zone).slice(0, 10)} 00:00`, zone)!;
    const midnight = dayStart + 24 * 3600_000;
    await page.clock.install({ time: midnight - 600_000 });
    await page.goto(new URL('audit.html', app.url!).href);
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.waitForFunction(() => window.__audit?.ready === true, undefined, { timeout: 30_000 });
    const from = page.getByTestId('audit-filter-from');
    const to = page.getByTestId('audit-filter-to');
    const pageNow = await page.evaluate(() => Date.now());
    expect(pageNow).toBeLessThan(midnight);
    const today = formatCityDateTime(pageNow, zone).slice(0, 10);
    expect(await from.getAttribute('placeholder')).toBe(`${today} 00:00`);
    // Past midnight by over a minute (the examples' check), the page untouched.
    await page.clock.fastForward(midnight - pageNow + 61_000);
    const tomorrow = formatCityDateTime(midnight + 61_000, zone).slice(0, 10);
    expect(tomorrow).not.toBe(today);
    expect(await from.getAttribute('placeholder')).toBe(`${tomorrow} 00:00`);
    expect(await to.getAttribute('placeholder')).toBe(`${tomorrow} 23:59`);
    await context.close();
  });

  it('reads across the room on a 3840×1080 wall: the wall type of the other wide pages, the filters at body size', async () => {
    await withSignedInPage({ on: 'audit', context: { viewport: { width: 3840, height: 1080 } } }, async (page, errors) => {
      await page.waitForFunction(() => document.querySelectorAll('td[data-col="action"]').length > 0, undefined, { timeout: 30_000 });
      const sizes = await page.evaluate(() => {
        const px = (e: Element) => Number.parseFloat(getComputedStyle(e).fontSize);
        const one = (sel: string) => document.querySelector(sel)!;
        const box = (sel: string) => one(sel).getBoundingClientRect();
        return {
          root: px(document.documentElement),
          cells: Math.min(...[...document.querySelectorAll('.audit-table td')].map(px)),
          inputs: ['from', 'to', 'actor', 'stream', 'action'].map((f) => px(one(`[data-testid="audit-filter-${f}"]`))),
          rangeHeights: [box('[data-testid="audit-filter-from"]').height, box('[data-testid="audit-filter-to"]').height],
          labels: Math.min(...[...document.querySelectorAll('.audit-filters label')].map(px)),
          overflowing: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        };
      });
      // Before: the full pages' 24 px, the filters and their labels at 20 px.
      expect(sizes.root).toBeGreaterThanOrEqual(28);
      expect(sizes.cells).toBeGreaterThanOrEqual(28);
      for (const f of sizes.inputs) expect(f).toBeGreaterThanOrEqual(28);
      for (const h of sizes.rangeHeights) expect(h).toBeGreaterThanOrEqual(2 * 28);
      expect(sizes.labels).toBeGreaterThanOrEqual(24);
      expect(sizes.overflowing).toBe(false);
      await saveScreenshot(page, 'test-results/audit-3840.png', { timeoutMs: 30_000 });
      expect(errors).toEqual([]);
    });
  });
});
