/**
 * The operator console at 1920×1080 in real Chromium, as an operator uses it: the incident
 * detail closes (×, the row again, Escape), a sensor under an incident's ring opens on a click,
 * evidence rows open their sensor, and the queue, search, layers, unit symbols and the small
 * screen (docs/console.md). Sensors and reports arrive over MQTT; the queue is filled with 100+
 * incidents by test/support/incident-reports.ts. Screenshots go to test-results/console-ux-*.png.
 */
import { mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { launchChromium, openSignedInConsole, saveScreenshot } from './support/browser.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { consoleFetch } from './support/console-client.ts';
import { tempDir } from './support/fixtures.ts';
import { CENTRAL_WUHAN, planReports, publishReports } from './support/incident-reports.ts';
import { startTestCity } from './support/test-city.ts';

import type { IncidentDetail } from '../web/shared/protocol.ts';
import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('operator-console');
let app: RunningCityTwin;
let browser: Browser;
let page: Page;
let errors: string[];
let publisher: mqtt.MqttClient;
mkdirSync('test-results', { recursive: true });

/** A flooded underpass in Jianghan: a water-level gauge in alarm and a field report at the same place. */
const UNDERPASS = { lng: 114.27, lat: 30.6 };
const GAUGE = 'wl-underpass-1';

async function sensor(id: string, at: { lng: number; lat: number }, cm: number): Promise<void> {
  await publisher.publishAsync(
    `citytwin/v1/sensors/${id}/meta`,
    JSON.stringify({ kind: 'water_level', lng: at.lng, lat: at.lat, name: '测试下穿通道水位' }),
    { qos: 1, retain: true },
  );
  await publisher.publishAsync(`citytwin/v1/sensors/${id}/data`, JSON.stringify({ ts: Date.now(), values: { water_level_cm: cm } }), {
    qos: 1,
  });
}

async function report(id: string, at: { lng: number; lat: number }, category = 'waterlogging'): Promise<void> {
  const body = { id, ts: Date.now(), type: 'manual_report', category, lng: at.lng, lat: at.lat, severity: 3, text: id };
  await publisher.publishAsync('citytwin/v1/events/field-staff', JSON.stringify(body), { qos: 1 });
}

/** Whether a sensor is drawn inside the viewport where no panel covers it (the map itself is under the point). */
async function onFreeMap(id: string): Promise<boolean> {
  const p = await page.evaluate((sid) => window.__citytwin!.projectSensor(sid), id);
  if (!p) return false;
  return page.evaluate(([x, y]) => {
    if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) return false;
    const el = document.elementFromPoint(x, y);
    return !!el && !!el.closest('#map') && !el.closest('.panel');
  }, p);
}

const hooks = {
  selectedIncident: () => page.evaluate(() => window.__citytwin!.selectedIncident()),
  selectedSensor: () => page.evaluate(() => window.__citytwin!.selectedSensor()),
};

beforeAll(async () => {
  app = await startTestCity(dir.path);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'pub-operator-console' });
  browser = await launchChromium();
  ({ page, errors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD, { width: 1920, height: 1080 }));
});

afterAll(async () => {
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  dir.remove();
});

/** The flooded underpass's incident (opened in the first test). */
let incident = '';

describe('no dead ends', () => {
  it('opens the incident of a flooded underpass: a gauge in alarm and a report at the same place', async () => {
    await sensor(GAUGE, UNDERPASS, 42);
    await expect.poll(() => page.evaluate((id) => window.__citytwin!.projectSensor(id), GAUGE)).not.toBeNull();
    await report('ux-underpass', UNDERPASS);
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount())).toBe(1);
    incident = (await page.evaluate(() => window.__citytwin!.incidentIds()))[0]!;
    await expect
      .poll(() =>
        app
          .twin!.incident(incident)
          ?.evidence.map((e) => e.kind)
          .sort(),
      )
      .toEqual(['event', 'sensor_alarm']);
  });

  it('closes the incident detail with ×, with a second click on its row, and with Escape', async () => {
    const row = page.locator(`[data-testid="incident-row"][data-incident-id="${incident}"]`);
    const detail = page.getByTestId('incident-detail');
    await row.click();
    await expect.poll(() => detail.isVisible()).toBe(true);
    await page.getByTestId('incident-detail-close').click();
    await expect.poll(() => detail.isVisible()).toBe(false);
    expect(await hooks.selectedIncident()).toBeNull();
    await row.click();
    await expect.poll(() => detail.isVisible()).toBe(true);
    await row.click();
    await expect.poll(() => detail.isVisible()).toBe(false);
    await row.click();
    await expect.poll(() => detail.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => detail.isVisible()).toBe(false);
    // The kiosk's end of focus closes it the same way.
    await page.evaluate((id) => window.__citytwin!.selectIncident(id), incident);
    await expect.poll(() => detail.isVisible()).toBe(true);
    await page.evaluate(() => window.__citytwin!.selectIncident(null));
    await expect.poll(() => detail.isVisible()).toBe(false);
  });

  it('opens the sensor under an incident ring on a click, and its tooltip on hover', async () => {
    const pos = (await page.evaluate((id) => window.__citytwin!.projectSensor(id), GAUGE))!;
    const ring = (await page.evaluate((id) => window.__citytwin!.projectIncident(id), incident))!;
    // The ring is centred on the gauge: the sensor is under it.
    expect(Math.hypot(pos[0] - ring[0], pos[1] - ring[1])).toBeLessThan(6);
    await page.mouse.move(pos[0], pos[1]);
    await expect.poll(() => page.getByTestId('sensor-tooltip').isVisible()).toBe(true);
    await page.mouse.click(pos[0], pos[1]);
    await expect.poll(hooks.selectedSensor).toBe(GAUGE);
    expect(await hooks.selectedIncident()).toBeNull();
    await page.keyboard.press('Escape');
    await expect.poll(hooks.selectedSensor).toBeNull();
    // The ring itself still opens the incident, off the sensor (zoomed out: ring 13 px, sensor ≈ 5 px).
    await page.evaluate(({ lng, lat }) => window.__citytwin!.flyTo(lng, lat, 10), UNDERPASS);
    const edge = (await page.evaluate((id) => window.__citytwin!.projectIncident(id), incident))!;
    await page.mouse.click(edge[0] + 11, edge[1]);
    await expect.poll(hooks.selectedIncident).toBe(incident);
  });

  it('opens the anchor sensor from its evidence row: panel open, map on the sensor', async () => {
    await page.evaluate(() => window.__citytwin!.selectIncident(null));
    // Away from the underpass: the gauge is off screen.
    await page.evaluate(() => window.__citytwin!.flyTo(114.45, 30.5, 14));
    await expect.poll(() => onFreeMap(GAUGE)).toBe(false);
    await page.evaluate((id) => window.__citytwin!.selectIncident(id), incident);
    const link = page.locator(`[data-testid="evidence-open-sensor"][data-sensor-id="${GAUGE}"]`);
    await expect.poll(() => link.isVisible()).toBe(true);
    await saveScreenshot(page, 'test-results/console-ux-evidence.png');
    await link.click();
    await expect.poll(hooks.selectedSensor).toBe(GAUGE);
    await expect.poll(() => page.getByTestId('sensor-panel').getAttribute('data-sensor-id')).toBe(GAUGE);
    // The map flies to the sensor and shows it where no panel covers it.
    await expect.poll(() => onFreeMap(GAUGE)).toBe(true);
    await saveScreenshot(page, 'test-results/console-ux-evidence-sensor.png');
    await page.keyboard.press('Escape');
    await page.evaluate(() => window.__citytwin!.selectIncident(null));
  });
});

describe('search', () => {
  const input = () => page.getByTestId('search-input');
  const hits = () =>
    page.$$eval('[data-testid="search-hit"]', (els) =>
      els.map((e) => `${(e as HTMLElement).dataset.kind}:${(e as HTMLElement).dataset.id}`),
    );

  /** Types `q` (as a person would, key by key) and waits for the hits. */
  async function type(q: string): Promise<void> {
    await input().fill('');
    await input().pressSequentially(q);
    await expect.poll(() => page.getByTestId('search-results').isVisible()).toBe(true);
  }

  it('finds a district by its zh-CN and English names as one types, and outlines it', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('search-input');
    await type('江汉');
    await expect.poll(async () => (await hits())[0]).toBe('district:420103');
    await saveScreenshot(page, 'test-results/console-ux-search.png');
    await type('jiangHAN');
    await expect.poll(async () => (await hits())[0]).toBe('district:420103');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => window.__citytwin!.searchFocus())).toBe('district:420103');
    await expect.poll(() => page.getByTestId('search-card').getAttribute('data-id')).toBe('420103');
    expect(await page.getByTestId('search-results').isVisible()).toBe(false);
    await page.getByTestId('search-card-close').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.searchFocus())).toBeNull();
  });

  it('opens a sensor, an incident and a unit in their panels with the keyboard, and flies there', async () => {
    // The sensor by part of its id: ↓ ↑ move through the hits, Enter opens the chosen one.
    await type('wl-underpass');
    await expect.poll(hits).toContain(`sensor:${GAUGE}`);
    const k = (await hits()).indexOf(`sensor:${GAUGE}`);
    for (let n = 0; n < k; n++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('[data-testid="search-hit"][aria-selected="true"]').getAttribute('data-id')).toBe(GAUGE);
    await page.keyboard.press('Enter');
    await expect.poll(hooks.selectedSensor).toBe(GAUGE);
    await expect.poll(() => onFreeMap(GAUGE)).toBe(true);
    await page.keyboard.press('Escape');

    // The incident by its id.
    await type(incident);
    await expect.poll(async () => (await hits())[0]).toBe(`incident:${incident}`);
    await page.keyboard.press('Enter');
    await expect.poll(hooks.selectedIncident).toBe(incident);
    await page.keyboard.press('Escape');
    await expect.poll(hooks.selectedIncident).toBeNull();

    // A unit by its English name, clicked.
    const unit = app.dispatch!.units()[0]!;
    await type(unit.nameEn);
    const row = page.locator(`[data-testid="search-hit"][data-kind="unit"][data-id="${unit.id}"]`);
    await expect.poll(() => row.isVisible()).toBe(true);
    await row.click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.selectedUnit())).toBe(unit.id);
    await expect
      .poll(async () => {
        const cam = await page.evaluate(() => window.__citytwin!.camera());
        return !cam.moving && Math.abs(cam.center[0] - unit.lng) < 0.05 && Math.abs(cam.center[1] - unit.lat) < 0.05;
      })
      .toBe(true);
  });

  it('says when nothing matches, and Escape closes the list then empties the box', async () => {
    await input().fill('');
    await input().pressSequentially('zzqx-nothing');
    await expect.poll(() => page.getByTestId('search-status').innerText()).toBe('没有找到匹配项');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('search-status').isVisible()).toBe(false);
    await page.keyboard.press('Escape');
    expect(await input().inputValue()).toBe('');
  });
});

describe('a queue of 100+ incidents', () => {
  const rowIds = (): Promise<string[]> =>
    page.$$eval('[data-testid="incident-row"]', (els) => els.map((e) => (e as HTMLElement).dataset.incidentId ?? ''));

  it('fills its column, filters by district and holds its order under the pointer', async () => {
    await page.mouse.move(5, 500);
    await publishReports(publisher, planReports(120, CENTRAL_WUHAN));
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount()), { timeout: 30_000 }).toBeGreaterThanOrEqual(121);
    await expect.poll(async () => (await rowIds()).length).toBeGreaterThanOrEqual(121);
    // The list runs to the bottom of the queue's column: no empty space under a few rows.
    const panel = (await page.getByTestId('incident-panel').boundingBox())!;
    const scroll = (await page.getByTestId('incident-scroll').boundingBox())!;
    expect(panel.y + panel.height - (scroll.y + scroll.height)).toBeLessThan(24);
    expect(scroll.height).toBeGreaterThan(550);
    const seen = await page.evaluate(() => {
      const scroller = document.querySelector('[data-testid="incident-scroll"]')!;
      const box = scroller.getBoundingClientRect();
      const rows = [...scroller.querySelectorAll('[data-testid="incident-row"]')].map((e) => e.getBoundingClientRect());
      const inside = rows.filter((r) => r.top >= box.top - 1 && r.bottom <= box.bottom + 1).length;
      return { inside, scrollTop: scroller.scrollTop, box: [box.top, box.bottom], first: rows[0] ? [rows[0].top, rows[0].bottom] : null };
    });
    expect(seen.inside, JSON.stringify(seen)).toBeGreaterThanOrEqual(12);
    await saveScreenshot(page, 'test-results/console-ux-queue.png');

    // One district: only its incidents, the count says so; cleared again.
    const district = await page.$eval('[data-testid="queue-filter-district"] option:nth-child(2)', (o) => (o as HTMLOptionElement).value);
    const all = (await rowIds()).length;
    await page.getByTestId('queue-filter-district').selectOption(district);
    await expect.poll(async () => (await rowIds()).length).toBeLessThan(all);
    const shown = await rowIds();
    expect(shown.length).toBeGreaterThan(0);
    for (const id of shown) expect(app.twin!.incident(id)?.district).toBe(district);
    await page.getByTestId('queue-filter-reset').click();
    await expect.poll(async () => (await rowIds()).length).toBeGreaterThanOrEqual(121);

    // Pointer on the list: a new incident waits at the end instead of pushing rows down.
    const first = (await rowIds())[0]!;
    await page.getByTestId('incident-scroll').hover();
    const before = await rowIds();
    await publishReports(publisher, planReports(1, [114.2, 30.7, 114.21, 30.71], 'held'));
    await expect.poll(async () => (await rowIds()).length).toBe(before.length + 1);
    const during = await rowIds();
    expect(during.slice(0, before.length)).toEqual(before);
    expect(await page.getByTestId('queue-held').isVisible()).toBe(true);
    await page.mouse.move(5, 500);
    await expect.poll(() => page.getByTestId('queue-held').isVisible()).toBe(false);
    expect((await rowIds())[0]).toBe(first);
  });

  it('acknowledges several ticked incidents in one action, each recorded in its history', async () => {
    const picks = page.locator('[data-testid="incident-pick"]:not([disabled])');
    const ids: string[] = [];
    for (let k = 0; k < 3; k++) {
      const pick = picks.nth(k);
      ids.push((await pick.getAttribute('data-incident-id'))!);
      await pick.check();
    }
    await expect.poll(() => page.getByTestId('queue-bulk-ack').innerText()).toContain('3');
    await page.getByTestId('queue-bulk-ack').click();
    await expect.poll(() => page.getByTestId('queue-bulk-message').innerText()).toContain('3');
    for (const id of ids) {
      await expect.poll(() => app.twin!.incident(id)?.status).toBe('acknowledged');
      const res = await consoleFetch(app.url!, `/api/incidents/${id}`);
      const detail = (await res.json()) as IncidentDetail;
      expect(detail.history.filter((e) => e.what === 'acknowledged').map((e) => e.actor)).toEqual(['admin']);
    }
    // The rows turned 已确认 and their boxes can no longer be ticked.
    for (const id of ids) {
      await expect
        .poll(() => page.locator(`[data-testid="incident-row"][data-incident-id="${id}"]`).getAttribute('data-status'))
        .toBe('acknowledged');
      expect(await page.locator(`[data-testid="incident-pick"][data-incident-id="${id}"]`).isDisabled()).toBe(true);
    }
  });
});

describe('the layer panel', () => {
  const layers = () => page.evaluate(() => window.__citytwin!.mapLayers());
  const flip = (name: string) => page.getByTestId(`layer-switch-${name}`).click();

  it('switches incidents, units, routes, the alarm heat, sensors and labels, and remembers them', async () => {
    await page.keyboard.press('Escape');
    await page.getByTestId('layers-toggle').click();
    await expect.poll(() => page.getByTestId('layer-panel').isVisible()).toBe(true);
    expect((await layers()).ids).toEqual(expect.arrayContaining(['incidents', 'units']));
    expect((await layers()).ids).not.toContain('alarm-heat');
    // The gauge in alarm makes a heat cell.
    await flip('heat');
    await expect.poll(async () => (await layers()).ids).toContain('alarm-heat');
    await saveScreenshot(page, 'test-results/console-ux-layers.png');
    await flip('incidents');
    await flip('units');
    await flip('labels');
    await expect.poll(async () => (await layers()).ids).not.toContain('incidents');
    expect((await layers()).ids).not.toContain('units');
    expect((await layers()).ids).toContain('unit-trips');
    await expect.poll(async () => (await layers()).labels).toBe(false);
    await flip('sensors');
    await expect.poll(async () => (await layers()).sensors).toBe(false);
    expect(await page.getByTestId('layer-kind-rain_gauge').isDisabled()).toBe(true);
    await flip('sensors');

    // Remembered in this browser: the page again shows the same.
    await page.reload();
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    await expect.poll(async () => (await layers()).ids).toContain('alarm-heat');
    const after = await layers();
    expect(after.ids).not.toContain('incidents');
    expect(after.ids).not.toContain('units');
    expect(after.sensors).toBe(true);
    await expect.poll(async () => (await layers()).labels).toBe(false);
    await page.getByTestId('layers-toggle').click();
    expect(await page.getByTestId('layer-switch-incidents').getAttribute('aria-checked')).toBe('false');
    for (const name of ['heat', 'incidents', 'units', 'labels']) await flip(name);
    await expect.poll(async () => (await layers()).ids).toEqual(expect.arrayContaining(['incidents', 'units']));
  });

  it('hides a sensor kind from the layer panel or the legend alike, remembered', async () => {
    const drawn = () => page.evaluate(() => window.__citytwin!.drawnCount());
    const all = await drawn();
    await page.getByTestId('layer-kind-water_level').click();
    await expect.poll(() => page.getByTestId('legend-kind-water_level').getAttribute('aria-pressed')).toBe('false');
    // No water-level sensor is drawn any more (the gauge and the city's registered sites).
    const levels = app.twin!.state.sensors.filter((s) => s.kind === 'water_level' && s.lng !== null && s.lat !== null).length;
    expect(levels).toBeGreaterThan(0);
    await expect.poll(drawn).toBe(all - levels);
    await page.getByTestId('legend-kind-water_level').click();
    await expect.poll(() => page.getByTestId('layer-kind-water_level').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('legend-kind-rain_gauge').click();
    await page.reload();
    await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
    expect(await page.getByTestId('legend-kind-rain_gauge').getAttribute('aria-pressed')).toBe('false');
    expect(await page.getByTestId('legend-kind-water_level').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('legend-kind-rain_gauge').click();
  });
});

describe('a phone (390×844): read-only, nothing overprinted', () => {
  let phone: Page;

  /** The boxes of the elements matched, in the viewport. */
  const boxes = (p: Page, selector: string) =>
    p.$$eval(selector, (els) =>
      els
        .filter((e) => (e as HTMLElement).offsetParent !== null)
        .map((e) => {
          const r = e.getBoundingClientRect();
          return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
        }),
    );
  type Box = Awaited<ReturnType<typeof boxes>>[number];
  const overlap = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

  beforeAll(async () => {
    const opened = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD, { width: 390, height: 844 });
    phone = opened.page;
    errors.push(...opened.errors);
  });

  afterAll(async () => {
    await phone?.close();
  });

  it('names the districts of the queue as soon as the console is ready, not their codes', async () => {
    // The rows were drawn before the base map (and its district names) arrived: they must be
    // drawn again when the names come, not at the next 10 s refresh.
    const places = await phone.locator('[data-testid="incident-row"] .incident-place').allInnerTexts();
    expect(places.length).toBeGreaterThan(0);
    expect(places.filter((p) => /^\d{6}$/.test(p.trim()))).toEqual([]);
  });

  it('lays the top bar out in two rows without overlaps, and folds the legend to its title', async () => {
    const [brand] = await boxes(phone, '.brand');
    const [search] = await boxes(phone, '.top-middle');
    const [right] = await boxes(phone, '.top-right');
    const [bar] = await boxes(phone, '.top-bar');
    for (const b of [brand!, search!, right!]) {
      expect(b.left).toBeGreaterThanOrEqual(bar!.left);
      expect(b.right).toBeLessThanOrEqual(bar!.right + 0.5);
      expect(b.bottom).toBeLessThanOrEqual(bar!.bottom + 0.5);
    }
    expect(overlap(brand!, right!)).toBe(false);
    expect(overlap(brand!, search!)).toBe(false);
    expect(overlap(search!, right!)).toBe(false);
    // The legend: its title only, a corner of the map, not half of it.
    expect(await phone.getByTestId('legend').getAttribute('class')).toContain('collapsed');
    const [legend] = await boxes(phone, '[data-testid="legend"]');
    expect(legend!.height * legend!.width).toBeLessThan(390 * 844 * 0.05);
  });

  it('shows who is signed in readably: a whole badge, and the name and roles whole in its menu', async () => {
    const whole = (sel: string) =>
      phone.$eval(sel, (e) => {
        const r = e.getBoundingClientRect();
        return { cut: e.scrollWidth > e.clientWidth + 1, left: r.left, right: r.right, text: (e as HTMLElement).innerText };
      });
    const button = await whole('[data-testid="user-menu"]');
    expect(button.cut).toBe(false);
    expect(button.text).not.toContain('…');
    expect(await phone.getByTestId('user-menu').getAttribute('aria-label')).toBe('admin · 管理员');
    await phone.getByTestId('user-menu').click();
    await expect.poll(() => phone.getByTestId('user-menu-list').isVisible()).toBe(true);
    for (const sel of ['[data-testid="user-menu-name"]', '.user-menu-info']) {
      const line = await whole(sel);
      expect(line.cut).toBe(false);
      expect(line.left).toBeGreaterThanOrEqual(0);
      expect(line.right).toBeLessThanOrEqual(390);
    }
    expect((await whole('[data-testid="user-menu-name"]')).text).toBe('admin');
    expect((await whole('.user-menu-info')).text).toContain('管理员');
    // Its pages read as the menu's other items, not as underlined links of another colour.
    const looks = await phone.$$eval('[data-testid="user-menu-list"] [role="menuitem"]', (els) =>
      els.map((e) => `${getComputedStyle(e).color} ${getComputedStyle(e).textDecorationLine}`),
    );
    expect(new Set(looks).size).toBe(1);
    await saveScreenshot(phone, 'test-results/console-ux-phone-user-menu.png');
    await phone.getByTestId('user-menu').click();
    await expect.poll(() => phone.getByTestId('user-menu-list').isVisible()).toBe(false);
  });

  it('shows every status value whole, inside the screen', async () => {
    const stats = await phone.$$eval('.stat', (els) =>
      els
        .filter((e) => (e as HTMLElement).offsetParent !== null)
        .map((e) => ({
          right: e.getBoundingClientRect().right,
          // Neither the item nor its label or value is cut (no ellipsis).
          clipped: [e, ...e.children].some((c) => (c as HTMLElement).scrollWidth > (c as HTMLElement).clientWidth + 1),
        })),
    );
    expect(stats.length).toBeGreaterThanOrEqual(3);
    await saveScreenshot(phone, 'test-results/console-ux-phone-strip.png');
    for (const s of stats) {
      expect(s.clipped).toBe(false);
      expect(s.right).toBeLessThanOrEqual(390);
    }
    expect(await phone.getByTestId('data-freshness').isVisible()).toBe(true);
    // The longest values the strip words, in both languages, written and measured in one turn of the page.
    for (const [lang, age, state] of [
      ['zh', '47 小时 59 分', '降级'],
      ['en', '47 h 59 min', 'Degraded'],
    ] as const) {
      await phone.evaluate((l) => window.__citytwin!.setLanguage(l), lang);
      const longest = await phone.evaluate(
        ([a, st]) => {
          const value = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"] .stat-value`)!;
          value('data-freshness').textContent = a;
          value('stat-storage').textContent = st;
          value('stat-broker').textContent = st;
          return [...document.querySelectorAll<HTMLElement>('.stat')]
            .filter((e) => e.offsetParent !== null)
            .map((e) => ({
              right: e.getBoundingClientRect().right,
              clipped: [e, ...e.children].some((c) => (c as HTMLElement).scrollWidth > (c as HTMLElement).clientWidth + 1),
            }));
        },
        [age, state] as const,
      );
      expect(longest, lang).toEqual(longest.map(() => ({ right: expect.any(Number), clipped: false })));
      for (const s of longest) expect(s.right).toBeLessThanOrEqual(390);
    }
    await phone.evaluate(() => window.__citytwin!.setLanguage('zh'));
  });

  it('puts the queue in a sheet at the bottom, readable and touchable, with no acting controls', async () => {
    const [sheet] = await boxes(phone, '[data-testid="incident-panel"]');
    expect(sheet!.width).toBeGreaterThanOrEqual(389);
    expect(sheet!.top).toBeGreaterThan(844 / 2);
    // The queue starts folded to its heading (test/phone-ux.browser.ts): unfolded to reach its rows.
    await phone.getByTestId('queue-fold').click();
    const row = phone.locator('[data-testid="incident-row"]').first();
    const rowBox = (await row.boundingBox())!;
    expect(rowBox.height).toBeGreaterThanOrEqual(44);
    const px = (sel: string) => phone.$eval(sel, (e) => Number.parseFloat(getComputedStyle(e).fontSize));
    expect(await px('.incident-type')).toBeGreaterThanOrEqual(12);
    expect(await px('.stat-value')).toBeGreaterThanOrEqual(12);
    expect(await phone.getByTestId('queue-bulk').isVisible()).toBe(false);
    expect(await phone.locator('[data-testid="incident-pick"]').first().isVisible()).toBe(false);
    await row.click();
    await expect.poll(() => phone.getByTestId('incident-detail').isVisible()).toBe(true);
    expect(await phone.getByTestId('incident-actions').isVisible()).toBe(false);
    expect(await phone.getByTestId('unit-board').isVisible()).toBe(false);
    await saveScreenshot(phone, 'test-results/console-ux-phone-detail.png');
    await phone.getByTestId('incident-detail-close').click();
    await saveScreenshot(phone, 'test-results/console-ux-phone.png');
  });
});

describe('the console', () => {
  it('logs no errors', () => {
    expect(errors).toEqual([]);
  });
});
