/**
 * The KPI big screen in real Chromium at 1920×1080 (16:9) and 3840×1080 (32:9): signed in with a
 * wall-display token in the address (`kpi.html?display=TOKEN`), every chart has data, the figures
 * equal the API's (the hotline case panel's those of GET /api/kpi/cases), the tiles do not overlap and stay on screen, the page is in Chinese by default
 * and in English after the toggle, a number opens the table of its rows, and the "data as of"
 * time turns red when the data stops arriving. Screenshots go to test-results/kpi-*.png.
 */
import { mkdirSync } from 'node:fs';
import type mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { KpiSummary } from '../web/server/kpi/kpi-routes.ts';
import type { CaseKpiResponse } from '../web/shared/case-protocol.ts';
import { call, login } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot } from './support/browser.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { seedKpiCity, startKpiScreenCity } from './support/kpi-city.ts';

import type {} from '../web/client/kpi/kpi-main.ts'; // declares window.__kpi

const dir = tempDir('kpi-browser');
let app: RunningCityTwin;
let browser: Browser;
let publisher: mqtt.MqttClient;
let displayToken = '';
mkdirSync('test-results', { recursive: true });

const TILES = ['incidents', 'types', 'response', 'today', 'health', 'hotline', 'halls', 'cases', 'map'];

beforeAll(async () => {
  let admin: string;
  ({ app, publisher, admin, displayToken } = await startKpiScreenCity(dir.path, 'kpi-browser', 'kpi-wall'));
  const places = [
    [114.31, 30.555, 'waterlogging'],
    [114.27, 30.6, 'waterlogging'],
    [114.36, 30.52, 'power'],
    [114.2, 30.57, 'crowd'],
  ] as const;
  // Every fourth sensor an hour behind (offline), and four broken messages (dead letters).
  const { sites, halls } = await seedKpiCity(app, publisher, {
    idPrefix: 'kb',
    sensors: 60,
    halls: 8,
    hotlineReports: 6,
    places,
    readingTime: (i, now) => (i % 4 === 0 ? now - 3_600_000 : now - i * 500),
  });
  for (let i = 0; i < 4; i++) await publisher.publishAsync(`citytwin/v1/sensors/${sites[0]!.id}/data`, '{broken', { qos: 1 });
  // One hotline case answered, closed and rated: the case panel has an on-time rate and a satisfaction.
  const ecology = '武汉市生态环境局';
  expect(
    (await call(app.url!, admin, 'POST', '/api/users', { username: 'kb-eco', roles: ['department'], password: 'kb-eco password 1' }))
      .status,
  ).toBe(200);
  expect((await call(app.url!, admin, 'POST', '/api/case-departments/kb-eco', { department: ecology })).status).toBe(200);
  const eco = await login(app.url!, 'kb-eco', 'kb-eco password 1');
  const firstCase = await waitFor('the hotline reports as cases', async () => {
    const list = (await call(app.url!, admin, 'GET', '/api/cases')).body as { cases: Array<{ id: string }> };
    return list.cases.length >= 6 ? list.cases[0]!.id : null;
  });
  for (const [token, body] of [
    [eco, { command: 'accept' }],
    [eco, { command: 'reply', text: '已约谈施工方' }],
    [admin, { command: 'close' }],
    [admin, { command: 'feedback', satisfaction: 4 }],
  ] as const)
    expect((await call(app.url!, token, 'POST', `/api/cases/${firstCase}/commands`, body)).status).toBe(200);
  const incidents = await waitFor(
    'incidents',
    () => (app.twin!.activeIncidents().length >= places.length ? app.twin!.activeIncidents() : null),
    30_000,
  );
  for (const inc of incidents.slice(0, 2))
    await call(app.url!, admin, 'POST', `/api/incidents/${inc.id}/actions`, { action: 'acknowledge' });
  await call(app.url!, admin, 'POST', `/api/incidents/${incidents[0]!.id}/actions`, { action: 'resolve' });
  await app.twin!.flushIncidents();
  await waitFor(
    'readings stored',
    async () => {
      const r = (await call(app.url!, admin, 'GET', '/api/kpi/summary')).body as KpiSummary;
      return r.serviceHalls.halls >= halls.length &&
        r.sensorHealth.online > 0 &&
        r.hotline.todaySoFar >= 6 &&
        r.ingest.deadLetters.total >= 4
        ? r
        : null;
    },
    30_000,
  );
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  dir.remove();
});

async function openScreen(width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors = collectErrors(page);
  await page.goto(new URL(`kpi.html?display=${displayToken}`, app.url!).href);
  await page.waitForFunction(() => window.__kpi?.ready === true, undefined, { timeout: 30_000 });
  // Charts draw on the next frame; the map when its base map is in.
  await page.waitForTimeout(1500);
  return { page, errors };
}

/** The tiles' boxes: none overlaps another, all inside the viewport. */
async function tileProblems(page: Page): Promise<string[]> {
  const vp = page.viewportSize()!;
  const boxes = await Promise.all(TILES.map(async (id) => [id, await page.locator(`[data-tile="${id}"]`).boundingBox()] as const));
  const problems: string[] = [];
  for (const [id, b] of boxes) {
    if (!b || b.width < 100 || b.height < 100) problems.push(`${id} is too small: ${JSON.stringify(b)}`);
    else if (b.x < 0 || b.y < 0 || b.x + b.width > vp.width + 0.5 || b.y + b.height > vp.height + 0.5)
      problems.push(`${id} leaves the screen: ${JSON.stringify(b)}`);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i]!;
      const [b, rb] = boxes[j]!;
      if (
        ra &&
        rb &&
        ra.x < rb.x + rb.width - 0.5 &&
        rb.x < ra.x + ra.width - 0.5 &&
        ra.y < rb.y + rb.height - 0.5 &&
        rb.y < ra.y + ra.height - 0.5
      )
        problems.push(`${a} overlaps ${b}`);
    }
  }
  return problems;
}

/** Latin words in the visible text (outside the map's labels, ids and units; UTC of the clock's zone): English left in the zh-CN page. */
async function englishWords(page: Page): Promise<string[]> {
  const text = await page.evaluate(() => {
    const parts: string[] = [];
    for (const el of document.querySelectorAll('.kpi-header, .kpi-tile-title, .kpi-number-label'))
      parts.push((el as HTMLElement).innerText);
    return parts.join('\n');
  });
  return (text.match(/[A-Za-z]{3,}/g) ?? []).filter((w) => !['CityTwin', 'EN', 'UTC'].includes(w));
}

describe.each([
  ['16:9', 1920, 1080, 'standard'],
  ['32:9', 3840, 1080, 'wide'],
] as const)('the KPI screen at %s', (_aspect, width, height, layout) => {
  it('shows every KPI with data, in Chinese, matching the API, without overlaps', async () => {
    const { page, errors } = await openScreen(width, height);
    expect(await page.evaluate(() => window.__kpi!.layout)).toBe(layout);
    expect(await page.evaluate(() => document.body.dataset.auth)).toBe('display');
    // No token left in the address bar of a wall screen.
    expect(page.url()).not.toContain('display=');
    expect((await page.evaluate(() => window.__kpi!.chartsWithData())).sort()).toEqual([
      'cases',
      'halls',
      'health',
      'hotline',
      'incidents',
      'response',
      'today',
      'types',
    ]);
    // The case panel: the figures of GET /api/kpi/cases, no place for a wall display (public clearance).
    await page.waitForFunction(() => window.__kpi!.caseKpi() !== null);
    const cases = (await call(app.url!, displayToken, 'GET', '/api/kpi/cases')).body as CaseKpiResponse;
    expect(await page.getByTestId('kpi-number-cases-total').locator('.kpi-number-value').innerText()).toBe(String(cases.kpi.total));
    expect(cases.kpi.total).toBeGreaterThanOrEqual(6);
    expect(await page.getByTestId('kpi-number-cases-satisfaction').locator('.kpi-number-value').innerText()).toBe('4 / 5');
    expect(await page.getByTestId('kpi-number-cases-ontime').locator('.kpi-number-value').innerText()).toBe('100.0%');
    expect(await page.getByTestId('kpi-case-place').count()).toBe(0);
    expect(await tileProblems(page)).toEqual([]);
    expect(await englishWords(page)).toEqual([]);
    const shown = (await page.evaluate(() => window.__kpi!.summary()))!;
    const fresh = (await call(app.url!, displayToken, 'GET', `/api/kpi/summary?at=${shown.at}`)).body as KpiSummary;
    expect(await page.getByTestId('kpi-number-open').first().locator('.kpi-number-value').innerText()).toBe(
      String(fresh.openIncidents.total),
    );
    expect(await page.getByTestId('kpi-number-hotline-today').locator('.kpi-number-value').innerText()).toBe(
      String(fresh.hotline.todaySoFar),
    );
    expect(await page.getByTestId('kpi-asof').getAttribute('data-stale')).toBe('false');
    // A fresh install: nothing reported a week back, so no arrow against its zero-sample figures.
    await page.waitForFunction(() => document.querySelector('[data-testid="kpi-trend-today"]')?.getAttribute('data-previous') === 'read');
    for (const id of ['open', 'today', 'online', 'hotline', 'queue']) {
      expect(await page.getByTestId(`kpi-trend-${id}`).innerText()).toBe('无可比数据');
      expect(await page.getByTestId(`kpi-trend-${id}`).getAttribute('data-direction')).toBe('none');
    }
    await saveScreenshot(page, `test-results/kpi-${layout}-zh.png`);

    // A number opens the rows behind it.
    await page.getByTestId('kpi-number-queue-total').click();
    const drill = page.getByTestId('kpi-drill');
    await drill.waitFor();
    await page.getByTestId('kpi-drill-table').waitFor();
    const total = Number(await drill.getAttribute('data-total'));
    expect(total + Number(await drill.getAttribute('data-hidden'))).toBe(fresh.serviceHalls.halls);
    expect(await page.locator('[data-testid="kpi-drill-table"] tbody tr').count()).toBe(total);
    if (layout === 'standard') await saveScreenshot(page, `test-results/kpi-${layout}-drill.png`);
    await page.getByTestId('kpi-drill-close').click();

    // English.
    await page.getByTestId('language-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.getByTestId('kpi-tile-health').locator('.kpi-tile-title').innerText()).toMatch(/online/i);
    // The health line is shown whole (it wraps), not cut: its box holds all of its text.
    await page.waitForFunction(() => (document.querySelector('[data-testid="kpi-health-reason"]') as HTMLElement | null)?.innerText !== '');
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.kpi-health, .kpi-health-reason')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
        .map((el) => `${el.className}: ${el.innerText}`),
    );
    expect(cut).toEqual([]);
    await page.waitForTimeout(300);
    await saveScreenshot(page, `test-results/kpi-${layout}-en.png`);
    await page.getByTestId('language-toggle').click();
    expect(errors).toEqual([]);
    await page.close();
    // 3840-px pages draw and encode slowly on a loaded machine.
  }, 120_000);
});

describe('staleness', () => {
  it('turns the "data as of" time red when the summary stops arriving', async () => {
    const { page } = await openScreen(1920, 1080);
    // The server stops answering the KPI route for this page.
    await page.route('**/api/kpi/summary**', (route) => route.abort());
    await page.clock.install();
    await page.clock.fastForward(40_000);
    await page.waitForFunction(() => document.querySelector('[data-testid="kpi-asof"]')?.getAttribute('data-stale') === 'true', undefined, {
      timeout: 15_000,
    });
    const color = await page.getByTestId('kpi-asof').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(color).not.toBe('rgba(0, 0, 0, 0)');
    await saveScreenshot(page, 'test-results/kpi-standard-stale.png');
    await page.close();
  });
});

describe('an account the screen is not for', () => {
  it("tells a department's handler, in its language, that the screen is not its own (not the server's English)", async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors = collectErrors(page);
    await page.goto(new URL('kpi.html', app.url!).href);
    await page.getByTestId('login-username').fill('kb-eco');
    await page.getByTestId('login-password').fill('kb-eco password 1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('kpi-message').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.getByTestId('kpi-message').innerText()).toBe('此账号无权查看指标大屏，请联系管理员。');
    expect(await page.getByTestId('kpi-asof').innerText()).toBe('—');
    expect(await englishWords(page)).toEqual([]);
    await page.evaluate(() => window.__kpi?.setLanguage('en'));
    await expect
      .poll(() => page.getByTestId('kpi-message').innerText())
      .toBe('This account may not view the KPI screen: ask an administrator.');
    await saveScreenshot(page, 'test-results/kpi-forbidden.png');
    // The refusals of the KPI routes are the only failed requests.
    expect(errors.filter((e) => !/status of 403 \(Forbidden\)/.test(e))).toEqual([]);
    await page.close();
  }, 90_000);
});
