/**
 * Dispatch in real Chromium: a manual report over MQTT opens a waterlogging incident; its detail
 * recommends a pump team first with the ETA and reasons in Chinese; the dispatcher sends it, the
 * unit turns 已派遣 in the detail and on the unit board and its route is drawn on the map; AVL
 * fixes over MQTT drive it along the route to the incident and the board shows it 到场; sending a
 * second pump team (not the first of its kind) asks for a reason inside the panel; the labels
 * switch to English; the board and the incident panel do not overlap at 1280×800 and 1920×1080.
 * Screenshots go to test-results/dispatch-*.png for review.
 */
import { mkdirSync } from 'node:fs';
import type mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { UnitView } from '../web/shared/protocol.ts';
import { saveScreenshot } from './support/browser.ts';
import { consoleCity } from './support/console-city.ts';
import { consoleFetch } from './support/console-client.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const city = consoleCity('dispatch-browser');
let app: RunningCityTwin;
let page: Page;
let errors: string[];
let publisher: mqtt.MqttClient;
mkdirSync('test-results', { recursive: true });

/** A flooded street in Wuchang, near the Yangtze. */
const place = { lng: 114.31, lat: 30.555 };

async function unitOf(id: string): Promise<UnitView> {
  const res = await consoleFetch(app.url!, `/api/units/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as UnitView;
}

/** Time of the last AVL fix sent: each fix is newer than the last (older ones are rejected). */
let fixAt = 0;

async function fix(unitId: string, p: readonly [number, number], extra: Record<string, unknown> = {}): Promise<void> {
  fixAt = Math.max(fixAt + 1, Date.now());
  await publisher.publishAsync(
    `citytwin/v1/units/${unitId}/position`,
    JSON.stringify({ ts: fixAt, lng: p[0], lat: p[1], speed: 40, ...extra }),
    { qos: 1 },
  );
}

/** Whether two elements' boxes intersect. */
async function overlap(a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([page.getByTestId(a).boundingBox(), page.getByTestId(b).boundingBox()]);
  if (!ra || !rb) return false;
  return ra.x < rb.x + rb.width && rb.x < ra.x + ra.width && ra.y < rb.y + rb.height && rb.y < ra.y + ra.height;
}

/** Whether an element lies inside the viewport. */
async function inViewport(testId: string): Promise<boolean> {
  const box = await page.getByTestId(testId).boundingBox();
  const vp = page.viewportSize()!;
  return !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width && box.y + box.height <= vp.height;
}

beforeAll(async () => {
  ({ app, page, errors, publisher } = await city.start());
});

afterAll(() => city.close());

describe('dispatch in Chromium', () => {
  let incidentId = '';
  let first = '';
  let second = '';

  it('shows every unit on the board and on the map', async () => {
    const total = app.dispatch!.units().length;
    await expect.poll(() => page.evaluate(() => window.__citytwin!.unitCount()), { timeout: 10_000 }).toBe(total);
    expect(await page.getByTestId('unit-board-summary').innerText()).toContain(`共 ${total}`);
    const pumps = app.dispatch!.units().filter((u) => u.kind === 'pump_team').length;
    await expect.poll(() => page.getByTestId('unit-count-pump_team-available').getAttribute('data-count')).toBe(String(pumps));
    expect(await page.getByTestId('unit-matrix').innerText()).toMatch(/排水抢险队[\s\S]*消防车[\s\S]*救护车[\s\S]*警车[\s\S]*交警/);
    expect(await overlap('unit-board', 'incident-panel')).toBe(false);
    expect(await overlap('unit-board', 'legend')).toBe(false);
  });

  it('recommends a pump team first for a waterlogging incident, with the ETA and reasons in Chinese', async () => {
    await publisher.publishAsync(
      'citytwin/v1/events/field-staff',
      JSON.stringify({
        id: 'disp-1',
        ts: Date.now(),
        type: 'manual_report',
        category: 'waterlogging',
        ...place,
        severity: 4,
        text: '路面积水',
      }),
      { qos: 1 },
    );
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount()), { timeout: 10_000 }).toBe(1);
    incidentId = (await page.evaluate(() => window.__citytwin!.incidentIds()))[0]!;
    await page.locator(`[data-testid="incident-row"][data-incident-id="${incidentId}"]`).click();
    const recs = page.getByTestId('dispatch-rec');
    await expect.poll(() => recs.count(), { timeout: 10_000 }).toBeGreaterThan(1);
    const top = recs.first();
    expect(await top.getAttribute('data-kind')).toBe('pump_team');
    first = (await top.getAttribute('data-unit-id'))!;
    expect(await top.innerText()).toMatch(/排水抢险队[\s\S]*\d+(\.\d)? 分钟[\s\S]*\d+(\.\d)? 公里/);
    expect(await top.getByTestId('rec-reasons').innerText()).toMatch(/行驶约 \d+(\.\d)? 分钟.*路程 .* 公里.*具备排水/);
    // Every reason is worded: no reason code is shown as it is sent.
    expect(await page.getByTestId('dispatch-recs').innerText()).not.toMatch(
      /coverage_|route_|in_district|cross_district|pumping|traffic_control/,
    );
    // Pointing at a recommendation draws its route.
    await top.hover();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.previewRoute()?.length ?? 0)).toBeGreaterThan(1);
    await saveScreenshot(page, 'test-results/dispatch-recommendations.png');
  });

  it('dispatches the first pump team: 已派遣 in the detail and on the board, its route on the map', async () => {
    await page.locator(`[data-testid="dispatch-send"][data-unit-id="${first}"]`).click();
    await expect.poll(() => page.evaluate((id) => window.__citytwin!.unitStatus(id), first), { timeout: 10_000 }).toBe('dispatched');
    await expect.poll(() => page.getByTestId('dispatch-message').innerText()).toContain('已派遣');
    const assigned = page.locator(`[data-testid="dispatch-assigned"] [data-unit-id="${first}"]`);
    await expect.poll(() => assigned.count()).toBe(1);
    expect(await assigned.innerText()).toMatch(/已派遣[\s\S]*约 \d+(\.\d)? 分钟/);
    // The recommendations were refreshed without the unit.
    await expect.poll(() => page.locator(`[data-testid="dispatch-rec"][data-unit-id="${first}"]`).count()).toBe(0);
    // On the board: counted and listed as 已派遣.
    await expect.poll(() => page.getByTestId('unit-count-pump_team-dispatched').getAttribute('data-count')).toBe('1');
    await page.getByTestId('unit-board-list-toggle').click();
    const row = page.locator(`[data-testid="unit-row"][data-unit-id="${first}"]`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('dispatched');
    expect(await row.getByTestId('unit-row-status').innerText()).toBe('已派遣');
    expect(await row.innerText()).toContain(incidentId);
    // The trip drawn on the map is the unit's route.
    const unit = await unitOf(first);
    expect(unit.trip?.leg).toBe('to_incident');
    await expect.poll(() => page.evaluate((id) => window.__citytwin!.unitTripPath(id)?.length ?? 0, first)).toBe(unit.trip!.path.length);
    expect(await page.evaluate((id) => window.__citytwin!.unitTripPath(id), first)).toEqual(unit.trip!.path);
    expect(await overlap('unit-board', 'incident-panel')).toBe(false);
    expect(await inViewport('unit-board')).toBe(true);
    // Pointing at the unit on the map tells what it is doing.
    const [x, y] = (await page.evaluate((id) => window.__citytwin!.projectUnit(id), first))!;
    await page.mouse.move(x, y);
    await expect.poll(() => page.getByTestId('unit-tooltip').isVisible()).toBe(true);
    expect(await page.getByTestId('unit-tooltip').innerText()).toMatch(
      new RegExp(`排水抢险队[\\s\\S]*已派遣[\\s\\S]*${incidentId}[\\s\\S]*约 \\d+(\\.\\d)? 分钟`),
    );
    await saveScreenshot(page, 'test-results/dispatch-assigned.png');
    await page.mouse.move(5, 400);
  });

  it('follows the unit by AVL fixes over MQTT until the board shows it 到场', async () => {
    const path = (await unitOf(first)).trip!.path;
    await fix(first, path[0]!, { status: 'en_route' });
    await expect.poll(() => page.evaluate((id) => window.__citytwin!.unitStatus(id), first), { timeout: 10_000 }).toBe('en_route');
    await expect
      .poll(() => page.locator(`[data-testid="unit-row"][data-unit-id="${first}"]`).getByTestId('unit-row-status').innerText())
      .toBe('途中');
    // Every few points of the route, then the incident's place.
    const step = Math.max(1, Math.floor(path.length / 12));
    for (let i = step; i < path.length; i += step) await fix(first, path[i]!);
    await fix(first, path[path.length - 1]!);
    await fix(first, [place.lng, place.lat]);
    await expect.poll(() => page.evaluate((id) => window.__citytwin!.unitStatus(id), first), { timeout: 10_000 }).toBe('on_scene');
    await expect.poll(() => page.getByTestId('unit-count-pump_team-on_scene').getAttribute('data-count')).toBe('1');
    await expect
      .poll(() => page.locator(`[data-testid="unit-row"][data-unit-id="${first}"]`).getByTestId('unit-row-status').innerText())
      .toBe('到场');
    await expect
      .poll(() => page.locator(`[data-testid="dispatch-assigned"] [data-unit-id="${first}"]`).innerText())
      .toMatch(/到场[\s\S]*已到达/);
    // Arrived: no trip is drawn any more.
    await expect.poll(() => page.evaluate((id) => window.__citytwin!.unitTripPath(id), first)).toBeNull();
    await saveScreenshot(page, 'test-results/dispatch-on-scene.png');
  });

  it('asks for a reason before sending a pump team that is not the first of its kind', async () => {
    const pumps = page.locator('[data-testid="dispatch-rec"][data-kind="pump_team"]');
    await expect.poll(() => pumps.count()).toBeGreaterThan(1);
    second = (await pumps.nth(1).getAttribute('data-unit-id'))!;
    await page.locator(`[data-testid="dispatch-send"][data-unit-id="${second}"]`).click();
    const form = page.getByTestId('dispatch-override');
    await expect.poll(() => form.isVisible()).toBe(true);
    expect(await form.innerText()).toMatch(/不是首选的排水抢险队[\s\S]*原因/);
    expect(await page.getByTestId('dispatch-override-confirm').isDisabled()).toBe(true);
    await page.getByTestId('dispatch-override-reason').fill('该队携带大功率泵');
    await saveScreenshot(page, 'test-results/dispatch-override.png');
    await page.getByTestId('dispatch-override-confirm').click();
    await expect.poll(() => page.evaluate((id) => window.__citytwin!.unitStatus(id), second), { timeout: 10_000 }).toBe('dispatched');
    await expect.poll(() => page.locator(`[data-testid="dispatch-assigned"] [data-unit-id]`).count()).toBe(2);
    expect(app.dispatch!.unit(second)!.incidentId).toBe(incidentId);
    const log = await (await consoleFetch(app.url!, '/api/dispatch/log')).text();
    const override = log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; unitId?: string; data: Record<string, unknown> })
      .find((e) => e.action === 'override' && e.unitId === second);
    expect(override?.data.overrideReason).toBe('该队携带大功率泵');
  });

  it('speaks English on the toggle', async () => {
    await page.getByTestId('language-toggle').click();
    await expect
      .poll(() => page.getByTestId('dispatch-section').innerText())
      .toMatch(/Dispatch[\s\S]*Assigned units \(2\)[\s\S]*On scene[\s\S]*Recommended units/);
    expect(await page.getByTestId('dispatch-recs').innerText()).toMatch(/about \d+(\.\d)? min by road/);
    expect(await page.getByTestId('unit-board').innerText()).toMatch(/Response units[\s\S]*Pump team[\s\S]*Traffic police/);
    expect(await page.locator(`[data-testid="unit-row"][data-unit-id="${first}"]`).getByTestId('unit-row-status').innerText()).toBe(
      'On scene',
    );
    // No Chinese left in the dispatch section but the district and unit names it quotes? Its labels are English.
    expect(await page.getByTestId('dispatch-section').innerText()).not.toMatch(/派遣|分钟|公里|到场/);
    await saveScreenshot(page, 'test-results/dispatch-en.png');
    await page.getByTestId('language-toggle').click();
  });

  it('keeps the board clear of the incident panel on a wall display', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await expect.poll(() => overlap('unit-board', 'incident-panel')).toBe(false);
    expect(await overlap('unit-board', 'legend')).toBe(false);
    expect(await inViewport('unit-board')).toBe(true);
    expect(await inViewport('incident-panel')).toBe(true);
    await saveScreenshot(page, 'test-results/dispatch-1920.png');
    // On a desk screen with the sensor panel open as well, the board still fits beside the queue.
    await page.setViewportSize({ width: 1280, height: 800 });
    // A gauge that reports, so that its panel has something to show.
    const sensorId = 'dispatch-gauge-1';
    await publisher.publishAsync(`citytwin/v1/sensors/${sensorId}/meta`, JSON.stringify({ kind: 'water_level', lng: 114.2, lat: 30.6 }), {
      qos: 1,
      retain: true,
    });
    await publisher.publishAsync(
      `citytwin/v1/sensors/${sensorId}/data`,
      JSON.stringify({ ts: Date.now(), values: { water_level_cm: 12 } }),
      { qos: 1 },
    );
    await expect.poll(() => page.evaluate((id) => window.__citytwin!.projectSensor(id), sensorId), { timeout: 10_000 }).not.toBeNull();
    await page.evaluate((id) => window.__citytwin!.selectSensor(id), sensorId);
    await expect.poll(() => page.getByTestId('sensor-panel').isVisible()).toBe(true);
    await expect.poll(() => overlap('unit-board', 'incident-panel')).toBe(false);
    expect(await overlap('unit-board', 'sensor-panel')).toBe(false);
    expect(await overlap('incident-panel', 'sensor-panel')).toBe(false);
    await saveScreenshot(page, 'test-results/dispatch-panels.png');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.evaluate(() => window.__citytwin!.selectedSensor())).toBeNull();
  });

  it('logs no errors', () => {
    expect(errors).toEqual([]);
  });
});
