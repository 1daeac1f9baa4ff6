/**
 * The product on a phone (390×844) in real Chromium, and the map's own words in either language:
 * - maplibre's controls (zoom buttons, compass, the map's accessible name) in zh-CN by default and
 *   in English after the switch, on the console and the KPI screen (every map is made by
 *   map/city-map.ts);
 * - no text under 13 px on the console — queue folded and unfolded, sensor panel, incident detail —
 *   nor on the KPI screen's header (its way back and language switch were 9 px); close buttons 44 px;
 * - the panels, the top bar and the status strip opaque on a desk, and the map's notes, the live-data
 *   banner, a new incident's toast and a wall's step badge; the incident queue opaque,
 *   folded to its heading with the count at the start, unfolded and folded again by the keyboard,
 *   labelled in both languages, unfolded by opening an incident; a desk (1920×1080) has no fold
 *   and its queue open;
 * - an integration account's page names the account by its display name, the user name beside it;
 * - a district-wide alarm's evidence row (heat over a district, opened by hot stations published
 *   over MQTT) is worded and shows its place instead of opening a sensor panel, while a station
 *   whose own id starts with `area-` is named from the registry and opens.
 * Screenshots go to /tmp/phoneux/ (390×844 and 1920×1080).
 */
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { launchChromium, openSignedInConsole, saveScreenshot, signIn } from './support/browser.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir } from './support/fixtures.ts';
import { CENTRAL_WUHAN, planReports, publishReports } from './support/incident-reports.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/kpi/kpi-main.ts'; // declares window.__kpi
import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const SHOTS = '/tmp/phoneux';
const PHONE = { width: 390, height: 844 };
const DESK = { width: 1920, height: 1080 };
const GAUGE = 'wl-phone-1';
const REPORTS = 12;
const HOTLINE = { username: 'hotline-12345', displayName: '12345 热线接入系统', roles: ['hotline'], password: 'hotline system password 1' };

const dir = tempDir('phone-ux');
let app: RunningCityTwin;
let browser: Browser;
let publisher: mqtt.MqttClient;
const errorLists: string[][] = [];

beforeAll(async () => {
  app = await startTestCity(dir.path);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'pub-phone-ux' });
  await publisher.publishAsync(
    `citytwin/v1/sensors/${GAUGE}/meta`,
    JSON.stringify({ kind: 'water_level', lng: 114.27, lat: 30.6, name: '测试下穿通道水位' }),
    { qos: 1, retain: true },
  );
  await publisher.publishAsync(`citytwin/v1/sensors/${GAUGE}/data`, JSON.stringify({ ts: Date.now(), values: { water_level_cm: 80 } }), {
    qos: 1,
  });
  await publishReports(publisher, planReports(REPORTS, CENTRAL_WUHAN, 'phone'));
  const admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  expect((await call(app.url!, admin, 'POST', '/api/users', HOTLINE)).status).toBe(200);
  browser = await launchChromium();
});

afterAll(async () => {
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  dir.remove();
  expect(errorLists.flat()).toEqual([]);
});

/** The console signed in as the admin at `viewport`, its queue filled. */
async function consoleAt(viewport: { width: number; height: number }): Promise<Page> {
  const { page, errors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD, viewport);
  errorLists.push(errors);
  await page.waitForFunction((n) => window.__citytwin!.incidentCount() >= n, REPORTS);
  return page;
}

/** Every element shown on screen with text of its own under 13 px: "size tag.class [test id] text". */
const smallText = (p: Page) =>
  p.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      if (![...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || el.closest('[hidden]')) continue;
      const px = Number.parseFloat(style.fontSize);
      if (px < 13)
        out.push(
          `${px.toFixed(1)} ${el.tagName.toLowerCase()}.${el.className} [${el.dataset.testid ?? ''}] ${el.textContent!.trim().slice(0, 24)}`,
        );
    }
    return out;
  });

const fontPx = (p: Page, selector: string) => p.$eval(selector, (e) => Number.parseFloat(getComputedStyle(e).fontSize));

/** The title and accessible name maplibre gave its own elements in `page`'s map. */
const mapWords = (p: Page) =>
  p.evaluate(() => {
    const of = (sel: string) => {
      const e = document.querySelector(`.maplibregl-map ${sel}`);
      return e ? { title: e.getAttribute('title'), label: e.getAttribute('aria-label') } : null;
    };
    return {
      zoomIn: of('.maplibregl-ctrl-zoom-in'),
      zoomOut: of('.maplibregl-ctrl-zoom-out'),
      compass: of('.maplibregl-ctrl-compass'),
      canvas: of('canvas'),
    };
  });

describe('maplibre speaks the page language', () => {
  it('titles the zoom buttons, the compass and the map in zh-CN, and in English after the switch (console)', async () => {
    const page = await consoleAt(PHONE);
    let words = await mapWords(page);
    expect(words.zoomIn).toEqual({ title: '放大', label: '放大' });
    expect(words.zoomOut).toEqual({ title: '缩小', label: '缩小' });
    expect(words.canvas?.label).toBe('地图');
    // The compass comes with the 3D view, added after the map was made: in the page's language too.
    await page.getByTestId('view-3d-toggle').click();
    await expect.poll(async () => (await mapWords(page)).compass?.title).toBe('拖动可旋转地图，点击恢复正北朝上');
    // No English left on any of maplibre's own elements.
    const english = await page.$$eval('.maplibregl-map [class*="maplibregl-"]', (els) =>
      els.flatMap((e) => [e.getAttribute('title'), e.getAttribute('aria-label')]).filter((s): s is string => !!s && /[A-Za-z]{2,}/.test(s)),
    );
    expect(english).toEqual([]);
    await page.evaluate(() => window.__citytwin!.setLanguage('en'));
    words = await mapWords(page);
    expect(words.zoomIn).toEqual({ title: 'Zoom in', label: 'Zoom in' });
    expect(words.zoomOut?.title).toBe('Zoom out');
    expect(words.compass?.title).toBe('Drag to rotate the map, press to turn north up');
    expect(words.canvas?.label).toBe('Map');
    await page.evaluate(() => window.__citytwin!.setLanguage('zh'));
    expect((await mapWords(page)).zoomIn?.title).toBe('放大');
    await page.getByTestId('view-3d-toggle').click();
    await page.close();
  });
});

describe('the console on a phone (390×844)', () => {
  let page: Page;

  beforeAll(async () => {
    page = await consoleAt(PHONE);
  });

  afterAll(async () => {
    await page?.close();
  });

  it('folds the queue to its heading and count at the start, over an opaque sheet', async () => {
    const panel = page.getByTestId('incident-panel');
    const fold = page.getByTestId('queue-fold');
    expect(await fold.isVisible()).toBe(true);
    expect(await fold.getAttribute('aria-expanded')).toBe('false');
    expect(await fold.getAttribute('aria-label')).toBe('展开事件队列');
    expect(await fold.getAttribute('aria-controls')).toBe('incident-queue-body');
    expect(await page.getByTestId('incident-queue-body').isVisible()).toBe(false);
    expect(await page.getByTestId('incident-count').innerText()).toContain(String(REPORTS));
    const box = (await panel.boundingBox())!;
    expect(box.height).toBeLessThan(80);
    const foldBox = (await fold.boundingBox())!;
    expect(foldBox.height).toBeGreaterThanOrEqual(44);
    expect(foldBox.width).toBeGreaterThanOrEqual(44);
    // Opaque: the map never shows through the queue.
    const background = await panel.evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(background).toMatch(/^rgb\(/);
    expect(await smallText(page)).toEqual([]);
    await saveScreenshot(page, `${SHOTS}/phone-queue-folded-390.png`);
  });

  it('unfolds and folds the queue from the keyboard, labelled in both languages', async () => {
    const fold = page.getByTestId('queue-fold');
    await fold.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => fold.getAttribute('aria-expanded')).toBe('true');
    expect(await fold.getAttribute('aria-label')).toBe('收起事件队列，只显示数量');
    expect(await page.locator('[data-testid="incident-row"]').first().isVisible()).toBe(true);
    const panel = page.getByTestId('incident-panel');
    expect(await panel.evaluate((e) => getComputedStyle(e).backgroundColor)).toMatch(/^rgb\(/);
    expect(await smallText(page)).toEqual([]);
    await saveScreenshot(page, `${SHOTS}/phone-queue-open-390.png`);
    await page.evaluate(() => window.__citytwin!.setLanguage('en'));
    expect(await fold.getAttribute('aria-label')).toBe('Fold the incident queue to its count');
    expect(await fold.innerText()).toContain('Fold');
    await fold.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => fold.getAttribute('aria-expanded')).toBe('false');
    expect(await fold.getAttribute('aria-label')).toBe('Show the incident queue');
    expect(await page.getByTestId('incident-queue-body').isVisible()).toBe(false);
    await saveScreenshot(page, `${SHOTS}/phone-queue-folded-en-390.png`);
    await page.evaluate(() => window.__citytwin!.setLanguage('zh'));
    expect(await fold.getAttribute('aria-label')).toBe('展开事件队列');
  });

  it('shows the sensor panel with no text under 13 px and a 44 px close button', async () => {
    await page.evaluate((id) => window.__citytwin!.selectSensor(id), GAUGE);
    await expect.poll(() => page.getByTestId('sensor-panel').getAttribute('data-status')).toBe('ok');
    expect(await fontPx(page, '[data-testid="sensor-panel"] .eyebrow')).toBeGreaterThanOrEqual(13);
    expect(await fontPx(page, '[data-testid="view-3d-toggle"]')).toBeGreaterThanOrEqual(13);
    expect(await fontPx(page, '.stat-label')).toBeGreaterThanOrEqual(13);
    expect(await fontPx(page, '.stat-value')).toBeGreaterThanOrEqual(13);
    const close = (await page.getByTestId('sensor-panel-close').boundingBox())!;
    expect(close.width).toBeGreaterThanOrEqual(44);
    expect(close.height).toBeGreaterThanOrEqual(44);
    expect(await smallText(page)).toEqual([]);
    await saveScreenshot(page, `${SHOTS}/phone-sensor-390.png`);
    await page.getByTestId('sensor-panel-close').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.selectedSensor())).toBe(null);
  });

  it('unfolds the queue when an incident is opened, its detail with no text under 13 px and a 44 px close button', async () => {
    expect(await page.getByTestId('queue-fold').getAttribute('aria-expanded')).toBe('false');
    await page.evaluate(() => window.__citytwin!.selectIncident(window.__citytwin!.incidentIds()[0]!));
    await expect.poll(() => page.getByTestId('incident-detail').isVisible()).toBe(true);
    expect(await page.getByTestId('queue-fold').getAttribute('aria-expanded')).toBe('true');
    const close = (await page.getByTestId('incident-detail-close').boundingBox())!;
    expect(close.width).toBeGreaterThanOrEqual(44);
    expect(close.height).toBeGreaterThanOrEqual(44);
    expect(await smallText(page)).toEqual([]);
    await saveScreenshot(page, `${SHOTS}/phone-incident-390.png`);
    await page.getByTestId('incident-detail-close').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.selectedIncident())).toBe(null);
    // Nothing wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  });
});

describe('the console on a desk (1920×1080)', () => {
  it('has no fold: the queue stays open', async () => {
    const page = await consoleAt(DESK);
    expect(await page.getByTestId('queue-fold').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="incident-row"]').first().isVisible()).toBe(true);
    expect(await page.getByTestId('incident-queue-body').isVisible()).toBe(true);
    await saveScreenshot(page, `${SHOTS}/desk-console-1920.png`);
    await page.evaluate((id) => window.__citytwin!.selectSensor(id), GAUGE);
    await expect.poll(() => page.getByTestId('sensor-panel').getAttribute('data-status')).toBe('ok');
    await saveScreenshot(page, `${SHOTS}/desk-sensor-1920.png`);
    // Opaque on a desk too: the map and its markers never show through a panel, the top bar or the strip.
    const seeThrough = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.panel, .top-bar, .status-strip')]
        .filter((e) => e.getClientRects().length > 0)
        .map((e) => ({
          name: e.dataset.testid ?? e.className,
          color: getComputedStyle(e).backgroundColor,
          image: getComputedStyle(e).backgroundImage,
        }))
        // An opaque colour, or a gradient of opaque colours over nothing.
        .filter((b) => (b.image === 'none' ? !b.color.startsWith('rgb(') : b.image.includes('rgba(')))
        .map((b) => `${b.name} ${b.color} ${b.image}`),
    );
    expect(seeThrough).toEqual([]);
    await page.close();
  });

  it('shows nothing read over the map on a see-through surface: the banner, a toast, the map notes, the wall’s step', async () => {
    const page = await consoleAt(DESK);
    // The map's own notes are on the page from the start (the basemap notice hidden); the banner,
    // a new incident's toast and a wall's step badge come and go: each is styled as it would be,
    // on an element of its classes beside the map.
    const seeThrough = await page.evaluate(() => {
      const host = document.querySelector<HTMLElement>('[data-testid="schematic-note"]')!.parentElement!;
      return ['schematic-note', 'map-notice', 'stream-banner', 'stream-banner waiting', 'incident-toast', 'kiosk-step']
        .map((cls) => {
          const probe = document.createElement('div');
          probe.className = cls;
          probe.textContent = 'x';
          host.append(probe);
          const { backgroundColor: color, backgroundImage: image } = getComputedStyle(probe);
          probe.remove();
          return { cls, color, image };
        })
        .filter((b) => (b.image === 'none' ? !b.color.startsWith('rgb(') : b.image.includes('rgba(')))
        .map((b) => `${b.cls} ${b.color} ${b.image}`);
    });
    expect(seeThrough).toEqual([]);
    await page.close();
  });
});

describe('the KPI screen on a phone (390×844)', () => {
  it('has no text under 13 px in its header, a way back and a language switch a thumb can press, and a map in zh-CN', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    errorLists.push([]);
    await page.goto(new URL('kpi.html', app.url!).href);
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.waitForFunction(() => window.__kpi?.ready === true, undefined, { timeout: 30_000 });
    expect(await fontPx(page, '[data-testid="kpi-back"]')).toBeGreaterThanOrEqual(13);
    expect(await fontPx(page, '.kpi-lang .lang-mark')).toBeGreaterThanOrEqual(13);
    for (const sel of ['[data-testid="kpi-back"]', '.kpi-lang'])
      expect((await page.locator(sel).boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect(await page.evaluate(() => document.querySelector('.maplibregl-map canvas')?.getAttribute('aria-label'))).toBe('地图');
    expect(await smallText(page)).toEqual([]);
    await saveScreenshot(page, `${SHOTS}/kpi-390.png`);
    await page.setViewportSize(DESK);
    await saveScreenshot(page, `${SHOTS}/kpi-1920.png`);
    await page.close();
  });
});

describe("an integration account's page", () => {
  it('names the account by its display name, the user name beside it, in both languages', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(app.url!);
    await signIn(page, HOTLINE.username, HOTLINE.password);
    await expect.poll(() => page.getByTestId('no-console-name').isVisible()).toBe(true);
    expect(await page.getByTestId('no-console-name').innerText()).toBe(HOTLINE.displayName);
    expect(await page.getByTestId('no-console-username').innerText()).toContain(HOTLINE.username);
    expect(await page.getByTestId('no-console-account').innerText()).toContain('当前登录');
    await saveScreenshot(page, `${SHOTS}/no-console-390.png`);
    // After a reload the session (not the login's answer) says who it is: the display name still.
    await page.reload();
    await expect.poll(() => page.getByTestId('no-console-name').isVisible()).toBe(true);
    expect(await page.getByTestId('no-console-name').innerText()).toBe(HOTLINE.displayName);
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.getByTestId('no-console-account').innerText()).toContain('Signed in as');
    expect(await page.getByTestId('no-console-username').innerText()).toBe(`(user name ${HOTLINE.username})`);
    await page.setViewportSize(DESK);
    await saveScreenshot(page, `${SHOTS}/no-console-1920-en.png`);
    await page.setViewportSize({ width: 3840, height: 1080 });
    await saveScreenshot(page, `${SHOTS}/no-console-3840-en.png`, { timeoutMs: 30_000 });
    await context.close();
  });
});

describe("a district-wide alarm's evidence", () => {
  it("is worded and shows its place, opening no sensor panel; a registry sensor whose id starts with 'area-' is named and opens", async () => {
    // Eight hot stations in one district, hot for 12 minutes (the heat rule's on-delay is 10): the
    // district's share opens a heat incident with the area's evidence beside the stations' own.
    const now = Date.now();
    for (let i = 0; i < 8; i++) {
      const id = `area-heat-${i}`;
      await publisher.publishAsync(
        `citytwin/v1/sensors/${id}/meta`,
        JSON.stringify({ kind: 'temperature', lng: 114.27 + i * 0.002, lat: 30.6, name: `测试气温 ${i}`, nameEn: `Test temperature ${i}` }),
        { qos: 1, retain: true },
      );
      for (const minutesAgo of [12, 6, 0])
        await publisher.publishAsync(
          `citytwin/v1/sensors/${id}/data`,
          JSON.stringify({ ts: now - minutesAgo * 60_000, values: { air_temp_c: 40 } }),
          {
            qos: 1,
          },
        );
    }
    const areaIncident = () => app.twin!.activeIncidents().find((i) => i.evidence.some((e) => e.areaShare !== undefined));
    await expect.poll(() => areaIncident()?.id ?? null, { timeout: 30_000 }).not.toBe(null);
    const incident = areaIncident()!;
    const area = incident.evidence.find((e) => e.areaShare !== undefined)!;
    expect(area.sensorId).toMatch(/^area-temperature-/);
    const station = incident.evidence.find((e) => e.areaShare === undefined && e.sensorId?.startsWith('area-heat-'))!;
    expect(station).toBeDefined();

    const page = await consoleAt(DESK);
    await page.evaluate((id) => window.__citytwin!.selectIncident(id), incident.id);
    const areaRow = page.getByTestId('evidence-area');
    await expect.poll(() => areaRow.isVisible()).toBe(true);
    expect(await areaRow.innerText()).toContain('全区 100% 同类传感器告警');
    // The area is not offered as a sensor, and its id is not shown.
    expect(await page.locator(`[data-testid="evidence-open-sensor"][data-sensor-id="${area.sensorId}"]`).count()).toBe(0);
    expect(await page.getByTestId('incident-evidence').innerText()).not.toContain(area.sensorId!);
    // Evidence linked by district says which district by its name, not its code.
    const why = await page.getByTestId('incident-evidence').innerText();
    expect(why).toContain('同一区 ');
    expect(why).not.toMatch(/同一区 \d/);
    // The station whose id starts with area- is a sensor: named from the registry, and it opens.
    const stationRow = page.locator(`[data-testid="evidence-open-sensor"][data-sensor-id="${station.sensorId}"]`);
    await expect.poll(() => stationRow.locator('[data-testid="evidence-sensor-name"]').innerText()).toMatch(/^测试气温 \d$/);
    await saveScreenshot(page, `${SHOTS}/desk-area-evidence-1920.png`);
    await areaRow.click();
    expect(await page.evaluate(() => window.__citytwin!.selectedSensor())).toBe(null);
    expect(await page.getByTestId('sensor-panel').isVisible()).toBe(false);
    await stationRow.click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.selectedSensor())).toBe(station.sensorId);
    await expect.poll(() => page.getByTestId('sensor-panel').getAttribute('data-status')).toBe('ok');
    await page.evaluate(() => window.__citytwin!.setLanguage('en'));
    await expect.poll(() => areaRow.innerText()).toContain("100% of the district's sensors of this kind in alarm");
    await page.evaluate(() => window.__citytwin!.setLanguage('zh'));
    await page.close();
  });
});
