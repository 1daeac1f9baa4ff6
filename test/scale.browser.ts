/**
 * The console in Chromium with a registry above the viewport threshold (docs/scale.md), at a
 * low threshold: 1,500 simulated sensors, threshold 500. Zoomed out the map shows aggregate
 * cells with counts; zoomed in it shows the viewport's sensors as points; zooming out again
 * brings the cells back. The console asks for its viewport's sensors in columns (`points`) and
 * draws every sensor on the map from them. Screenshots go to test-results/scale-*.png for review.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { launchChromium, openSignedInConsole, saveScreenshot } from './support/browser.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('scale-browser');
let app: RunningCityTwin;
let browser: Browser;
let page: Page;
let errors: string[];
mkdirSync('test-results', { recursive: true });

const badge = () => page.getByTestId('scale-mode');
const badgeData = (name: string) => badge().getAttribute(`data-${name}`);

/** Waits until the sensor layer on screen shows the table as it is (the last answer is drawn). */
async function settled(): Promise<void> {
  await expect.poll(() => page.evaluate(() => window.__citytwin!.sensorsDrawnCurrent()), { timeout: 10_000 }).toBe(true);
}

/**
 * Whether every twin sensor with a position on the standing map is in the console's table. The
 * viewport the console sends is the map's bounds (the whole canvas), so "on the map" is where
 * the map projects the sensor: inside the map's box, a few pixels clear of its edges. At the
 * zoom a double-click lands on (14.2 to 15.2) half the map's height is 0.0064° to 0.0129° of
 * latitude: a fixed distance from the centre is not the viewport.
 */
async function sensorsOnMapDrawn(box: { x: number; y: number; width: number; height: number }): Promise<string> {
  const camera = await page.evaluate(() => window.__citytwin!.camera());
  if (camera.moving) return 'the map is moving';
  const [lng, lat] = camera.center;
  // Candidates well beyond the view at zoom ≥ 14; the map decides which are on it.
  const candidates = app
    .twin!.state.sensors.filter((e) => e.lng !== null && e.lat !== null && Math.abs(e.lng - lng) < 0.05 && Math.abs(e.lat - lat) < 0.05)
    .map((e) => ({ id: e.id, lng: e.lng!, lat: e.lat! }));
  const inset = 4;
  const result = await page.evaluate(
    ({ list, b }) => {
      const hooks = window.__citytwin!;
      const onMap = list.filter((s) => {
        const [x, y] = hooks.project(s.lng, s.lat);
        return x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
      });
      return { onMap: onMap.length, missing: onMap.filter((s) => hooks.projectSensor(s.id) === null).map((s) => s.id) };
    },
    { list: candidates, b: { x: box.x + inset, y: box.y + inset, width: box.width - 2 * inset, height: box.height - 2 * inset } },
  );
  if (result.onMap === 0) return 'no sensor on the map';
  return result.missing.length === 0 ? 'all drawn' : `not in the table: ${result.missing.join(', ')}`;
}

beforeAll(async () => {
  app = await startTestCity(dir.path, {
    CITYTWIN_SIMULATE: '1',
    CITYTWIN_SENSORS: '1500',
    CITYTWIN_TIME_SCALE: '20',
    CITYTWIN_VIEWPORT_THRESHOLD: '500',
  });
  // The simulator registers its sensors: once over the threshold, consoles get viewports.
  await waitFor('the registry over the threshold', () => app.twin!.state.sensors.length > 1000, 60_000);
  browser = await launchChromium();
  ({ page, errors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD));
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

describe('the console with a registry above the viewport threshold', () => {
  it('shows aggregate cells with counts when zoomed out', async () => {
    await expect.poll(() => badgeData('mode'), { timeout: 20_000 }).toBe('cells');
    await expect.poll(async () => Number(await badgeData('cells')), { timeout: 10_000 }).toBeGreaterThan(5);
    // The whole table never arrived: only cells.
    expect(await page.evaluate(() => window.__citytwin!.sensorCount())).toBe(0);
    const total = Number(await badgeData('total'));
    expect(total).toBeGreaterThan(100);
    expect(total).toBeLessThanOrEqual(app.twin!.state.sensors.length);
    await expect.poll(() => badge().innerText(), { timeout: 10_000 }).toMatch(/聚合显示/);
    await settled();
    await saveScreenshot(page, 'test-results/scale-cells.png');
  });

  it('shows the viewport sensors as points after zooming in, and cells again after zooming out', async () => {
    const map = page.getByTestId('map');
    const box = (await map.boundingBox())!;
    // Zoom in around the centre of the central city, one step at a time.
    for (let step = 0; step < 8 && Number(await badgeData('zoom')) < 14.2; step++) {
      const before = Number(await badgeData('zoom'));
      await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
      await expect.poll(async () => Number(await badgeData('zoom')), { timeout: 10_000 }).toBeGreaterThan(before + 0.5);
    }
    await expect.poll(() => badgeData('mode'), { timeout: 15_000 }).toBe('points');
    await expect.poll(() => page.evaluate(() => window.__citytwin!.drawnCount()), { timeout: 10_000 }).toBeGreaterThan(0);
    const inView = await page.evaluate(() => window.__citytwin!.sensorCount());
    expect(inView).toBeLessThan(app.twin!.state.sensors.length);
    // The badge is redrawn on the console's tick: it catches up with the store.
    await expect
      .poll(async () => Number(await badgeData('points')) === (await page.evaluate(() => window.__citytwin!.sensorCount())))
      .toBe(true);
    // The table came in columns.
    expect(await page.evaluate(() => window.__citytwin!.streamCounters().pointsTables)).toBeGreaterThan(0);
    // Once the map stands still and its last viewport is answered, every sensor on the map is in the table.
    await expect.poll(() => sensorsOnMapDrawn(box), { timeout: 15_000 }).toBe('all drawn');
    // And at the deepest a double-click lands (15.2), where half the map's height is 0.0064° of
    // latitude: sensors a little farther from the centre are off the map and not in the table.
    const tablesBefore = await page.evaluate(() => window.__citytwin!.streamCounters().pointsTables);
    const centre = (await page.evaluate(() => window.__citytwin!.camera())).center;
    await page.evaluate(([lng, lat]) => window.__citytwin!.flyTo(lng!, lat!, 15.2), centre);
    await expect
      .poll(() => page.evaluate(() => window.__citytwin!.streamCounters().pointsTables), { timeout: 10_000 })
      .toBeGreaterThan(tablesBefore);
    await expect.poll(() => sensorsOnMapDrawn(box), { timeout: 15_000 }).toBe('all drawn');
    // Live: deltas of the viewport keep arriving.
    const seq = await page.evaluate(() => window.__citytwin!.lastSeq());
    await expect.poll(() => page.evaluate(() => window.__citytwin!.lastSeq()), { timeout: 15_000 }).toBeGreaterThan(seq);
    await settled();
    await saveScreenshot(page, 'test-results/scale-points.png');

    for (let step = 0; step < 4; step++) {
      await page.locator('.maplibregl-ctrl-zoom-out').click();
      await page.waitForTimeout(350);
    }
    await expect.poll(() => badgeData('mode'), { timeout: 15_000 }).toBe('cells');
    await expect.poll(() => page.evaluate(() => window.__citytwin!.drawnCount()), { timeout: 10_000 }).toBe(0);
    await settled();
    await saveScreenshot(page, 'test-results/scale-cells-again.png');
  });

  it('logs no errors', () => {
    expect(errors).toEqual([]);
  });
});
