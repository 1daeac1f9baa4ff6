/**
 * Details of the console in real Chromium: integration accounts (the hotline's system, a warning
 * feed) told what their account is for instead of a console whose stream is refused; the KPI
 * clock in the city's zone when the city's information is refused, with the browser in another
 * zone; an incident's evidence naming its sensors by their registry names (zh-CN and English, the
 * id beside; an unnamed sensor by its id); the markers' layer under the names looked up once per
 * style change, not per rebuild, and the markers under the new style's names after the base map's
 * style is switched (the city's PMTiles basemap, dark → light); and a wall-sized window (3840×1080) signed in as a person with
 * the wall's type scale. Screenshots go to test-results/details-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { formatLocalDateTime } from '../twin-model/local-time.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, openSignedInConsole, saveScreenshot, signIn } from './support/browser.ts';
import { writeCityPmtiles } from './support/city-pmtiles.ts';
import { consoleDisplayToken } from './support/console-client.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';
import { checkRefusedSignOut, SIGN_OUT_CHECK_ERRORS } from './support/sign-out-refused.ts';

import type { CityInfo, SensorDetail } from '../web/shared/protocol.ts';
import type {} from '../web/client/kpi/kpi-main.ts'; // declares window.__kpi
import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('console-details');
let app: RunningCityTwin;
let browser: Browser;
let publisher: mqtt.MqttClient;
let admin = '';
const errorLists: string[][] = [];
mkdirSync('test-results', { recursive: true });

const ACCOUNTS = [
  { username: 'hotline-12345', roles: ['hotline'], password: 'hotline system password 1' },
  { username: 'cma-feed', roles: ['warning_feed'], password: 'warning feed password 1' },
] as const;

beforeAll(async () => {
  app = await startTestCity(dir.path);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'pub-console-details' });
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  for (const a of ACCOUNTS) expect((await call(app.url!, admin, 'POST', '/api/users', a)).status).toBe(200);
  browser = await launchChromium();
});

afterAll(async () => {
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  dir.remove();
});

/** A page of its own context (viewport, time zone), closed after `use` whatever happens. */
async function withPage<T>(
  options: { width: number; height: number; timezoneId?: string; errors?: boolean },
  use: (page: Page) => Promise<T>,
): Promise<T> {
  const context = await browser.newContext({
    viewport: { width: options.width, height: options.height },
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  const page = await context.newPage();
  // A page whose requests the test refuses logs those refusals: its errors are not counted.
  if (options.errors !== false) errorLists.push(collectErrors(page));
  try {
    return await use(page);
  } finally {
    await context.close();
  }
}

describe('integration accounts', () => {
  for (const account of ACCOUNTS)
    it(`${account.roles[0]}: says what the account is for, in zh-CN and English, with no map or stream`, async () => {
      await withPage({ width: 390, height: 844 }, async (page) => {
        const stream: string[] = [];
        page.on('websocket', (ws) => stream.push(ws.url()));
        await page.goto(app.url!);
        await signIn(page, account.username, account.password);
        const reason = page.getByTestId('no-console-reason');
        await expect.poll(() => reason.isVisible()).toBe(true);
        const zh = await reason.innerText();
        expect(zh).toContain(account.roles[0] === 'hotline' ? '12345 热线系统的接入账号' : '预警发布单位');
        // No raw codes in the zh-CN page: no role or permission names.
        for (const id of ['no-console-title', 'no-console-reason'])
          expect(await page.getByTestId(id).innerText()).not.toMatch(/hotline|warning_feed|live\.read|[a-z]+\.[a-z]+/);
        expect(await page.getByTestId('no-console-account').innerText()).toContain(account.username);
        // Not the console: no map, no stream, no "stream stopped" banner.
        expect(await page.evaluate(() => window.__citytwin === undefined)).toBe(true);
        expect(await page.locator('.maplibregl-map, [data-testid="stream-banner"]').count()).toBe(0);
        expect(stream.filter((u) => u.includes('/socket.io/'))).toEqual([]);
        // Nothing wider than the phone.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        await saveScreenshot(page, `test-results/details-no-console-${account.roles[0]}-390.png`);
        await page.getByTestId('language-toggle').click();
        await expect.poll(() => reason.innerText()).toContain('integration account');
        await page.setViewportSize({ width: 1920, height: 1080 });
        await saveScreenshot(page, `test-results/details-no-console-${account.roles[0]}-1920-en.png`);
        await page.setViewportSize({ width: 3840, height: 1080 });
        await saveScreenshot(page, `test-results/details-no-console-${account.roles[0]}-3840-en.png`, { timeoutMs: 30_000 });
        // Signing out goes back to the login page.
        await page.getByTestId('no-console-sign-out').click();
        await expect.poll(() => page.getByTestId('login-form').isVisible()).toBe(true);
      });
    });
});

describe('signing out of the page for an account without a map', () => {
  it('keeps the page and says so, in either language, when the server does not end the session', async () => {
    await withPage({ width: 390, height: 844, errors: false }, async (page) => {
      const errors = collectErrors(page);
      const account = ACCOUNTS[0];
      await page.goto(app.url!);
      await signIn(page, account.username, account.password);
      const signOut = page.getByTestId('no-console-sign-out');
      await expect.poll(() => signOut.isVisible()).toBe(true);
      await checkRefusedSignOut({
        page,
        signOut,
        error: page.getByTestId('no-console-sign-out-error'),
        toEnglish: () => page.getByTestId('language-toggle').click(),
        stillThere: () => page.getByTestId('no-console').isVisible(),
        loginShown: () => expect.poll(() => page.getByTestId('login-form').isVisible()).toBe(true),
        screenshot: 'test-results/details-no-console-sign-out-failed-390.png',
        width: 390,
      });
      expect(errors.filter((e) => !SIGN_OUT_CHECK_ERRORS.test(e))).toEqual([]);
    });
  });
});

describe('the KPI screen', () => {
  it("shows the city's time when the city's information is refused, the browser in another zone", async () => {
    const city = (await call(app.url!, admin, 'GET', '/api/city')).body as CityInfo;
    const browserZone = 'America/New_York';
    const hour = (ms: number, zone: string) => formatLocalDateTime(ms, zone).slice(11, 13);
    // The zones differ by many hours: the clock's hour tells which one it shows.
    expect(hour(Date.now(), city.timezone)).not.toBe(hour(Date.now(), browserZone));
    const display = await consoleDisplayToken(app.url!, 'kpi zone');
    await withPage({ width: 1920, height: 1080, timezoneId: browserZone, errors: false }, async (page) => {
      await page.route('**/api/city', (route) =>
        route.fulfill({ status: 403, contentType: 'application/json', body: '{"error":"refused"}' }),
      );
      await page.goto(`${app.url!}kpi.html?display=${display}`);
      await page.waitForFunction(() => window.__kpi?.ready === true, undefined, { timeout: 30_000 });
      const before = Date.now();
      const clock = await page.getByTestId('kpi-clock-time').innerText();
      const after = Date.now();
      expect([hour(before, city.timezone), hour(after, city.timezone)]).toContain(clock.slice(0, 2));
      // The date beside it is the city's too, with its offset.
      const label = await page.getByTestId('kpi-clock-label').innerText();
      expect([formatLocalDateTime(before, city.timezone), formatLocalDateTime(after, city.timezone)].map((d) => d.slice(0, 10))).toContain(
        label.split(' · ').pop(),
      );
      expect(label).toContain('UTC+8');
      await saveScreenshot(page, 'test-results/details-kpi-zone-1920.png');
    });
  });
});

describe('the console', () => {
  let page: Page;
  let named: { id: string; zh: string; en: string };
  const unnamed = 'wl-details-unnamed';

  beforeAll(async () => {
    // The city's PMTiles basemap, so that its style can be switched (dark ↔ light, docs/basemaps.md).
    const archive = join(dir.path, 'basemap.pmtiles');
    writeCityPmtiles(archive);
    await app.web!.setBasemapPmtiles(archive);
    let errors: string[];
    ({ page, errors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD, { width: 1920, height: 1080 }));
    errorLists.push(errors);
    // A water-level gauge of the registry with a name in each language.
    const list = (await call(app.url!, admin, 'GET', '/api/sensors?kind=water_level&limit=100')).body as { sensors: Array<{ id: string }> };
    for (const s of list.sensors) {
      const d = (await call(app.url!, admin, 'GET', `/api/sensors/${s.id}`)).body as SensorDetail;
      if (d.nameZh && d.nameEn && d.nameZh !== d.nameEn && d.lng !== null && d.lat !== null) {
        named = { id: d.id, zh: d.nameZh, en: d.nameEn };
        break;
      }
    }
    expect(named, 'a registered gauge named in both languages').toBeDefined();
  });

  afterAll(async () => {
    await page?.close();
    await app?.web?.setBasemapPmtiles(null);
  });

  it("names an incident's sensors by their registry names, the id beside; an unnamed sensor by its id", async () => {
    const d = (await call(app.url!, admin, 'GET', `/api/sensors/${named.id}`)).body as SensorDetail;
    const at = { lng: d.lng!, lat: d.lat! };
    // The named gauge and an unnamed one beside it in alarm, and a report at the place: one incident.
    await publisher.publishAsync(
      `citytwin/v1/sensors/${unnamed}/meta`,
      JSON.stringify({ kind: 'water_level', lng: at.lng + 0.0002, lat: at.lat }),
      { qos: 1, retain: true },
    );
    for (const id of [named.id, unnamed])
      await publisher.publishAsync(`citytwin/v1/sensors/${id}/data`, JSON.stringify({ ts: Date.now(), values: { water_level_cm: 45 } }), {
        qos: 1,
      });
    const report = {
      id: 'details-flood',
      ts: Date.now(),
      type: 'manual_report',
      category: 'waterlogging',
      ...at,
      severity: 3,
      text: 'flood',
    };
    await publisher.publishAsync('citytwin/v1/events/field-staff', JSON.stringify(report), { qos: 1 });
    await expect
      .poll(() =>
        app
          .twin!.activeIncidents()
          .flatMap((i) => i.evidence.map((e) => e.sensorId))
          .filter((id) => id === named.id || id === unnamed)
          .sort(),
      )
      .toEqual([unnamed, named.id].sort());
    const incident = app.twin!.activeIncidents().find((i) => i.evidence.some((e) => e.sensorId === named.id))!;
    await page.evaluate((id) => window.__citytwin!.selectIncident(id), incident.id);
    const link = (id: string) => page.locator(`[data-testid="evidence-open-sensor"][data-sensor-id="${id}"]`);
    await expect.poll(() => link(named.id).locator('[data-testid="evidence-sensor-name"]').innerText()).toBe(named.zh);
    expect(await link(named.id).innerText()).toContain(named.id);
    await saveScreenshot(page, 'test-results/details-evidence-names-1920.png');
    await page.evaluate(() => window.__citytwin!.setLanguage('en'));
    await expect.poll(() => link(named.id).locator('[data-testid="evidence-sensor-name"]').innerText()).toBe(named.en);
    await page.evaluate(() => window.__citytwin!.setLanguage('zh'));
    // On a phone the row wraps within the sheet: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await saveScreenshot(page, 'test-results/details-evidence-names-390.png');
    await page.setViewportSize({ width: 1920, height: 1080 });
    if (incident.evidence.some((e) => e.sensorId === unnamed)) {
      expect(await link(unnamed).locator('[data-testid="evidence-sensor-name"]').count()).toBe(0);
      expect((await link(unnamed).innerText()).startsWith(unnamed)).toBe(true);
    }
    await page.evaluate(() => window.__citytwin!.selectIncident(null));
  });

  it("looks the names' layer up once per style change, not on each rebuild of the markers", async () => {
    const lookups = () => page.evaluate(() => window.__citytwin!.mapLayers().underLookups);
    const start = await lookups();
    // One look-up at the start and one per style change so far.
    expect(start.lookups).toBe(start.styleChanges + 1);
    // Rebuilds: a sensor selected and let go, again and again.
    for (let k = 0; k < 6; k++) {
      await page.evaluate((id) => window.__citytwin!.selectSensor(id), k % 2 === 0 ? named.id : unnamed);
      await expect.poll(async () => (await lookups()).rebuilds).toBeGreaterThan(start.rebuilds + k);
    }
    const end = await lookups();
    expect(end.rebuilds).toBeGreaterThan(start.rebuilds);
    expect(end.lookups).toBe(end.styleChanges + 1);
    // The names still above the markers.
    expect(await page.evaluate(() => window.__citytwin!.mapLayers().under)).not.toBeNull();
    await page.keyboard.press('Escape');

    // The base map's style switched (dark → light): looked up once more, and the markers drawn
    // under the new style's first symbol layer.
    expect(await page.evaluate(() => window.__citytwin!.basemap())).toMatchObject({ mode: 'vector', variant: 'dark' });
    const style = (await call(app.url!, admin, 'GET', '/api/city/style?variant=light&lang=zh')).body as {
      layers: Array<{ id: string; type: string }>;
    };
    const firstSymbol = style.layers.find((l) => l.type === 'symbol')?.id;
    expect(firstSymbol, 'the light style has names').toBeDefined();
    await page.getByTestId('basemap-style-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().variant)).toBe('light');
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().loaded), { timeout: 30_000 }).toBe(true);
    await expect.poll(async () => (await lookups()).styleChanges).toBeGreaterThan(end.styleChanges);
    await expect.poll(() => page.evaluate(() => window.__citytwin!.mapLayers().under)).toBe(firstSymbol);
    const switched = await lookups();
    expect(switched.lookups).toBe(switched.styleChanges + 1);
    const layers = await page.evaluate(() => window.__citytwin!.mapLayers());
    // The map now holds the light style's layers, the markers (maplibre custom layers) among them.
    expect(layers.order.filter((l) => l.type !== 'custom').map((l) => l.id)).toEqual(style.layers.map((l) => l.id));
    const symbolAt = layers.order.findIndex((l) => l.id === firstSymbol);
    const markers = layers.order.flatMap((l, i) => (l.type === 'custom' ? [i] : []));
    expect(markers.length).toBeGreaterThan(0);
    for (const i of markers) expect(i).toBeLessThan(symbolAt);
    await saveScreenshot(page, 'test-results/details-style-light-1920.png');
    await page.getByTestId('basemap-style-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().variant)).toBe('dark');
  });
});

describe('a wall-sized window without kiosk mode', () => {
  const rootPx = (page: Page) => page.evaluate(() => Number.parseFloat(getComputedStyle(document.documentElement).fontSize));

  it("at 3840×1080 takes the wall's type scale; at 1920×1080 and 390×844 the desk's", async () => {
    const { page, errors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD, { width: 3840, height: 1080 });
    errorLists.push(errors);
    try {
      // 0.4vw + 1.3vh at 3840×1080: 29.4 px, as a kiosk wall.
      expect(await rootPx(page)).toBeGreaterThanOrEqual(28);
      expect(await page.evaluate(() => document.documentElement.classList.contains('kiosk'))).toBe(false);
      // The desk's tools stay: the search box.
      expect(await page.locator('.top-middle').isVisible()).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(3840);
      await saveScreenshot(page, 'test-results/details-wall-desk-3840.png', { timeoutMs: 30_000 });
      await page.setViewportSize({ width: 1920, height: 1080 });
      await expect.poll(() => rootPx(page)).toBe(16);
      await saveScreenshot(page, 'test-results/details-wall-desk-1920.png');
      await page.setViewportSize({ width: 390, height: 844 });
      await expect.poll(() => rootPx(page)).toBeLessThanOrEqual(16);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await saveScreenshot(page, 'test-results/details-wall-desk-390.png');
    } finally {
      await page.close();
    }
  });

  it('logs no errors', () => {
    const real = errorLists.flat().filter((e) => !/GPU stall due to ReadPixels/.test(e));
    expect(real).toEqual([]);
  });
});
