/**
 * The KPI screen as a command centre's big screen, measured in real Chromium (the page signed in
 * with a wall-display token): at 3840×1080 labels are ≥ 28 px and the headline figures ≥ 72 px
 * (getComputedStyle), at 1920×1080 ≥ 16 / 48 px; the title band carries the city's name (from
 * GET /api/city) and its clock; no engineering figure (milliseconds, the write queue, messages
 * per second) is on the screen, only the health badge worded 系统正常 / 注意 / 异常; every ECharts
 * canvas fills ≥ 90 % of its card's body (the card below its head); on a 3 × 3 wall screen 5
 * shows the map and screen 2 the title; the drill-down says how many rows of how many it shows.
 * Screenshots at 1920×1080, 3840×1080, 3840×2160, 390×844 and of wall screens go to
 * test-results/kpi-wall-*.png.
 */
import { mkdirSync } from 'node:fs';
import type mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { CityInfo } from '../web/shared/protocol.ts';
import type { KpiSummary } from '../web/shared/kpi-protocol.ts';
import { KIND_METRICS } from '../twin-model/index.ts';
import { WEEK_MS } from '../web/server/kpi/kpi-model.ts';
import { call } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot } from './support/browser.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { seedKpiCity, startKpiScreenCity } from './support/kpi-city.ts';

import type {} from '../web/client/kpi/kpi-main.ts'; // declares window.__kpi

const dir = tempDir('kpi-wall-browser');
let app: RunningCityTwin;
let browser: Browser;
let publisher: mqtt.MqttClient;
let displayToken = '';
let city: CityInfo;
mkdirSync('test-results', { recursive: true });

/** Every label on the screen: card titles, figure labels, trends, the clock's label, the badge, the as-of time. */
const LABELS = '.kpi-tile-title, .kpi-number-label, .kpi-trend, .kpi-clock-label, .kpi-health, .kpi-asof, .kpi-map-note';
const HEALTH_WORDS = ['系统正常', '注意', '异常'];

beforeAll(async () => {
  let admin: string;
  ({ app, publisher, admin, displayToken } = await startKpiScreenCity(dir.path, 'kpi-wall-browser', 'kpi-wall-3x3'));
  city = (await call(app.url!, displayToken, 'GET', '/api/city')).body as CityInfo;
  const places = [
    [114.31, 30.555, 'waterlogging'],
    [114.27, 30.6, 'waterlogging'],
    [114.36, 30.52, 'power'],
  ] as const;
  const { halls } = await seedKpiCity(app, publisher, { idPrefix: 'kw', sensors: 40, halls: 6, hotlineReports: 5, places });
  // Readings a week back too, so the headline has a moment with data to compare with (a fresh
  // install has none: its trends say "no comparison", test/kpi.browser.ts).
  const t0 = Date.now();
  for (const [i, s] of app
    .city!.sensorSites.filter((x) => x.kind !== 'service_hall')
    .slice(0, 40)
    .entries())
    await publisher.publishAsync(
      `citytwin/v1/sensors/${s.id}/data`,
      JSON.stringify({ ts: t0 - WEEK_MS - i * 500, values: { [KIND_METRICS[s.kind][0]!]: i } }),
      { qos: 1 },
    );
  await waitFor('incidents', () => (app.twin!.activeIncidents().length >= places.length ? true : null), 30_000);
  await app.twin!.flushIncidents();
  await waitFor(
    'figures stored',
    async () => {
      const r = (await call(app.url!, admin, 'GET', '/api/kpi/summary')).body as KpiSummary;
      const ready =
        r.serviceHalls.halls >= halls.length && r.sensorHealth.online > 0 && r.hotline.todaySoFar >= 5 && r.openIncidents.total > 0;
      const weekEarlier = (await call(app.url!, admin, 'GET', `/api/kpi/summary?at=${r.at - WEEK_MS}`)).body as KpiSummary;
      return ready && weekEarlier.sensorHealth.online > 0 ? r : null;
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

async function openScreen(width: number, height: number, query = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors = collectErrors(page);
  await page.goto(new URL(`kpi.html?display=${displayToken}${query}`, app.url!).href);
  await page.waitForFunction(() => window.__kpi?.ready === true && window.__kpi.caseKpi() !== null, undefined, { timeout: 30_000 });
  // The headline's trends once the previous period is in, and charts drawn at their cards' size.
  await page.waitForFunction(
    () => document.querySelector('[data-testid="kpi-trend-open"]')?.getAttribute('data-previous') === 'read',
    undefined,
    {
      timeout: 30_000,
    },
  );
  await page.waitForFunction(() => [...document.querySelectorAll('.kpi-chart canvas')].length >= 8, undefined, { timeout: 15_000 });
  return { page, errors };
}

/** A screenshot to look at: large screens take long to encode on a loaded machine, so a minute is allowed. */
function shot(page: Page, path: string, fullPage = false): Promise<void> {
  return saveScreenshot(page, path, { fullPage, timeoutMs: 60_000 });
}

/** Font sizes (px) of the visible elements matching `selector`: [text, px]. */
function fontSizes(page: Page, selector: string): Promise<Array<[string, number]>> {
  return page.evaluate(
    (sel) =>
      [...document.querySelectorAll<HTMLElement>(sel)]
        .filter((el) => el.offsetParent !== null && el.innerText.trim() !== '')
        .map((el) => [el.innerText.trim().slice(0, 30), Number.parseFloat(getComputedStyle(el).fontSize)] as [string, number]),
    selector,
  );
}

/** Each chart's canvas against its card's body (content box) and the body against the card below its head. */
function chartFill(page: Page): Promise<Array<{ tile: string; canvasShare: number; bodyShare: number }>> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.kpi-tile')]
      .filter((tile) => tile.querySelector('.kpi-chart'))
      .map((tile) => {
        const body = tile.querySelector<HTMLElement>('.kpi-card-body')!;
        const canvas = tile.querySelector<HTMLCanvasElement>('.kpi-chart canvas');
        const content = (el: HTMLElement) => {
          const cs = getComputedStyle(el);
          const px = (v: string) => Number.parseFloat(v) || 0;
          return {
            w: el.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight),
            h: el.clientHeight - px(cs.paddingTop) - px(cs.paddingBottom),
          };
        };
        const b = content(body);
        const t = content(tile);
        const headH = tile.querySelector<HTMLElement>('.kpi-tile-head')!.getBoundingClientRect().height;
        const c = canvas?.getBoundingClientRect() ?? { width: 0, height: 0 };
        return {
          tile: tile.dataset.tile ?? '?',
          canvasShare: (c.width * c.height) / Math.max(1, b.w * b.h),
          bodyShare: (b.w * b.h) / Math.max(1, t.w * (t.h - headH)),
        };
      }),
  );
}

/** Visible text of the page (the map's own labels aside). */
function screenText(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector<HTMLElement>('.kpi-app')!.innerText);
}

describe('the KPI big screen', () => {
  it('at 3840×1080: large type, the city in the title, one health badge, charts filling their cards', async () => {
    const { page, errors } = await openScreen(3840, 1080);
    expect(await page.evaluate(() => window.__kpi!.layout)).toBe('wide');
    const labels = await fontSizes(page, LABELS);
    expect(labels.length).toBeGreaterThan(20);
    expect(labels.filter(([, px]) => px < 28)).toEqual([]);
    const figures = await fontSizes(page, '.kpi-headline .kpi-number-value');
    expect(figures).toHaveLength(5);
    expect(figures.filter(([, px]) => px < 72)).toEqual([]);

    expect(await page.getByTestId('kpi-title').innerText()).toContain(city.name.zh);
    expect(await page.getByTestId('kpi-clock-label').innerText()).toContain(city.name.zh);
    expect(await page.getByTestId('kpi-clock-time').innerText()).toMatch(/^\d{2}:\d{2}:\d{2}$/);

    const text = await screenText(page);
    expect(text).not.toMatch(/\d\s*ms\b/);
    expect(text).not.toMatch(/入库延迟|待入库|消息\/秒|pending|msg\/s/i);
    const level = await page.locator('.kpi-health-level').innerText();
    expect(HEALTH_WORDS).toContain(level);
    expect(await page.getByTestId('kpi-health-reason').innerText()).not.toMatch(/\d/);
    // The trends: an arrow or "no change", coloured by whether up is good for the figure.
    for (const id of ['open', 'today', 'online', 'hotline', 'queue']) {
      const trend = page.getByTestId(`kpi-trend-${id}`);
      expect(['up', 'down', 'flat']).toContain(await trend.getAttribute('data-direction'));
    }
    expect(await page.getByTestId('kpi-trend-open').innerText()).toMatch(/^[▲▼—]/);

    const fill = await chartFill(page);
    expect(fill.map((f) => f.tile).sort()).toEqual(['cases', 'halls', 'health', 'hotline', 'incidents', 'response', 'today', 'types']);
    expect(fill.filter((f) => f.canvasShare < 0.9 || f.bodyShare < 0.9)).toEqual([]);
    await shot(page, 'test-results/kpi-wall-3840x1080.png');

    // The map's district names grow with the screen's type too (×1.75 here): the desk's size at
    // the whole city's zoom (12–16 px) would be under 0.7 of a card's label.
    await expect
      .poll(() => page.evaluate(() => window.__kpi!.mapLabelSizes()['label-district'] ?? 0), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(0.7 * 28);
    // And none is cut at the map's sides: the map keeps the city in view when the headline band
    // fills in above it after the page opened (蔡甸区 was cut at the left edge). A name is as wide
    // as its characters at its size with the style's 0.25 em spacing.
    const { width, names } = await page.evaluate(() => window.__kpi!.mapDistrictNames());
    expect(names.length).toBeGreaterThan(3);
    const cut = names.filter((n) => {
      const half = (n.text.length * n.size * 1.25) / 2;
      return n.x - half < 0 || n.x + half > width;
    });
    expect(cut).toEqual([]);

    // The map's own buttons (zoom in, zoom out, compass) are wall size, as on the console's wall: ≥ 44 px.
    const buttons = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.maplibregl-ctrl-group button')].map((b) => {
        const r = b.getBoundingClientRect();
        return { w: r.width, h: r.height };
      }),
    );
    expect(buttons.length).toBeGreaterThanOrEqual(2);
    expect(buttons.filter((b) => b.w < 44 || b.h < 44)).toEqual([]);

    // The drill-down: worded, counted, its table scrolls inside the dialog.
    await page.getByTestId('kpi-number-open').last().click();
    await page.getByTestId('kpi-drill-table').waitFor();
    expect(await page.getByTestId('kpi-drill-count').innerText()).toMatch(/共 \d+ 行/);
    expect(await page.getByTestId('kpi-drill-scroll').evaluate((el) => getComputedStyle(el).overflowY)).toBe('auto');
    const statuses = await page.locator('[data-testid="kpi-drill-table"] tbody tr td:nth-child(4)').allInnerTexts();
    expect(statuses.length).toBeGreaterThan(0);
    for (const s of statuses) expect(s).not.toMatch(/^[a-z_]+$/);
    await page.getByTestId('kpi-drill-close').click();
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('at 1920×1080 and 3840×2160: labels ≥ 16 px, figures ≥ 48 px, charts filling their cards', async () => {
    for (const [w, hgt] of [
      [1920, 1080],
      [3840, 2160],
    ] as const) {
      const { page, errors } = await openScreen(w, hgt);
      expect(await page.evaluate(() => window.__kpi!.layout)).toBe('standard');
      expect((await fontSizes(page, LABELS)).filter(([, px]) => px < 16)).toEqual([]);
      expect((await fontSizes(page, '.kpi-headline .kpi-number-value')).filter(([, px]) => px < 48)).toEqual([]);
      expect((await chartFill(page)).filter((f) => f.canvasShare < 0.9 || f.bodyShare < 0.9)).toEqual([]);
      expect(await screenText(page)).not.toMatch(/\d\s*ms\b/);
      await shot(page, `test-results/kpi-wall-${w}x${hgt}.png`);
      expect(errors).toEqual([]);
      await page.close();
    }
  }, 300_000);

  it('on a 3 × 3 wall: screen 5 shows the map, screen 2 the title, each its own cards', async () => {
    const centre = await openScreen(1920, 1080, '&wall=3x3&screen=5');
    expect(await centre.page.evaluate(() => window.__kpi!.layout)).toBe('grid3x3');
    const map = (await centre.page.getByTestId('kpi-map').boundingBox())!;
    expect(map.x).toBeGreaterThanOrEqual(0);
    expect(map.y).toBeGreaterThanOrEqual(0);
    expect(map.x + map.width).toBeLessThanOrEqual(1920);
    expect(map.y + map.height).toBeLessThanOrEqual(1080);
    expect(map.width * map.height).toBeGreaterThan(0.7 * 1920 * 1080);
    expect((await centre.page.getByTestId('kpi-headline').boundingBox())!.y).toBeGreaterThanOrEqual(0);
    await shot(centre.page, 'test-results/kpi-wall-3x3-screen5.png');
    expect(centre.errors).toEqual([]);
    await centre.page.close();

    const top = await openScreen(1920, 1080, '&wall=3x3&screen=2');
    const title = (await top.page.getByTestId('kpi-title').boundingBox())!;
    expect(title.x).toBeGreaterThan(0);
    expect(title.x + title.width).toBeLessThan(1920);
    const today = (await top.page.getByTestId('kpi-tile-today').boundingBox())!;
    expect(today.x).toBeGreaterThanOrEqual(0);
    expect(today.x + today.width).toBeLessThanOrEqual(1920);
    expect(today.y + today.height).toBeLessThanOrEqual(1080);
    expect(
      await top.page
        .getByTestId('kpi-map')
        .boundingBox()
        .then((b) => b!.y >= 1080),
    ).toBe(true);
    await shot(top.page, 'test-results/kpi-wall-3x3-screen2.png');
    await top.page.close();
  }, 240_000);

  it('on a phone (390×844): one column, nothing wider than the screen', async () => {
    const { page, errors } = await openScreen(390, 844);
    const widest = await page.evaluate(() =>
      Math.max(...[...document.querySelectorAll<HTMLElement>('.kpi-tile, .kpi-header')].map((el) => el.getBoundingClientRect().right)),
    );
    expect(widest).toBeLessThanOrEqual(390);
    await shot(page, 'test-results/kpi-wall-390x844.png', true);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
