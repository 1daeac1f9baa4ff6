/**
 * The console on the second city, in real Chromium at 1920×1080: `citytwin all` started on the
 * river-town package (test/fixtures/cities/river-town, Flusstal, CITYTWIN_CITY). The map starts
 * over the town (its centre from city.json, not Wuhan's), its four districts are drawn, its
 * registered sensors and its units are on the map, the header names the town, and the 3D toggle
 * tilts the map there too. Screenshots go to /tmp/citytwin-river-town for review.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { registerSites } from '../twin-model/index.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { launchChromium, openSignedInConsole, saveScreenshot } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const RIVER_TOWN = join(import.meta.dirname, 'fixtures', 'cities', 'river-town');
/** Screenshots for review, outside the repository. */
const SHOTS = '/tmp/citytwin-river-town';
const VIEWPORT = { width: 1920, height: 1080 };

const dir = tempDir('river-town-browser');
let app: RunningCityTwin;
let browser: Browser;
let page: Page;
let errors: string[];
mkdirSync(SHOTS, { recursive: true });

async function mapSettled(p: Page): Promise<void> {
  await expect.poll(() => p.evaluate(() => window.__citytwin!.basemap().loaded), { timeout: 30_000 }).toBe(true);
}

beforeAll(async () => {
  app = await startTestCity(join(dir.path, 'data'), { CITYTWIN_CITY: RIVER_TOWN });
  browser = await launchChromium();
  ({ page, errors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD, VIEWPORT));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

describe('the console on the river-town package', () => {
  it('starts over the town with its districts, sensors and units, and names it', async () => {
    const [w, s, e, n] = app.city!.bbox;
    await expect
      .poll(async () => {
        const [lng, lat] = await page.evaluate(() => window.__citytwin!.basemap().center);
        return lng >= w && lng <= e && lat >= s && lat <= n;
      })
      .toBe(true);
    await mapSettled(page);
    const view = await page.evaluate(() => window.__citytwin!.basemap());
    expect(view.mode).toBe('schematic');
    expect(view.zoom).toBeGreaterThan(12);
    await expect
      .poll(() => page.evaluate(() => window.__citytwin!.basemap().districts))
      .toEqual(['altstadt', 'bahnhof', 'nordost', 'suedwest']);
    // Every registered sensor (v1 kinds and the kinds its vocabulary declares) is in the console.
    const registered = registerSites(app.city).length;
    await expect.poll(() => page.evaluate(() => window.__citytwin!.sensorCount())).toBe(registered);
    // The bahnhof water gauge is drawn on screen.
    const gauge = await page.evaluate(() => window.__citytwin!.projectSensor('wl-up-bahnhof'));
    expect(gauge).not.toBeNull();
    expect(gauge![0]).toBeGreaterThan(0);
    expect(gauge![0]).toBeLessThan(VIEWPORT.width);
    expect(gauge![1]).toBeGreaterThan(0);
    expect(gauge![1]).toBeLessThan(VIEWPORT.height);
    // Its eleven units, one of them on screen.
    await expect.poll(() => page.evaluate(() => window.__citytwin!.unitCount())).toBe(11);
    const unit = await page.evaluate(() => window.__citytwin!.projectUnit('pump-1'));
    expect(unit).not.toBeNull();
    await expect.poll(() => page.locator('.brand-city').innerText()).toMatch(/弗卢斯塔尔|Flusstal/);
    await saveScreenshot(page, join(SHOTS, 'console.png'));
  });

  it('tilts into 3D over the town and back', async () => {
    await page.getByTestId('view-3d-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().pitch)).toBeGreaterThan(40);
    expect(await page.evaluate(() => window.__citytwin!.basemap().is3d)).toBe(true);
    await mapSettled(page);
    const [w, s, e, n] = app.city!.bbox;
    const [lng, lat] = await page.evaluate(() => window.__citytwin!.basemap().center);
    expect(lng >= w && lng <= e && lat >= s && lat <= n).toBe(true);
    await saveScreenshot(page, join(SHOTS, 'console-3d.png'));
    await page.getByTestId('view-3d-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.basemap().pitch)).toBe(0);
    expect(errors).toEqual([]);
  });
});
