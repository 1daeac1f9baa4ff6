/**
 * The Registers tab (登记册) of the operations page in real Chromium on the running product
 * (`citytwin all` on the river-town package): an admin pastes a sensors.csv with an invalid row,
 * dry runs it and sees the row named with its reason; pastes a valid one (a sensor added, one
 * moved, one removed), dry runs it and sees the added, changed and retired rows; applies it with
 * a reason and sees it in force and in the past imports. A screenshot goes to
 * /tmp/ops-console/ops-registers-1920x1080.png.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot, signIn } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { RIVER_TOWN_DIR } from './support/make-city-fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/ops/ops-main.ts'; // declares window.__ops

const dir = tempDir('registers-browser');
const pkg = join(dir.path, 'flusstal');
let app: RunningCityTwin;
let browser: Browser;
let page: Page;
let errors: string[];

const lines = readFileSync(join(RIVER_TOWN_DIR, 'sensors.csv'), 'utf8').trimEnd().split('\n');
const valid = [
  ...lines
    .filter((l) => !l.startsWith('aq-sw,'))
    .map((l) => (l.startsWith('tp-sw,') ? l.replace('15.5858488,48.1941544', '15.5860000,48.1945000') : l)),
  'rg-neu,rain_gauge,15.6000000,48.2100000,hydro.rain,新雨量站,New rain gauge,,',
].join('\n');

beforeAll(async () => {
  cpSync(RIVER_TOWN_DIR, pkg, { recursive: true });
  app = await startTestCity(join(dir.path, 'data'), { CITYTWIN_CITY: pkg });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  errors = collectErrors(page);
  await page.goto(new URL('ops.html#registers', app.url!).href);
  await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
  await page.waitForFunction(() => window.__ops?.ready === true, undefined, { timeout: 30_000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

const diffRows = (what: string) => page.locator(`[data-testid="registers-diff"] tr[data-diff="${what}"]`);

describe('the Registers tab, as an admin', () => {
  it('names the invalid row of a dry run with its reason, and changes nothing', async () => {
    expect(await page.evaluate(() => window.__ops!.tab())).toBe('registers');
    expect(await page.getByTestId('ops-tab-registers').innerText()).toBe('登记册');
    await page.getByTestId('registers-text').fill(`${valid}\nbad-kind,rain_gage,15.6,48.2,hydro.rain,甲,A,,`);
    await page.getByTestId('registers-dry-run').click();
    const invalid = page.locator('[data-testid="registers-invalid"] tr[data-diff="invalid"]');
    await invalid.first().waitFor();
    expect(await invalid.count()).toBe(1);
    const cells = await invalid.first().locator('td').allInnerTexts();
    expect(cells.slice(0, 3)).toEqual([`sensors.csv:${lines.length + 1}`, 'kind', '"rain_gage"']);
    expect(await page.getByTestId('registers-message').innerText()).toContain('1 个错误');
  });

  it('shows the added, changed and retired rows of a valid file, then applies it with a reason', async () => {
    await page.getByTestId('registers-text').fill(valid);
    await page.getByTestId('registers-dry-run').click();
    await diffRows('added').first().waitFor();
    expect(await diffRows('added').locator('td').nth(1).innerText()).toBe('rg-neu');
    expect(await diffRows('changed').locator('td').nth(1).innerText()).toBe('tp-sw');
    expect(await diffRows('changed').locator('td').nth(5).innerText()).toBe('moved');
    expect(await diffRows('retired').locator('td').nth(1).innerText()).toBe('aq-sw');
    await saveScreenshot(page, '/tmp/ops-console/ops-registers-1920x1080.png');

    await page.getByTestId('registers-reason').fill('新雨量站');
    await page.getByTestId('registers-apply').click();
    await page.locator('[data-testid="registers-message"][data-kind="ok"]').waitFor();
    const admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
    expect((await call(app.url!, admin, 'GET', '/api/sensors/rg-neu')).body.registered).toBe(true);
    const past = page.locator('[data-testid="registers-imports"] tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="registers-imports"] tbody tr').length === 3);
    expect(await past.first().locator('td').nth(3).innerText()).toBe('已应用');

    await page.evaluate(() => window.__ops!.setLanguage('en'));
    expect(await page.getByTestId('ops-tab-registers').innerText()).toBe('Registers');
    expect(await past.first().locator('td').nth(3).innerText()).toBe('applied');
    expect(errors).toEqual([]);
  });
});
