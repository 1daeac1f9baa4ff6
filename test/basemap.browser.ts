/**
 * The city's PMTiles basemap in real Chromium at 1920×1080, against the whole product: the
 * archive is drawn through the pmtiles protocol by range requests to the console's own server
 * and nothing leaves 127.0.0.1; the dark/light switch changes what is on screen and is
 * remembered; the 3D view tilts the map, raises the buildings and a sensor stays clickable; a
 * wall display is tilted from its address. Screenshots go to /tmp/citytwin-basemap for review.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import mqtt from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot, signIn } from './support/browser.ts';
import { BUILDINGS_ORIGIN, writeCityPmtiles } from './support/city-pmtiles.ts';
import { consoleDisplayToken } from './support/console-client.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

/** Screenshots for review, outside the repository. */
const SHOTS = '/tmp/citytwin-basemap';
const VIEWPORT = { width: 1920, height: 1080 };
/** A water-level sensor in the middle of the block of tall buildings. */
const SENSOR = { id: 'bm-wl-1', lng: BUILDINGS_ORIGIN[0] + 0.0073, lat: BUILDINGS_ORIGIN[1] + 0.0073 };

const dir = tempDir('basemap-browser');
let app: RunningCityTwin;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let publisher: mqtt.MqttClient;
let feed: NodeJS.Timeout | undefined;
/** Every request any page made, and the archive's responses. */
const requests: string[] = [];
const archiveResponses: Array<{ status: number; range: string | null; contentRange: string | null }> = [];
mkdirSync(SHOTS, { recursive: true });

/** Records what a page asks for, so the test can say nothing left the machine. */
function watch(p: Page): void {
  p.on('request', (r) => requests.push(r.url()));
  p.on('response', (r) => {
    if (!r.url().includes('/api/city/basemap.pmtiles')) return;
    archiveResponses.push({
      status: r.status(),
      range: r.request().headers().range ?? null,
      contentRange: r.headers()['content-range'] ?? null,
    });
  });
}

/** The colour of one screen pixel: a 1×1 PNG screenshot, whose single row needs no unfiltering. */
async function pixelAt(p: Page, x: number, y: number): Promise<[number, number, number]> {
  const png = await p.screenshot({ clip: { x, y, width: 1, height: 1 } });
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    if (type === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  // Filter byte, then RGB(A). With no row above and no pixel to the left every PNG filter
  // predicts 0, so the stored bytes are the colour.
  const raw = inflateSync(Buffer.concat(chunks));
  return [raw[1]!, raw[2]!, raw[3]!];
}

/** Share of sampled map pixels (a grid clear of the panels) brighter than mid-grey. */
async function lightShare(p: Page): Promise<number> {
  let light = 0;
  let n = 0;
  for (const x of [560, 760, 960, 1160]) {
    for (const y of [300, 450, 600, 750]) {
      const [r, g, b] = await pixelAt(p, x, y);
      if (0.299 * r + 0.587 * g + 0.114 * b > 128) light++;
      n++;
    }
  }
  return light / n;
}

async function mapSettled(p: Page): Promise<void> {
  await expect.poll(() => p.evaluate(() => window.__citytwin!.basemap().loaded), { timeout: 30_000 }).toBe(true);
}

/** The console on `p`, signed in as admin, map ready. */
async function openConsole(p: Page): Promise<void> {
  await p.goto(app.url!);
  await signIn(p, 'admin', TEST_ADMIN_PASSWORD);
  await p.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
}

beforeAll(async () => {
  const archive = join(dir.path, 'basemap.pmtiles');
  writeCityPmtiles(archive);
  app = await startTestCity(join(dir.path, 'data'));
  // The product takes the archive from the city package; here it is handed to the web server.
  await app.web!.setBasemapPmtiles(archive);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'basemap-browser' });
  await publisher.publishAsync(
    `citytwin/v1/sensors/${SENSOR.id}/meta`,
    JSON.stringify({ kind: 'water_level', lng: SENSOR.lng, lat: SENSOR.lat, classification: 'public' }),
    { qos: 1, retain: true },
  );
  // A reading a second, as a live city sends: the console stays live (not greyed out as stalled).
  feed = setInterval(() => {
    void publisher.publishAsync(
      `citytwin/v1/sensors/${SENSOR.id}/data`,
      JSON.stringify({ ts: Date.now(), values: { water_level_cm: 12 } }),
      { qos: 0 },
    );
  }, 1000);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: VIEWPORT });
  page = await context.newPage();
  errors = collectErrors(page);
  watch(page);
  await openConsole(page);
});

afterAll(async () => {
  if (feed) clearInterval(feed);
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  dir.remove();
});

describe('a PMTiles basemap in the console', () => {
  it('draws the archive offline, by range requests to its own server', async () => {
    await mapSettled(page);
    expect(await page.evaluate(() => window.__citytwin!.webglRenderer())).toMatch(/llvmpipe/i);
    const state = await page.evaluate(() => window.__citytwin!.basemap());
    expect(state).toMatchObject({ mode: 'vector', variant: 'dark', is3d: false, pitch: 0 });
    // The header and root directory, then tiles: every one a 206 to a byte range.
    expect(archiveResponses.length).toBeGreaterThan(2);
    for (const r of archiveResponses) {
      expect(r.range).toMatch(/^bytes=\d+-\d+$/);
      expect(r.status).toBe(206);
      expect(r.contentRange).toMatch(/^bytes \d+-\d+\/\d+$/);
    }
    expect(await lightShare(page)).toBeLessThan(0.2);
    expect(await page.getByTestId('schematic-note').innerText()).toContain('© CityTwin synthetic test data');
    await saveScreenshot(page, join(SHOTS, 'basemap-dark.png'));
  });

  it('switches to the light style, changing the background, and remembers it', async () => {
    await page.getByTestId('basemap-style-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().variant)).toBe('light');
    // The choice is taken at once; the style it names is fetched and applied after.
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().background)).toMatch(/#f2efe9|rgba\(242,\s*239,\s*233/i);
    await mapSettled(page);
    await expect.poll(() => lightShare(page), { timeout: 15_000 }).toBeGreaterThan(0.8);
    await saveScreenshot(page, join(SHOTS, 'basemap-light.png'));
    // Remembered by this browser: a reload comes back light.
    await page.reload();
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => window.__citytwin!.basemap().variant)).toBe('light');
    await page.getByTestId('basemap-style-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().variant)).toBe('dark');
    await mapSettled(page);
    await expect.poll(() => lightShare(page), { timeout: 15_000 }).toBeLessThan(0.2);
  });

  it('tilts into 3D with the buildings raised, and a sensor stays clickable', { timeout: 180_000 }, async () => {
    // Zoom in over the sensor among the buildings as a user would, with the wheel (flat first:
    // software rendering draws a flat map faster; a wheel step is at most one zoom level).
    for (let i = 0; i < 12; i++) {
      const zoom = await page.evaluate(() => window.__citytwin!.basemap().zoom);
      if (zoom >= 15) break;
      const at = await page.evaluate((id) => window.__citytwin!.projectSensor(id), SENSOR.id);
      expect(at, 'the sensor is on screen').not.toBeNull();
      await page.mouse.move(at![0], at![1]);
      await page.mouse.wheel(0, -600);
    }
    expect(await page.evaluate(() => window.__citytwin!.basemap().zoom)).toBeGreaterThanOrEqual(15);
    await page.getByTestId('view-3d-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().pitch)).toBeGreaterThan(40);
    expect(await page.evaluate(() => window.__citytwin!.basemap().is3d)).toBe(true);
    await mapSettled(page);
    await saveScreenshot(page, join(SHOTS, 'basemap-3d.png'));
    const at = (await page.evaluate((id) => window.__citytwin!.projectSensor(id), SENSOR.id))!;
    expect(at[0]).toBeGreaterThan(0);
    expect(at[0]).toBeLessThan(VIEWPORT.width);
    await page.mouse.click(at[0], at[1]);
    await expect.poll(() => page.evaluate(() => window.__citytwin!.selectedSensor())).toBe(SENSOR.id);
    await expect.poll(() => page.getByTestId('sensor-panel').isVisible()).toBe(true);
    await saveScreenshot(page, join(SHOTS, 'basemap-3d-sensor.png'));
    // Back to 2D: flat and north up.
    await page.keyboard.press('Escape');
    await page.getByTestId('view-3d-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().pitch)).toBe(0);
    expect(await page.evaluate(() => window.__citytwin!.basemap().bearing)).toBe(0);
  });

  it('tilts a wall display from its address', { timeout: 120_000 }, async () => {
    const token = await consoleDisplayToken(app.url!, 'tilted wall');
    const wallContext = await browser.newContext({ viewport: VIEWPORT });
    const wall = await wallContext.newPage();
    const wallErrors = collectErrors(wall);
    watch(wall);
    await wall.goto(`${app.url!}?display=${token}&kiosk=1&pitch=45&bearing=-20`);
    await wall.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    await expect.poll(() => wall.evaluate(() => window.__citytwin!.basemap().pitch)).toBeCloseTo(45, 0);
    const state = await wall.evaluate(() => window.__citytwin!.basemap());
    expect(state).toMatchObject({ mode: 'vector', is3d: true });
    expect(state.bearing).toBeCloseTo(-20, 0);
    await mapSettled(wall);
    await saveScreenshot(wall, join(SHOTS, 'basemap-wall-tilted.png'));
    expect(wallErrors).toEqual([]);
    await wallContext.close();
  });

  it('never asked anything of a host but 127.0.0.1', () => {
    expect(requests.length).toBeGreaterThan(10);
    const elsewhere = requests.filter((u) => {
      const url = new URL(u);
      return !(url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1');
    });
    expect(elsewhere).toEqual([]);
  });

  it('logs no errors', () => {
    expect(errors).toEqual([]);
  });
});
