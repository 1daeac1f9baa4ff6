/**
 * The replay console in Chromium: half an hour of stored city data (with a gap), an incident
 * acknowledged and dispatched live; `replay.html?incident=…` proposes the incident's range, loads
 * it (keyframe, frames, actions, coverage), plays, seeks by clicking an operator action on the
 * timeline, steps, switches language and exports (CSV, the after-action report).
 * Screenshots: test-results/replay-*.png.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { launchChromium, openSignedInConsole, saveScreenshot } from './support/browser.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir } from './support/fixtures.ts';
import { floodUnderpass } from './support/flooded-underpass.ts';
import { storeReadings, storeSensorRegister } from './support/stored-history.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('replay-browser');
let app: RunningCityTwin;
let browser: Browser;
let page: Page;
let errors: string[] = [];
let incidentId = '';
const MIN = 60_000;

/** A value well inside every kind's normal band. */
const NORMAL: Record<string, number> = { traffic_flow: 40, river_level: 20 };

beforeAll(async () => {
  mkdirSync('test-results', { recursive: true });
  app = await startTestCity(dir.path, { CITYTWIN_SENSORS: '400', CITYTWIN_BATCH_MAX_DELAY_MS: '50' });
  const now = Date.now();
  const sites = app.city!.sensorSites;
  // Stored history, written straight into ClickHouse: registered 40 min ago, a reading every
  // 30 s for the last 30 min, except minutes 10–7 ago (a gap); water levels in one district rise.
  await storeSensorRegister(app, now - 40 * MIN);
  const rising = new Set(
    sites
      .filter((s) => s.kind === 'water_level')
      .slice(0, 12)
      .map((s) => s.id),
  );
  await storeReadings(app, { from: now - 30 * MIN, to: now - 5000, skip: (ts) => ts > now - 10 * MIN && ts < now - 7 * MIN }, (s, ts) => {
    const base = NORMAL[s.kind] ?? 8;
    return rising.has(s.id) ? Math.max(base, ((ts - (now - 15 * MIN)) / MIN) * 2.6 + 8) : base + Math.sin(ts / 200_000 + s.lng * 100) * 2;
  });
  // Three units on patrol over the last 25 minutes.
  const units = app.dispatch!.units().slice(0, 3);
  const fixes: Array<Record<string, unknown>> = [];
  for (const [k, u] of units.entries()) {
    for (let j = 0; j <= 50; j++)
      fixes.push({
        unit_id: u.id,
        ts: now - 25 * MIN + j * 30_000,
        lng: u.homeLng + j * 0.0009 * (k % 2 ? 1 : -1),
        lat: u.homeLat + j * 0.0006,
        speed: 30,
        heading: 0,
        status: 'available',
        received_at: now,
      });
  }
  await app.clickhouse.insert({ table: 'unit_positions', format: 'JSONEachRow', values: fixes });

  // Live: an underpass floods, a citizen calls, an operator acknowledges, a dispatcher sends a unit.
  const site = sites.find((s) => rising.has(s.id))!;
  const { incident, admin } = await floodUnderpass(app, site, 'case-rb-1');
  incidentId = incident.id;
  const recs = await call(app.url!, admin, 'GET', `/api/incidents/${incidentId}/recommendations`);
  expect((await call(app.url!, admin, 'POST', `/api/incidents/${incidentId}/dispatch`, { unitIds: [recs.body[0].unitId] })).status).toBe(
    200,
  );
  await app.twin!.flushIncidents();

  browser = await launchChromium();
  const opened2 = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD);
  page = opened2.page;
  errors = opened2.errors;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

const hook = <T>(fn: string) => page.evaluate(`window.__citytwinReplay.${fn}`) as Promise<T>;

describe('the replay console', () => {
  it('opens an incident’s proposed range with its actions, coverage (with the gap) and the twin at the start', async () => {
    await page.goto(`${app.url!}replay.html?incident=${incidentId}`);
    await page.waitForFunction(() => window.__citytwinReplay?.ready === true, undefined, { timeout: 60_000 });
    const range = await hook<{ from: number; to: number }>('range()');
    const incident = (await call(app.url!, await login(app.url!, 'admin', TEST_ADMIN_PASSWORD), 'GET', `/api/incidents/${incidentId}`))
      .body;
    expect(range.from).toBeLessThanOrEqual(incident.openedAt - 15 * MIN);
    expect(await hook<number>('sensorCount()')).toBeGreaterThanOrEqual(400);
    expect(await page.getByTestId('replay-action-marker').count()).toBeGreaterThanOrEqual(2);
    await expect.poll(() => page.getByTestId('replay-action-item').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.rp-bar[data-gap="1"]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('replay-progress').getAttribute('data-loading')).toBe('0');
    await page.waitForTimeout(500);
    await saveScreenshot(page, 'test-results/replay-open.png');
  });

  it('plays: frames are applied and the playhead moves', async () => {
    await page.getByTestId('replay-speed').selectOption('300');
    await page.waitForFunction(() => window.__citytwinReplay?.loading() === false);
    // Opened for the incident, the playhead is at its opening (the end of this range): play from the start.
    const { from } = await hook<{ from: number; to: number }>('range()');
    await page.evaluate((t) => window.__citytwinReplay!.seek(t), from);
    await page.waitForFunction(() => window.__citytwinReplay?.loading() === false);
    const before = await hook<number>('playhead()');
    await page.getByTestId('replay-play').click();
    await page.waitForFunction(
      (b) => window.__citytwinReplay!.playhead() > b + 5 * 60_000 && window.__citytwinReplay!.framesApplied() > 3,
      before,
      { timeout: 30_000 },
    );
    await page.getByTestId('replay-play').click();
    expect(await hook<boolean>('playing()')).toBe(false);
    await saveScreenshot(page, 'test-results/replay-playing.png');
  });

  it('seeks to an operator action by clicking it on the timeline: the incident is there, acknowledged', async () => {
    const marker = page.locator('.rp-marker-incident').first();
    const at = Number(await marker.getAttribute('data-at'));
    // Every action of this test happened within seconds: the markers sit on top of each other.
    await marker.click({ force: true });
    // The click lands on the topmost of the stacked markers: the playhead goes to that action,
    // on the 10 s replay grid at or after it (the moment the keyframe is rebuilt for), at most
    // the end of the range (now, while the incident is open).
    const end = (await hook<{ from: number; to: number }>('range()')).to;
    const grid = (t: number) => Math.min(end, Math.ceil(t / 10_000) * 10_000);
    const times = (await page.getByTestId('replay-action-marker').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-at')))))
      .filter((t) => t >= at)
      .map(grid);
    await page.waitForFunction((ts) => ts.includes(window.__citytwinReplay!.playhead()) && !window.__citytwinReplay!.loading(), times);
    expect(await hook<string[]>('incidentIds()')).toContain(incidentId);
    const counts = await hook<number[]>('stateCounts()');
    expect(counts[1]! + counts[2]!).toBeGreaterThan(0); // the rising underpasses warn or alarm
    await saveScreenshot(page, 'test-results/replay-seek.png');
    // Step, from a moment with frames after it.
    const range = await hook<{ from: number; to: number }>('range()');
    await page.evaluate((t) => window.__citytwinReplay!.seek(t), range.from + 5 * MIN);
    await page.waitForFunction(() => !window.__citytwinReplay!.loading());
    const applied = await hook<number>('framesApplied()');
    await page.getByTestId('replay-step').click();
    await page.waitForFunction((n) => window.__citytwinReplay!.framesApplied() === n + 1, applied);
    await saveScreenshot(page, 'test-results/replay-step.png');
  });

  it('exports the range as CSV and the after-action report, and speaks English', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('replay-export-csv').click()]);
    const text = await (await csv.createReadStream()).toArray();
    const body = Buffer.concat(text.map((c) => Buffer.from(c))).toString('utf8');
    expect(body.split('\n')[0]).toBe('"sensor_id","kind","classification","metric","ts","ts_ms","value"');
    expect(body.split('\n').length).toBeGreaterThan(1000);
    const [report] = await Promise.all([page.waitForEvent('download'), page.getByTestId('replay-report-html').click()]);
    const html = Buffer.concat((await (await report.createReadStream()).toArray()).map((c) => Buffer.from(c))).toString('utf8');
    expect(html).toContain(incidentId);
    expect(html).toContain('<svg');
    await page.getByTestId('language-toggle').click();
    expect(await hook<string>('language()')).toBe('en');
    await expect.poll(() => page.getByTestId('replay-play').textContent()).toMatch(/Play/);
    await page.waitForTimeout(400);
    await saveScreenshot(page, 'test-results/replay-en.png');
    expect(errors).toEqual([]);
  });
});
