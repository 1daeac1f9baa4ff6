/**
 * The open-data page (open.html) in real Chromium, with no sign-in: the catalogue, a dataset's
 * licence, update frequency and fields, download links in every format, a preview of public rows,
 * English, and a phone-width layout with nothing wider than the screen. Screenshots go to
 * test-results/open-data-*.png.
 */
import { mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { queryRows } from '../storage/index.ts';
import { DATASETS } from '../web/server/open-data/catalogue.ts';
import { collectErrors, launchChromium, saveScreenshot } from './support/browser.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/open/open-main.ts';

declare global {
  interface Window {
    __openData?: import('../web/client/open/open-main.ts').OpenTestHooks;
  }
}

const dir = tempDir('open-data-browser');
let app: RunningCityTwin;
let browser: Browser;
mkdirSync('test-results', { recursive: true });

beforeAll(async () => {
  app = await startTestCity(dir.path, { CITYTWIN_SENSORS: '100', CITYTWIN_BATCH_MAX_DELAY_MS: '50' });
  browser = await launchChromium();
  const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'open-data-browser' });
  const districts = app.city!.districts.slice(0, 3);
  const sensors = districts.flatMap((d, i) => [
    {
      id: `obs-air-${i}`,
      kind: 'air_quality',
      source: 'sthjj.air-quality',
      d,
      values: { aqi: 40 + 7 * i, pm25: 15 + i, pm10: 30 + 2 * i, no2: 20 + i },
    },
    { id: `obs-rain-${i}`, kind: 'rain_gauge', source: 'swj.rain-gauges', d, values: { rainfall_mm_h: 1.5 + i } },
  ]);
  for (const s of sensors)
    await publisher.publishAsync(
      `citytwin/v1/sensors/${s.id}/meta`,
      JSON.stringify({
        kind: s.kind,
        source: s.source,
        lng: s.d.seat[0],
        lat: s.d.seat[1],
        district: s.d.code,
        name: `${s.d.nameZh} ${s.id}`,
      }),
      { qos: 1, retain: true },
    );
  const ids = sensors.map((s) => `'${s.id}'`).join(',');
  const count = async (sql: string) => Number((await queryRows<{ n: string }>(app.clickhouse, sql))[0]!.n);
  await waitFor(
    'sensors classified public',
    async () =>
      (await count(
        `SELECT count() AS n FROM (SELECT sensor_id FROM sensors FINAL WHERE sensor_id IN (${ids})) WHERE dictGetOrDefault('sensor_classes', 'classification', tuple(sensor_id), '') = 'public'`,
      )) === sensors.length,
    60_000,
    200,
  );
  const now = Date.now();
  for (const s of sensors)
    for (const ago of [3, 2, 1])
      await publisher.publishAsync(`citytwin/v1/sensors/${s.id}/data`, JSON.stringify({ ts: now - ago * 3600_000, values: s.values }), {
        qos: 1,
      });
  await waitFor(
    'readings stored',
    async () => (await count(`SELECT count() AS n FROM readings_1m WHERE sensor_id IN (${ids})`)) >= 24,
    60_000,
    200,
  );
  await publisher.endAsync();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

async function openPortal(page: Page): Promise<void> {
  await page.goto(new URL('open.html', app.url!).href);
  await page.waitForFunction(() => window.__openData?.ready === true, undefined, { timeout: 30_000 });
}

describe('the open-data page', () => {
  it('shows the catalogue, a dataset with fields, downloads and a preview, without signing in (1920×1080)', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors = collectErrors(page);
    await openPortal(page);
    expect(await page.locator('[data-testid="login-username"]').count()).toBe(0);
    expect(await page.locator('.open-card').count()).toBe(DATASETS.length);
    expect(await page.locator('.open-title').textContent()).toBe('城市开放数据');
    const detail = page.getByTestId('dataset-detail');
    expect(await detail.locator('h2').textContent()).toBe(DATASETS[0]!.titleZh);
    expect(await detail.textContent()).toContain('CC-BY-4.0');
    expect(await page.getByTestId('fields').locator('tbody tr').count()).toBe(DATASETS[0]!.fields.length);
    expect(await page.locator('.open-download').evaluateAll((as) => as.map((a) => a.getAttribute('data-format')))).toEqual([
      'json',
      'csv',
      'geojson',
    ]);
    expect(await page.evaluate(() => window.__openData!.previewRows())).toBe(10);
    const csvHref = await page.locator('.open-download[data-format="csv"]').getAttribute('href');
    const csv = await page.evaluate(async (href) => (await fetch(href!)).text(), csvHref);
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('hour,district,metric,mean,max,sensors');
    // The preview names districts and metrics in the page's language and gives each value its
    // metric's unit; the fields table says the unit goes by metric (no list of units).
    const districts = await page.locator('[data-testid="preview"] td[data-col="district"]').allInnerTexts();
    expect(districts.length).toBe(10);
    for (const name of districts) expect(name).toMatch(/区$/);
    expect(await page.locator('[data-field-unit="mean"]').innerText()).toBe('随指标（见预览）');
    const metrics = await page.locator('[data-testid="preview"] td[data-col="metric"]').allInnerTexts();
    const means = await page.locator('[data-testid="preview"] td[data-col="mean"]').allInnerTexts();
    const pm = metrics.findIndex((m) => m.includes('PM'));
    expect(pm).toBeGreaterThanOrEqual(0);
    expect(means[pm]).toMatch(/^[\d.]+ µg\/m³$/);
    // Column heads and descriptions are words of the page's language, not field names or unit codes.
    const heads = await page.locator('[data-testid="preview"] thead th').allInnerTexts();
    expect(heads).toEqual(['小时', '行政区', '指标', '平均值', '最大值', '监测点数']);
    expect(await page.getByTestId('fields').innerText()).not.toMatch(/ug\/m3|1, /);
    expect(await page.locator('[data-field-type="hour"]').innerText()).toBe('日期时间');
    expect(await page.locator('[data-testid="preview"] td[data-col="hour"]').first().innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:00$/);
    expect(csv).toMatch(/\r\n[^,]+,\d{6},/);
    await saveScreenshot(page, 'test-results/open-data-desktop.png');
    await page.locator('.open-card[data-dataset="rainfall-hourly"]').click();
    await page.waitForFunction(() => window.__openData?.ready === true && window.__openData.selected() === 'rainfall-hourly');
    expect(await page.getByTestId('preview').locator('tbody tr').count()).toBe(9);
    await page.getByTestId('language-toggle').click();
    expect(await page.locator('.open-title').textContent()).toBe('City open data');
    expect(await detail.locator('h2').textContent()).toBe('Hourly rainfall by district');
    expect(await page.locator('[data-testid="preview"] td[data-col="district"]').first().innerText()).toMatch(/^[A-Z][A-Za-z' -]+$/);
    expect(await page.locator('[data-testid="preview"] thead th').allInnerTexts()).toEqual([
      'Hour',
      'District',
      'Metric',
      'Mean',
      'Maximum',
      'Sensors',
    ]);
    await saveScreenshot(page, 'test-results/open-data-desktop-en.png');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('reads on a phone (390×844): one column, nothing wider than the screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const errors = collectErrors(page);
    await openPortal(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // Every box ends inside the screen; only the tables' own scrollers are wider inside.
    const widest = await page.evaluate(() =>
      Math.max(
        ...[...document.querySelectorAll('.open-header, .open-card, .open-detail, .open-scroll, .open-footer')].map(
          (e) => e.getBoundingClientRect().right,
        ),
      ),
    );
    expect(widest).toBeLessThanOrEqual(390);
    // The fields' descriptions are read whole on the screen: each field a card, no column scrolled out of it.
    const fields = await page.evaluate(() => {
      const table = document.querySelector<HTMLElement>('[data-testid="fields"]')!;
      const cells = [...table.querySelectorAll<HTMLElement>('td[data-field-about]')].map((td) => {
        const r = td.getBoundingClientRect();
        return { right: r.right, cut: td.scrollWidth > td.clientWidth + 1, label: getComputedStyle(td, '::before').content };
      });
      return { scrolls: table.parentElement!.scrollWidth > table.parentElement!.clientWidth + 1, cells };
    });
    expect(fields.scrolls).toBe(false);
    expect(fields.cells.length).toBeGreaterThan(0);
    for (const c of fields.cells) {
      expect(c.right).toBeLessThanOrEqual(390);
      expect(c.cut).toBe(false);
      expect(c.label).toContain('说明');
    }
    // The preview too: each row a card of labelled lines, nothing scrolled sideways inside its box.
    const preview = await page.evaluate(() => {
      const table = document.querySelector<HTMLElement>('[data-testid="preview"]')!;
      const cells = [...table.querySelectorAll<HTMLElement>('td[data-col]:not([data-empty])')].map((td) => ({
        right: td.getBoundingClientRect().right,
        label: getComputedStyle(td, '::before').content,
      }));
      return { scrolls: table.parentElement!.scrollWidth > table.parentElement!.clientWidth + 1, cells };
    });
    expect(preview.scrolls).toBe(false);
    expect(preview.cells.length).toBeGreaterThan(0);
    for (const c of preview.cells) {
      expect(c.right).toBeLessThanOrEqual(390);
      expect(c.label).toMatch(/^".+："$/);
    }
    const [cat, det] = await Promise.all([page.locator('.open-catalogue').boundingBox(), page.getByTestId('dataset-detail').boundingBox()]);
    expect(det!.y).toBeGreaterThan(cat!.y + cat!.height - 1);
    const download = await page.locator('.open-download').first().boundingBox();
    expect(download!.height).toBeGreaterThanOrEqual(44);
    await saveScreenshot(page, 'test-results/open-data-phone.png', { fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('is linked from the login page, and links back to nothing that needs a sign-in', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = collectErrors(page);
    await page.goto(app.url!);
    await page.getByTestId('open-data-link').click();
    await page.waitForFunction(() => window.__openData?.ready === true, undefined, { timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe('/open.html');
    // Every link of the portal is a download of its own public API.
    const hrefs = await page.evaluate(() =>
      [...document.querySelectorAll('a[href]')].map((a) => new URL((a as HTMLAnchorElement).href).pathname),
    );
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^\/api\/open\//);
    expect(errors).toEqual([]);
    await page.close();
  });
});
