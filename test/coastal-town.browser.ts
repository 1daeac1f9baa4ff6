/**
 * Another city's screens in real Chromium at 1920×1080: `citytwin all` on the worked example
 * package (test/fixtures/cities/coastal-town, Porto Salgado, Asia/Kolkata), the browser itself
 * on Asia/Shanghai. The KPI screen names the town and keeps its long name clear of the clock,
 * whose label gives the town's offset (UTC+5:30); the case desk says its times are the town's.
 * Screenshots go to /tmp/citytwin-coastal-town for review.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { launchChromium, openSignedInConsole, saveScreenshot } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const COASTAL_TOWN = join(import.meta.dirname, 'fixtures', 'cities', 'coastal-town');
const SHOTS = '/tmp/citytwin-coastal-town';
const VIEWPORT = { width: 1920, height: 1080 };

const dir = tempDir('coastal-town-browser');
let app: RunningCityTwin;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
mkdirSync(SHOTS, { recursive: true });

beforeAll(async () => {
  app = await startTestCity(join(dir.path, 'data'), { CITYTWIN_CITY: COASTAL_TOWN });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: VIEWPORT, timezoneId: 'Asia/Shanghai' });
  // English: the longer name of the two.
  await context.addInitScript(() => window.localStorage.setItem('citytwin.language', 'en'));
  ({ page, errors } = await openSignedInConsole(context, app.url!, TEST_ADMIN_PASSWORD));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

/** Whether two elements' boxes overlap on screen. */
async function overlap(p: Page, a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([p.getByTestId(a).boundingBox(), p.getByTestId(b).boundingBox()]);
  if (!ra || !rb) throw new Error(`${a} or ${b} is not on screen`);
  return ra.x < rb.x + rb.width && rb.x < ra.x + ra.width && ra.y < rb.y + rb.height && rb.y < ra.y + ra.height;
}

describe('the screens of a city on another clock (Porto Salgado, Asia/Kolkata)', () => {
  it('the KPI screen names the town, keeps its title clear of the clock, and tells the time on the town clock', async () => {
    await page.goto(`${app.url}kpi.html`);
    await expect.poll(() => page.getByTestId('kpi-title').textContent()).toContain('Porto Salgado (sample coastal town)');
    await expect.poll(() => page.getByTestId('kpi-clock-label').textContent()).toContain('UTC+5:30');
    await saveScreenshot(page, join(SHOTS, 'kpi-en.png'));
    expect(await overlap(page, 'kpi-title', 'kpi-clock-label')).toBe(false);
    expect(await overlap(page, 'kpi-title', 'kpi-clock-time')).toBe(false);
    expect(await overlap(page, 'kpi-title', 'kpi-asof')).toBe(false);
    expect(await overlap(page, 'kpi-title', 'kpi-health')).toBe(false);
    const title = await page.getByTestId('kpi-title').boundingBox();
    expect(title!.x).toBeGreaterThanOrEqual(0);
    expect(title!.x + title!.width).toBeLessThanOrEqual(VIEWPORT.width);
  });

  it('the case desk says its times are the town clock, not Wuhan time', async () => {
    await page.goto(`${app.url}cases.html`);
    await expect
      .poll(() => page.getByTestId('cases-timezone').textContent())
      .toBe('Times in Porto Salgado (sample coastal town) time (UTC+5:30)');
    await saveScreenshot(page, join(SHOTS, 'cases-en.png'));
    expect(errors).toEqual([]);
  });
});
