/**
 * The console in real Chromium against the whole product (embedded parts, simulator on):
 * the map draws, sensors arrive live, a click opens the sensor's panel with its chart, the
 * language toggles, and nothing errors. Screenshots go to test-results/ for review.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { launchChromium, openSignedInConsole, saveScreenshot } from './support/browser.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('browser');
let app: RunningCityTwin;
let browser: Browser;
let page: Page;
let errors: string[];
mkdirSync('test-results', { recursive: true });

beforeAll(async () => {
  app = await startTestCity(dir.path, { CITYTWIN_SIMULATE: '1', CITYTWIN_SENSORS: '1500', CITYTWIN_TIME_SCALE: '20' });
  browser = await launchChromium();
  ({ page, errors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD));
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

describe('the console in Chromium', () => {
  it('draws the map and the live sensors with the fast WebGL renderer', async () => {
    expect(await page.evaluate(() => window.__citytwin!.webglRenderer())).toMatch(/llvmpipe/i);
    await expect.poll(() => page.evaluate(() => window.__citytwin!.drawnCount()), { timeout: 20_000 }).toBeGreaterThan(500);
    const seq = await page.evaluate(() => window.__citytwin!.lastSeq());
    await expect.poll(() => page.evaluate(() => window.__citytwin!.lastSeq()), { timeout: 10_000 }).toBeGreaterThan(seq);
    expect(await page.locator('canvas').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.__citytwin!.language())).toBe('zh');
    await expect.poll(() => page.getByTestId('status-strip').innerText()).toMatch(/消息|传感器/);
    await saveScreenshot(page, 'test-results/console-zh.png');
  });

  it("keeps the map's buttons above the status strip and in the console's colours", async () => {
    const layout = await page.evaluate(() => {
      const strip = document.querySelector('[data-testid="status-strip"]')!.getBoundingClientRect();
      // Shown buttons only (the light/dark switch is hidden without a vector basemap).
      const shown = [...document.querySelectorAll<HTMLElement>('.maplibregl-ctrl-bottom-right button')].filter((b) => b.offsetWidth > 0);
      const buttons = shown.map((b) => {
        const r = b.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return { label: b.getAttribute('aria-label') ?? b.className, bottom: r.bottom, onTop: hit !== null && b.contains(hit) };
      });
      const group = document.querySelector<HTMLElement>('.maplibregl-ctrl-bottom-right .maplibregl-ctrl-group')!;
      return { stripTop: strip.top, buttons, background: getComputedStyle(group).backgroundColor };
    });
    // The console opens in zh-CN: maplibre's buttons are labelled in it (map/map-locale.ts).
    expect(layout.buttons.map((b) => b.label)).toContain('缩小');
    for (const b of layout.buttons) {
      expect(b.bottom, b.label).toBeLessThanOrEqual(layout.stripTop);
      expect(b.onTop, b.label).toBe(true);
    }
    expect(layout.background).not.toBe('rgb(255, 255, 255)');
  });

  it('opens a sensor panel with its chart from a click on the map', async () => {
    // A sensor with a few readings stored, drawn inside the viewport.
    const id = await waitFor('a sensor with stored history in view', async () => {
      const candidates = app.twin!.state.sensors.filter((s) => s.registered && s.lastTs > 0 && s.kind === 'water_level').map((s) => s.id);
      for (const candidate of candidates) {
        const pos = await page.evaluate((sid) => window.__citytwin!.projectSensor(sid), candidate);
        if (pos && pos[0] > 300 && pos[0] < 900 && pos[1] > 150 && pos[1] < 650) return candidate;
      }
      return null;
    });
    await waitFor('its readings stored', () => app.ingest!.pipeline.metrics.readingsStored > 0);
    const pos = (await page.evaluate((sid) => window.__citytwin!.projectSensor(sid), id))!;
    await page.mouse.click(pos[0], pos[1]);
    const panel = page.getByTestId('sensor-panel');
    await expect.poll(() => panel.isVisible(), { timeout: 10_000 }).toBe(true);
    // The click may land on a neighbour drawn on top; the panel names the sensor it shows.
    const shown = await panel.innerText();
    expect(shown).toMatch(/[A-Za-z]+-\d+/);
    await expect.poll(() => page.getByTestId('sensor-chart').locator('canvas').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await saveScreenshot(page, 'test-results/console-sensor.png');
    // With the sensor panel open the incident queue sits to its left, never under it.
    const queue = await page.getByTestId('incident-panel').boundingBox();
    const sensorBox = await panel.boundingBox();
    expect(queue!.x + queue!.width).toBeLessThanOrEqual(sensorBox!.x);
    const firstIncident = await page.evaluate(() => window.__citytwin!.incidentIds()[0] ?? null);
    if (firstIncident) {
      await page.evaluate((id) => window.__citytwin!.selectIncident(id), firstIncident);
      await saveScreenshot(page, 'test-results/console-sensor-incident.png');
      await page.evaluate(() => window.__citytwin!.selectIncident(null));
    }
  });

  it('switches to English and back', async () => {
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.language())).toBe('en');
    await expect.poll(() => page.getByTestId('status-strip').innerText()).toMatch(/msg|sensors|Sensors/i);
    await saveScreenshot(page, 'test-results/console-en.png');
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.language())).toBe('zh');
  });

  it('goes on, with a warning, when an artefact screenshot cannot be taken', async () => {
    const closed = await browser.newPage();
    await closed.close();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await expect(saveScreenshot(closed, 'test-results/never-taken.png')).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('screenshot test-results/never-taken.png not saved: '));
    } finally {
      warn.mockRestore();
    }
  });

  it('logs no errors', () => {
    expect(errors).toEqual([]);
  });
});
