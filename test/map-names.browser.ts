/**
 * The base map's names stay readable above the live markers (docs/console.md, "Names above the
 * markers"): at 3840×1080 (a wall), 1920×1080 and 390×844, a block of sensors is placed over a
 * district's name and the name's pixels are read from screenshots with the sensors hidden and
 * shown (the layer panel's switch). The glyphs of the name — its bright text, taken from the
 * picture without sensors — must be as bright with the sensors drawn under them, while the
 * sensors cover most of the rest of the name's box (they really are there). Drawn in deck.gl's
 * own canvas above the map, the sensors covered the name. Waited for by condition (deck.gl drew
 * the change, the map came to rest), never timed. Screenshots: test-results/map-names-*.png.
 */
import type mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveScreenshot } from './support/browser.ts';
import { consoleCity } from './support/console-city.ts';
import { buildCityStyle } from '../web/client/map/basemap-style.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const city = consoleCity('map-names-browser');
let page: Page;
let errors: string[];
let publisher: mqtt.MqttClient;

/** The zoom the name is looked at (a district name, with streets around it). */
const ZOOM = 12.5;
/** The name's box around its anchor (CSS px): wider than the name, so its glyphs are all in it. */
const BOX = { halfWidth: 90, halfHeight: 26 };
/** Sensors every this many CSS px over the box: their points (≈ 7 px across) touch. */
const STEP_PX = 6;
/** A pixel of the name's text: every channel at least this (the district names are near white; the map around them, its halo and the sensors are darker). */
const BRIGHT = 140;

interface Name {
  name: string;
  lng: number;
  lat: number;
}

let target: Name;

/** The district name's anchor on screen now (viewport CSS px). */
async function anchorOf(name: Name): Promise<{ x: number; y: number }> {
  const names = await page.evaluate(() => window.__citytwin!.mapNames());
  const hit = names.find((n) => n.layer === 'label-district' && n.name === name.name);
  if (!hit) throw new Error(`the name ${name.name} is not placed on the map (placed: ${names.map((n) => n.name).join(', ')})`);
  return { x: hit.x, y: hit.y };
}

/** The RGBA pixels of a screenshot of `clip`, decoded by the page (createImageBitmap: no URL to fetch). */
async function pixels(clip: { x: number; y: number; width: number; height: number }): Promise<number[]> {
  const png = (await page.screenshot({ clip })).toString('base64');
  return page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    return Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data);
  }, png);
}

/** Shows or hides the sensors with the layer panel's switch and waits until deck.gl drew it and the map rests. */
async function showSensors(on: boolean): Promise<void> {
  const hooks = () =>
    page.evaluate(() => ({ sensors: window.__citytwin!.mapLayers().sensors, frames: window.__citytwin!.deckRenderCount() }));
  const before = await hooks();
  if (before.sensors !== on) {
    await page.getByTestId('layers-toggle').click();
    await page.getByTestId('layer-switch-sensors').click();
    await page.getByTestId('layers-toggle').click();
    await expect.poll(() => page.getByTestId('layer-panel').isVisible()).toBe(false);
    await expect.poll(async () => (await hooks()).sensors).toBe(on);
    await expect.poll(async () => (await hooks()).frames).toBeGreaterThan(before.frames);
  }
  await page.evaluate(() => window.__citytwin!.mapIdle());
}

/** The name's glyphs without and with the sensors under them, at the page's current size. */
async function readName(): Promise<{ glyphs: number; keptBright: number; covered: number }> {
  await page.evaluate(({ lng, lat, zoom }) => window.__citytwin!.flyTo(lng, lat, zoom), { ...target, zoom: ZOOM });
  await page.evaluate(() => window.__citytwin!.mapIdle());
  const { x, y } = await anchorOf(target);
  const clip = {
    x: Math.round(x - BOX.halfWidth),
    y: Math.round(y - BOX.halfHeight),
    width: BOX.halfWidth * 2,
    height: BOX.halfHeight * 2,
  };
  await showSensors(false);
  const without = await pixels(clip);
  await showSensors(true);
  const withSensors = await pixels(clip);
  let glyphs = 0;
  let keptBright = 0;
  let others = 0;
  let covered = 0;
  for (let i = 0; i < without.length; i += 4) {
    const bright = (p: number[]) => Math.min(p[i]!, p[i + 1]!, p[i + 2]!) >= BRIGHT;
    if (bright(without)) {
      glyphs++;
      if (bright(withSensors)) keptBright++;
    } else {
      others++;
      const diff = Math.max(...[0, 1, 2].map((c) => Math.abs(without[i + c]! - withSensors[i + c]!)));
      if (diff > 40) covered++;
    }
  }
  return { glyphs, keptBright: keptBright / Math.max(1, glyphs), covered: covered / Math.max(1, others) };
}

beforeAll(async () => {
  ({ page, errors, publisher } = await city.start());
  await page.setViewportSize({ width: 3840, height: 1080 });
  await page.evaluate(() => window.__citytwin!.mapIdle());
  // A district name near the middle of the map.
  const names = await page.evaluate(() => window.__citytwin!.mapNames().filter((n) => n.layer === 'label-district'));
  if (names.length === 0) throw new Error('no district name placed on the map');
  const mid = { x: 1920, y: 540 };
  const d = (n: { x: number; y: number }) => Math.hypot(n.x - mid.x, n.y - mid.y);
  const near = names.reduce((a, b) => (d(b) < d(a) ? b : a));
  target = { name: near.name, lng: near.lng, lat: near.lat };
  await page.evaluate(({ lng, lat, zoom }) => window.__citytwin!.flyTo(lng, lat, zoom), { ...target, zoom: ZOOM });
  await page.evaluate(() => window.__citytwin!.mapIdle());

  // Sensors over the name's whole box, a point every STEP_PX pixels, each with a normal reading.
  const [ax, ay] = await page.evaluate(({ lng, lat }) => window.__citytwin!.project(lng, lat), target);
  const [bx, by] = await page.evaluate(({ lng, lat }) => window.__citytwin!.project(lng + 0.01, lat + 0.01), target);
  const degPerPx = { lng: 0.01 / (bx - ax), lat: 0.01 / (by - ay) };
  const before = await page.evaluate(() => window.__citytwin!.drawnCount());
  let placed = 0;
  for (let dy = -BOX.halfHeight; dy <= BOX.halfHeight; dy += STEP_PX) {
    for (let dx = -BOX.halfWidth; dx <= BOX.halfWidth; dx += STEP_PX) {
      const id = `names-${placed++}`;
      const meta = { kind: 'water_level', lng: target.lng + dx * degPerPx.lng, lat: target.lat + dy * degPerPx.lat };
      await publisher.publishAsync(`citytwin/v1/sensors/${id}/meta`, JSON.stringify(meta), { qos: 1, retain: true });
      await publisher.publishAsync(`citytwin/v1/sensors/${id}/data`, JSON.stringify({ ts: Date.now(), values: { water_level_cm: 10 } }), {
        qos: 1,
      });
    }
  }
  await page.waitForFunction((n) => window.__citytwin!.drawnCount() >= n, before + placed, { timeout: 30_000 });
  await page.waitForFunction(() => window.__citytwin!.sensorsDrawnCurrent(), undefined, { timeout: 10_000 });
});

afterAll(() => city.close());

describe('the base map names above the live markers', () => {
  it('draws the markers under the style’s first symbol layer', async () => {
    const layers = await page.evaluate(() => window.__citytwin!.mapLayers());
    const firstSymbol = buildCityStyle(null, 'zh').layers.find((l) => l.type === 'symbol');
    expect(firstSymbol).toBeDefined();
    expect(layers.under).toBe(firstSymbol!.id);
  });

  for (const size of [
    { width: 3840, height: 1080 },
    { width: 1920, height: 1080 },
    { width: 390, height: 844 },
  ]) {
    it(`keeps a district name readable over a block of sensors at ${size.width}×${size.height}`, async () => {
      await page.setViewportSize(size);
      // A phone opens with the legend folded (it covers half the map); this page was opened on a wall.
      if (size.width <= 640 && (await page.locator('[data-testid="legend"] .legend-collapse').getAttribute('aria-expanded')) === 'true')
        await page.locator('[data-testid="legend"] .legend-collapse').click();
      const read = await readName();
      await saveScreenshot(page, `test-results/map-names-${size.width}x${size.height}.png`);
      // The name was found and the sensors are under it: most of its box changed when they were drawn.
      expect(read.glyphs).toBeGreaterThan(60);
      expect(read.covered).toBeGreaterThan(0.5);
      // Its glyphs are drawn above them.
      expect(read.keptBright).toBeGreaterThan(0.95);
    });
  }

  it('logs no errors', () => {
    expect(errors.filter((e) => !e.includes('GPU stall'))).toEqual([]);
  });
});
