/**
 * The sensor panel of a device nobody registered (docs/ingest.md, "Units of metrics the
 * vocabulary does not know"): its `temp` sent in SenML `Cel` shows as °C in zh-CN and English —
 * the latest value and the chart's caption — and `hPa` as given; at 1920×1080, on a wall
 * (3840×1080) and on a phone (390×844), with screenshots in test-results/unit-seen/.
 */
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { openSignedInConsole, saveScreenshot } from './support/browser.ts';
import { browserCity } from './support/browser-city.ts';
import { waitFor } from './support/fixtures.ts';

const city = browserCity('unit-seen-browser');
let app: RunningCityTwin;
let base: string;
let browser: Browser;
const SENSOR = 'urn-dev-mac-0024befffe804ff1';

beforeAll(async () => {
  ({ app, base, browser } = await city.start());
  const client = await mqtt.connectAsync(app.mqttUrl, { clientId: 'unit-seen-browser-gw', protocolVersion: 4 });
  const pack = [
    { bn: 'urn:dev:mac:0024befffe804ff1:', n: 'temp', u: 'Cel', v: 21.5 },
    { n: 'pressure', u: 'hPa', v: 1003.2 },
  ];
  await client.publishAsync('citytwin/v1/gateways/gw-1/senml', JSON.stringify(pack), { qos: 1 });
  await client.endAsync();
  await waitFor('the device in the twin', () => app.twin!.state.byId.get(SENSOR)?.latest.get('pressure') ?? null);
}, 90_000);

afterAll(() => city.close());

/** The text of the latest value of `metric` in the open panel. */
const latestText = (page: Page, metric: string) =>
  page.locator(`[data-testid="sensor-latest"] tr[data-metric="${metric}"] .latest-value`).textContent();

describe('a metric the vocabulary does not know, in the sensor panel', () => {
  for (const [name, viewport] of [
    ['desktop', { width: 1920, height: 1080 }],
    ['wall', { width: 3840, height: 1080 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`shows the unit it came in (${name} ${viewport.width}×${viewport.height}, zh-CN then English)`, async () => {
      const { page, errors } = await openSignedInConsole(browser, base, TEST_ADMIN_PASSWORD, viewport);
      try {
        await page.evaluate((id) => window.__citytwin!.selectSensor(id), SENSOR);
        await expect.poll(() => latestText(page, 'temp'), { timeout: 15_000 }).toBe('21.5°C');
        expect(await latestText(page, 'pressure')).toBe('1003 hPa');
        await expect.poll(() => page.locator('.chart-meta').textContent(), { timeout: 15_000 }).toContain('temp (°C)');
        // A phone does not scroll sideways.
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        await saveScreenshot(page, `test-results/unit-seen/${name}-zh.png`, { timeoutMs: 30_000 });
        await page.evaluate(() => window.__citytwin!.setLanguage('en'));
        await expect.poll(() => page.locator('.chart-meta').textContent(), { timeout: 15_000 }).toContain('temp (°C)');
        expect(await latestText(page, 'temp')).toBe('21.5°C');
        await saveScreenshot(page, `test-results/unit-seen/${name}-en.png`, { timeoutMs: 30_000 });
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }, 90_000);
  }
});
