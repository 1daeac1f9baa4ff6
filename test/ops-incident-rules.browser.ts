/**
 * The incident rules form on the operations page (docs/rules.md "In the running product"), in
 * real Chromium on the running product (`citytwin all`, embedded broker and ClickHouse): an
 * admin adds an evidence signal (its id, its sensor kinds as check boxes), sees the server's
 * refusal next to the field it names and nothing saved, completes it and saves it as a version,
 * then removes another signal and saves again, then sets the corroboration an opening signal
 * needs (refused for a signal the rule lacks) and clears it — each version read back through the API;
 * last, the heat rule's district shares show whether they count silent stations, and counting
 * them without corroboration is refused at the field.
 * Screenshots at 1920×1080 and 390×844 go to /tmp/ops-console/ops-incident-signals-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, saveScreenshot, signIn } from './support/browser.ts';
import { browserCity } from './support/browser-city.ts';

import type {} from '../web/client/ops/ops-main.ts'; // declares window.__ops
import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const city = browserCity('ops-incident-rules-browser');
let base: string;
let browser: Browser;
let admin: string;

beforeAll(async () => {
  ({ base, browser, admin } = await city.start());
}, 120_000);

afterAll(() => city.close());

const signals = (page: Page) => page.locator('[data-testid="incident-signal"]');
const input = (page: Page, path: string) => page.locator(`[data-testid="incident-input"][data-path="rules.waterlogging.${path}"]`);

/** The paths listed among the changes before saving. */
const pendingPaths = (page: Page) =>
  page.locator('[data-testid="rules-pending-change"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.path));

async function apply(page: Page, reason: string): Promise<void> {
  await page.getByTestId('rules-reason').fill(reason);
  await page.getByTestId('rules-apply').click();
}

describe('incident rules: signals through the form', () => {
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    errors = collectErrors(page);
    await page.goto(base);
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    await page.goto(new URL('ops.html#rules', base).href);
    await page.waitForFunction(() => window.__ops?.ready === true, undefined, { timeout: 30_000 });
    await page.evaluate(() => window.__ops!.loaded());
    await page.getByTestId('rules-scope').selectOption('incidents');
    await page.getByTestId('incident-type').waitFor();
    await page.getByTestId('incident-type').selectOption('waterlogging');
  }, 60_000);

  afterAll(async () => {
    await page?.close();
  });

  it('adds a signal, shows the refusal at the field it names, then saves it as a version', async () => {
    const before = await signals(page).count();
    expect(before).toBe(7);
    await page.getByTestId('incident-signal-add').click();
    expect(await signals(page).count()).toBe(before + 1);
    const added = `signals.${before}`;
    expect(await input(page, `${added}.id`).inputValue()).toBe('signal_8');
    await input(page, `${added}.id`).fill('river_rise');
    // Among the changes before saving, by the signal's id (the diff takes signals item by item).
    await expect.poll(() => pendingPaths(page)).toContain('rules.waterlogging.signals.river_rise');

    // A sensor alarm without its sensor kinds: refused, the reason under the kinds' check boxes.
    await apply(page, '增加河道水位信号');
    const error = page.locator(`[data-testid="incident-field-error"][data-path="rules.waterlogging.${added}.sensorKinds"]`);
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.innerText()).toContain('sensor_alarm needs sensorKinds');
    expect((await call(base, admin, 'GET', '/api/rules/incidents/versions')).body.versions).toEqual([]);

    const kinds = page.locator(`[data-testid="incident-set"][data-path="rules.waterlogging.${added}.sensorKinds"]`);
    await kinds.locator('[data-choice="river_level"]').check();
    await input(page, `${added}.weight`).fill('0.35');
    await apply(page, '增加河道水位信号');
    await expect.poll(() => page.getByTestId('rules-apply-message').innerText()).toBe('已保存为第 1 版并立即生效。');
    const saved = (await call(base, admin, 'GET', '/api/rules/incidents')).body.ruleSet.rules.waterlogging;
    expect(saved.signals).toHaveLength(8);
    expect(saved.signals[7]).toMatchObject({
      id: 'river_rise',
      evidence: 'sensor_alarm',
      sensorKinds: ['river_level'],
      minLevel: 'alarm',
      family: 'sensor',
      weight: 0.35,
      canOpen: false,
    });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await saveScreenshot(page, '/tmp/ops-console/ops-incident-signals-1920x1080.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, '/tmp/ops-console/ops-incident-signals-390x844.png');
    await page.setViewportSize({ width: 1920, height: 1080 });
  });

  it('removes a signal and saves the rule without it', async () => {
    await page.locator('[data-testid="incident-signal"][data-signal-id="camera"] [data-testid="incident-signal-remove"]').click();
    expect(await page.locator('[data-testid="incident-signal"][data-signal-id="camera"]').count()).toBe(0);
    await expect.poll(() => pendingPaths(page)).toContain('rules.waterlogging.signals.camera');
    await apply(page, '摄像头信号停用');
    await expect.poll(() => page.getByTestId('rules-apply-message').innerText()).toBe('已保存为第 2 版并立即生效。');
    const saved = (await call(base, admin, 'GET', '/api/rules/incidents')).body.ruleSet.rules.waterlogging;
    expect(saved.signals.map((s: { id: string }) => s.id)).toEqual([
      'water_level',
      'heavy_rain',
      'slow_traffic',
      'hotline',
      'hotline_stalled_car',
      'manual',
      'river_rise',
    ]);
    // The refusal the first test asked for (the signal without sensor kinds) is the only error.
    expect(errors.filter((e) => !e.includes('status of 400 (Bad Request)'))).toEqual([]);
    expect(errors.filter((e) => e.includes('status of 400 (Bad Request)'))).toHaveLength(1);
  });

  it('sets the corroboration an opening signal needs, refused for a signal the rule lacks, and clears it', async () => {
    const field = 'signals.0.corroboration';
    await input(page, `${field}.signals`).fill('river_flood');
    await apply(page, '水位告警需佐证');
    const error = page.locator(`[data-testid="incident-field-error"][data-path="rules.waterlogging.${field}.signals"]`);
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.innerText()).toContain('"river_flood" is not a signal of this rule');

    await input(page, `${field}.signals`).fill('heavy_rain, hotline');
    await input(page, `${field}.minFamilies`).fill('1');
    await apply(page, '水位告警需佐证');
    await expect.poll(() => page.getByTestId('rules-apply-message').innerText()).toBe('已保存为第 3 版并立即生效。');
    let saved = (await call(base, admin, 'GET', '/api/rules/incidents')).body.ruleSet.rules.waterlogging;
    expect(saved.signals[0]).toMatchObject({ id: 'water_level', corroboration: { signals: ['heavy_rain', 'hotline'], minFamilies: 1 } });

    // Every field of it emptied: the signal has no corroboration left (not an empty object).
    for (const key of ['signals', 'minFamilies', 'withinS']) await input(page, `${field}.${key}`).fill('');
    await apply(page, '水位告警不再需佐证');
    await expect.poll(() => page.getByTestId('rules-apply-message').innerText()).toBe('已保存为第 4 版并立即生效。');
    saved = (await call(base, admin, 'GET', '/api/rules/incidents')).body.ruleSet.rules.waterlogging;
    expect(saved.signals[0].id).toBe('water_level');
    expect(saved.signals[0]).not.toHaveProperty('corroboration');
    expect(errors.filter((e) => e.includes('status of 400 (Bad Request)'))).toHaveLength(2);
  });

  it('shows whether a district share counts silent stations, refused without corroboration', async () => {
    await page.getByTestId('incident-type').selectOption('heat_stress');
    const heat = (path: string) => page.locator(`[data-testid="incident-input"][data-path="rules.heat_stress.${path}"]`);
    // The shipped heat rule: its second district share counts silent stations, its first does not.
    expect(await heat('signals.1.id').inputValue()).toBe('district_heat_silent');
    expect(await heat('signals.1.countSilent').isChecked()).toBe(true);
    expect(await heat('signals.0.countSilent').isChecked()).toBe(false);

    await heat('signals.0.countSilent').check();
    await apply(page, '全区占比计入离线站');
    const error = page.locator('[data-testid="incident-field-error"][data-path="rules.heat_stress.signals.0.countSilent"]');
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.innerText()).toContain('countSilent needs corroboration');
    const saved = (await call(base, admin, 'GET', '/api/rules/incidents')).body.ruleSet.rules.heat_stress;
    expect(saved.signals[0]).not.toHaveProperty('countSilent');
    expect(errors.filter((e) => e.includes('status of 400 (Bad Request)'))).toHaveLength(3);
  });
});
