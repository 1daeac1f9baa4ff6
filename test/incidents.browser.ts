/**
 * The incident queue in real Chromium: incidents created over MQTT (manual reports, which open
 * an incident on their own) appear in the queue and on the map, announce themselves, open with
 * their evidence and history, and an operator acknowledges one, merges two and splits them again. Screenshots go
 * to test-results/ for review.
 */
import { mkdirSync } from 'node:fs';
import type mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { saveScreenshot } from './support/browser.ts';
import { consoleCity, publishWaterloggingReport } from './support/console-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const city = consoleCity('incidents-browser');
let app: RunningCityTwin;
let page: Page;
let errors: string[];
let publisher: mqtt.MqttClient;
mkdirSync('test-results', { recursive: true });

const report = (id: string, lng: number, lat: number): Promise<void> => publishWaterloggingReport(publisher, id, lng, lat);

beforeAll(async () => {
  ({ app, page, errors, publisher } = await city.start());
});

afterAll(() => city.close());

describe('the incident queue in Chromium', () => {
  let first = '';
  let second = '';

  it('shows a new incident in the queue, on the map and in a toast', async () => {
    await expect.poll(() => page.getByTestId('incident-empty').isVisible()).toBe(true);
    await report('r-1', 114.3, 30.58);
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount()), { timeout: 10_000 }).toBe(1);
    first = (await page.evaluate(() => window.__citytwin!.incidentIds()))[0]!;
    await expect.poll(() => page.getByTestId('incident-toast').isVisible()).toBe(true);
    expect(await page.getByTestId('incident-toast').innerText()).toContain('道路积水');
    const row = page.locator(`[data-testid="incident-row"][data-incident-id="${first}"]`);
    expect(await row.innerText()).toMatch(/道路积水[\s\S]*待处理/);
    expect(await page.evaluate((id) => window.__citytwin!.projectIncident(id), first)).not.toBeNull();
    await saveScreenshot(page, 'test-results/incidents-queue.png');
  });

  it('opens an incident with its evidence and history, and acknowledges it', async () => {
    await page.locator(`[data-testid="incident-row"][data-incident-id="${first}"]`).click();
    await expect.poll(() => page.getByTestId('incident-detail').isVisible()).toBe(true);
    expect(await page.evaluate(() => window.__citytwin!.selectedIncident())).toBe(first);
    await expect.poll(() => page.getByTestId('incident-evidence').innerText()).toMatch(/人工上报[\s\S]*锚点/);
    await expect.poll(() => page.getByTestId('incident-history').innerText()).toContain('事件生成');
    await page.getByTestId('incident-action-acknowledge').click();
    await expect.poll(() => page.getByTestId('incident-detail-status').innerText()).toBe('已确认');
    await expect.poll(() => page.getByTestId('incident-history').innerText()).toMatch(/确认[\s\S]*admin/);
    await saveScreenshot(page, 'test-results/incidents-detail.png');
  });

  it('merges a second incident into the first', async () => {
    await report('r-2', 114.3, 30.55);
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount()), { timeout: 10_000 }).toBe(2);
    second = (await page.evaluate((f) => window.__citytwin!.incidentIds().find((id) => id !== f), first))!;
    await expect.poll(() => page.getByTestId('incident-merge-select').locator(`option[value="${second}"]`).count()).toBe(1);
    await page.getByTestId('incident-merge-select').selectOption(second);
    await page.getByTestId('incident-action-merge').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount()), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('incident-evidence').locator('li').count()).toBe(2);
    await expect.poll(() => page.getByTestId('incident-history').innerText()).toContain('合并事件');
    expect(app.twin!.incident(second)!.status).toBe('closed');
    await saveScreenshot(page, 'test-results/incidents-merged.png');
  });

  it('splits evidence out into a new incident, with the reason in the history', async () => {
    // After the merge the first incident holds both reports: tick the merged one and split it out.
    const picks = page.getByTestId('evidence-pick');
    await expect.poll(() => picks.count()).toBe(2);
    expect(await page.getByTestId('incident-action-split').isDisabled()).toBe(true);
    await page
      .locator('[data-testid="incident-evidence"] li[data-evidence-id="event:field-staff:r-2"]')
      .getByTestId('evidence-pick')
      .check();
    await expect.poll(() => page.getByTestId('incident-action-split').isDisabled()).toBe(false);
    await page.getByTestId('incident-reason').fill('两处积水相距较远');
    await page.getByTestId('incident-action-split').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount()), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('incident-evidence').locator('li').count()).toBe(1);
    await expect
      .poll(() => page.getByTestId('incident-history').innerText())
      .toMatch(/拆分出证据[\s\S]*1 条证据移至新事件 inc-\d+（原因：两处积水相距较远）/);
    const split = app.twin!.activeIncidents().find((i) => i.id !== first)!;
    expect(split.evidence.map((e) => e.id)).toEqual(['event:field-staff:r-2']);
    // History details are worded in the console language, not the stored English.
    expect(await page.getByTestId('incident-history').innerText()).not.toMatch(/evidence from|merged .* into this incident/);
    await saveScreenshot(page, 'test-results/incidents-split.png');
  });

  it('speaks English on the toggle', async () => {
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.getByTestId('incident-panel').innerText()).toMatch(/Incidents[\s\S]*Waterlogging[\s\S]*Acknowledged/);
    expect(await page.getByTestId('incident-evidence').innerText()).toMatch(/Manual report/);
    // The message of the last action (the split) is worded in the new language as well.
    await expect.poll(() => page.getByTestId('incident-action-message').innerText()).toMatch(/^Recorded: /);
    await saveScreenshot(page, 'test-results/incidents-en.png');
    await page.getByTestId('language-toggle').click();
  });

  it('turns the new-incident toast to English with the console, and announces later ones in English', async () => {
    const toast = page.getByTestId('incident-toast');
    const newIncident = async (id: string, lng: number, lat: number): Promise<string> => {
      const before = new Set(await page.evaluate(() => window.__citytwin!.incidentIds()));
      await report(id, lng, lat);
      await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount()), { timeout: 10_000 }).toBe(before.size + 1);
      const added = (await page.evaluate(() => window.__citytwin!.incidentIds())).find((i) => !before.has(i))!;
      await expect.poll(() => toast.getAttribute('data-incident-id')).toBe(added);
      return added;
    };
    const CJK = /[\u3400-\u9fff]/;
    // Announced in Chinese; the switch to English turns the toast's words too (its text, whether
    // or not it is still up).
    await newIncident('r-3', 114.42, 30.48);
    expect(await toast.textContent()).toMatch(/^新事件\s*道路积水 · /);
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.language())).toBe('en');
    await expect.poll(() => toast.textContent()).toMatch(/^New incident\s*Waterlogging · /);
    expect(await toast.textContent(), 'no Chinese left in the English toast').not.toMatch(CJK);
    // A later one is announced in English.
    await newIncident('r-4', 114.2, 30.45);
    await expect.poll(() => toast.isVisible()).toBe(true);
    expect(await toast.textContent()).toMatch(/^New incident\s*Waterlogging · /);
    expect(await toast.textContent()).not.toMatch(CJK);
    await saveScreenshot(page, 'test-results/incidents-toast-en.png');
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.language())).toBe('zh');
  });

  it('logs no errors', () => {
    expect(errors).toEqual([]);
  });
});
