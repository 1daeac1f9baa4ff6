/**
 * The replay as an analyst expects it, in Chromium with the browser on UTC and American
 * English while the city (the generated Wuhan) keeps Asia/Shanghai: range inputs in 24-hour
 * city time, never clipped, with presets; 100×; a buffering state when frames are late; focus on
 * the incident replayed; the after-action report read in the page; exports with a size warning,
 * progress, cancel and a file name in city time.
 * Screenshots: test-results/replay-ux-*.png (1920×1080, 3840×1080, 390×844).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { formatLocalDateTime } from '../twin-model/local-time.ts';
import { buildCityStyle } from '../web/client/map/basemap-style.ts';
import { scaledTextSize } from '../web/client/map/label-scale.ts';
import { exportFileName } from '../web/client/replay/replay-range.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { launchChromium, openSignedInConsole, saveScreenshot } from './support/browser.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { floodUnderpass } from './support/flooded-underpass.ts';
import { storeReadings, storeSensorRegister } from './support/stored-history.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('replay-ux-browser');
const MIN = 60_000;
const CITY_ZONE = 'Asia/Shanghai';
let app: RunningCityTwin;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[] = [];
let incident: { id: string; lng: number; lat: number; openedAt: number };

/** Half an hour of readings every 30 s for every sensor, written straight into ClickHouse. */
async function storeHistory(now: number): Promise<void> {
  await storeSensorRegister(app, now - 40 * MIN);
  await storeReadings(
    app,
    { from: now - 30 * MIN, to: now - 5000 },
    (s, ts) => (s.kind === 'traffic_flow' ? 40 : 8) + Math.sin(ts / 200_000 + s.lng * 100),
  );
}

/** An underpass floods and a citizen reports it: the twin opens an incident; an operator acknowledges it. */
async function openIncident(): Promise<void> {
  const site = app.city!.sensorSites.find((s) => s.kind === 'water_level')!;
  ({ incident } = await floodUnderpass(app, site, 'case-ux-1'));
  await app.twin!.flushIncidents();
}

beforeAll(async () => {
  mkdirSync('test-results', { recursive: true });
  app = await startTestCity(dir.path, { CITYTWIN_BATCH_MAX_DELAY_MS: '50' });
  await storeHistory(Date.now());
  await openIncident();
  browser = await launchChromium();
  // The browser on UTC in American English; the city keeps its own clocks.
  context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-US', timezoneId: 'UTC' });
  ({ page, errors } = await openSignedInConsole(context, app.url!, TEST_ADMIN_PASSWORD));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

const hook = <T>(fn: string) => page.evaluate(`window.__citytwinReplay.${fn}`) as Promise<T>;
const cityTime = (ms: number) => formatLocalDateTime(ms, CITY_ZONE);
const settled = () =>
  page.waitForFunction(() => window.__citytwinReplay?.ready === true && !window.__citytwinReplay.loading(), undefined, { timeout: 60_000 });
/** Whether an element shows all of its text (nothing scrolled or cut off). */
const unclipped = (testId: string) =>
  page.getByTestId(testId).evaluate((el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= window.innerWidth);

describe('the replay as an analyst expects it', () => {
  it('opens on the incident: its span, the playhead at its opening, the map on it, highlighted', async () => {
    await page.goto(`${app.url!}replay.html?incident=${incident.id}`);
    await settled();
    expect(await hook<string | null>('focusedIncident()')).toBe(incident.id);
    const range = await hook<{ from: number; to: number }>('range()');
    expect(range.from).toBeLessThanOrEqual(incident.openedAt - 15 * MIN);
    // The opening, on the 10 s replay grid at or after it (the incident is there).
    expect(await hook<number>('playhead()')).toBe(Math.min(range.to, Math.ceil(incident.openedAt / 10_000) * 10_000));
    expect(await hook<string[]>('incidentIds()')).toContain(incident.id);
    await page.waitForFunction(() => !window.__citytwinReplay!.mapCenter().moving, undefined, { timeout: 20_000 });
    const center = await hook<{ lng: number; lat: number; zoom: number }>('mapCenter()');
    expect(Math.abs(center.lng - incident.lng)).toBeLessThan(0.001);
    expect(Math.abs(center.lat - incident.lat)).toBeLessThan(0.001);
    expect(center.zoom).toBeGreaterThanOrEqual(15);
    await saveScreenshot(page, 'test-results/replay-ux-incident-1920.png');
  });

  it('draws the map between the bars, never under them (markers under the bars showed through them)', async () => {
    const box = (selector: string) => page.locator(selector).evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
    const [map, top, side, bottom] = await Promise.all([box('#map'), box('.rp-top'), box('.rp-side'), box('.rp-bottom')]);
    expect(map.top).toBeGreaterThanOrEqual(top.bottom - 1);
    expect(map.right).toBeLessThanOrEqual(side.left + 1);
    expect(map.bottom).toBeLessThanOrEqual(bottom.top + 1);
  });

  it('shows the range as 24-hour city time (browser on UTC, en-US), never clipped, and reads it back', async () => {
    const range = await hook<{ from: number; to: number }>('range()');
    const from = await page.getByTestId('replay-from').inputValue();
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/);
    expect(cityTime(range.from).startsWith(from)).toBe(true);
    expect(await page.getByTestId('replay-zone').textContent()).toBe('UTC+8');
    for (const id of ['replay-from', 'replay-to']) expect(await unclipped(id)).toBe(true);
    // A value that is not a time is refused, quoted, with what is accepted.
    await page.getByTestId('replay-from').fill('12/05/2026, 8:00 AM');
    await page.getByTestId('replay-load').click();
    await expect.poll(() => page.getByTestId('replay-range-error').textContent()).toContain('“12/05/2026, 8:00 AM”');
    expect(await page.getByTestId('replay-range-error').textContent()).toContain('YYYY-MM-DD HH:mm');
    // Typed in city time: 20 minutes ago on the city's clocks.
    const start = Math.floor((Date.now() - 20 * MIN) / MIN) * MIN;
    await page.getByTestId('replay-from').fill(cityTime(start).slice(0, 16));
    await page.getByTestId('replay-to').fill(cityTime(start + 10 * MIN).slice(0, 16));
    await page.getByTestId('replay-to').press('Enter');
    await page.waitForFunction((s) => window.__citytwinReplay!.range()?.from === s, start);
    await settled();
    expect(await page.getByTestId('replay-range-error').isHidden()).toBe(true);
  });

  it('offers presets: the last hour, the last 24 h, the incident’s span', async () => {
    await page.getByTestId('replay-preset').selectOption('hour');
    await page.waitForFunction(() => {
      const r = window.__citytwinReplay!.range();
      return r !== null && r.to - r.from === 3600_000;
    });
    await settled();
    await page.getByTestId('replay-preset').selectOption('incident');
    await page.waitForFunction(() => {
      const r = window.__citytwinReplay!.range();
      return r !== null && r.to - r.from !== 3600_000;
    });
    await settled();
    expect((await hook<{ from: number }>('range()')).from).toBeLessThanOrEqual(incident.openedAt - 15 * MIN);
    expect(await page.getByTestId('replay-preset').locator('option[value="day"]').count()).toBe(1);
  });

  it('plays at 100× (the server allows up to 1000×)', async () => {
    expect(await page.getByTestId('replay-speed').locator('option[value="100"]').textContent()).toBe('100×');
    expect(await page.getByTestId('replay-speed').getAttribute('title')).toContain('1000×');
    await page.getByTestId('replay-speed').selectOption('100');
    await settled();
    expect(await hook<number>('speed()')).toBe(100);
    const before = await hook<number>('playhead()');
    await page.getByTestId('replay-play').click();
    await page.waitForFunction((b) => window.__citytwinReplay!.playhead() > b + 60_000, before, { timeout: 30_000 });
    await page.getByTestId('replay-play').click();
    expect(await page.getByTestId('replay-info').textContent()).toContain('10 s');
  });

  it('says it is buffering while the next frames are not there, the clock stopped; loaded only when they are', async () => {
    await page.evaluate(() => window.__citytwinReplay!.pause());
    await page.getByTestId('replay-speed').selectOption('300');
    await settled();
    // The frames after the first chunk of the seek are held back until released.
    const range = await hook<{ from: number }>('range()');
    const at = range.from + 2 * MIN;
    const first = String(Math.floor(at / 10_000) * 10_000);
    const held: Route[] = [];
    const isFrames = (url: URL) => url.pathname === '/api/replay/frames';
    let release = false;
    await page.route(isFrames, (route) => {
      if (release || new URL(route.request().url()).searchParams.get('from') === first) return route.continue();
      held.push(route);
      return undefined;
    });
    await page.evaluate((t) => window.__citytwinReplay!.seek(t), at);
    await settled();
    await page.getByTestId('replay-play').click();
    await page.waitForFunction(() => window.__citytwinReplay!.buffering(), undefined, { timeout: 30_000 });
    await expect.poll(() => page.getByTestId('replay-progress').textContent()).toMatch(/^缓冲中 \d+%$/);
    expect(await page.getByTestId('replay-progress').getAttribute('data-loading')).toBe('buffering');
    const stalled = await hook<number>('playhead()');
    expect(stalled).toBe(await hook<number | null>('loadedUntil()'));
    const clock = await page.getByTestId('replay-clock').textContent();
    // Ten animation frames later the clock has not moved.
    await page.evaluate(async () => {
      for (let i = 0; i < 10; i++) await new Promise((r) => requestAnimationFrame(r));
    });
    expect(await hook<number>('playhead()')).toBe(stalled);
    expect(await page.getByTestId('replay-clock').textContent()).toBe(clock);
    await saveScreenshot(page, 'test-results/replay-ux-buffering-1920.png');
    release = true;
    for (const r of held) await r.continue();
    await page.unroute(isFrames);
    await page.waitForFunction((s) => !window.__citytwinReplay!.buffering() && window.__citytwinReplay!.playhead() > s, stalled, {
      timeout: 30_000,
    });
    await page.getByTestId('replay-play').click();
    await expect.poll(() => page.getByTestId('replay-progress').textContent()).toBe('已载入');
  });

  it('shows the after-action report in the page, in Chinese and English, times in city time, downloads kept', async () => {
    await page.getByTestId('replay-report-view').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="replay-report-dialog"]')?.getAttribute('data-state') === 'shown',
    );
    const frame = page.getByTestId('replay-report-frame');
    const zh = (await frame.getAttribute('srcdoc')) ?? '';
    expect(zh).toContain(incident.id);
    expect(zh).toContain('<svg');
    expect(zh).toContain(`${cityTime(incident.openedAt)} (UTC+8)`);
    expect(await page.frameLocator('[data-testid="replay-report-frame"]').locator('h1').first().textContent()).toContain('复盘报告');
    await saveScreenshot(page, 'test-results/replay-ux-report-1920.png');
    await page.getByTestId('replay-report-lang-en').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="replay-report-dialog"]')?.getAttribute('data-lang') === 'en');
    expect(await page.frameLocator('[data-testid="replay-report-frame"]').locator('h1').first().textContent()).toContain(
      'After-action report',
    );
    expect(await page.getByTestId('replay-report-dialog-md').getAttribute('href')).toContain('lang=en&format=md');
    await page.getByTestId('replay-report-close').click();
    expect(await page.getByTestId('replay-report-dialog').isVisible()).toBe(false);
    expect(await page.getByTestId('replay-report-html').getAttribute('download')).toBe('');
  });

  it('exports with a size warning first, progress, a file named in city time, and can cancel', async () => {
    const range = await hook<{ from: number; to: number }>('range()');
    await page.evaluate(() => window.__citytwinReplay!.setExportWarnBytes(1000));
    await page.getByTestId('replay-export-csv').click();
    const status = page.getByTestId('replay-export-status');
    await expect.poll(() => status.getAttribute('data-phase')).toBe('asking');
    expect(await status.textContent()).toMatch(/约 \d+(\.\d)? (KB|MB)/);
    await saveScreenshot(page, 'test-results/replay-ux-export-warning-1920.png');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('replay-export-go').click()]);
    expect(download.suggestedFilename()).toBe(exportFileName('wuhan', range.from, range.to, CITY_ZONE, 'csv'));
    expect(download.suggestedFilename()).toMatch(/^citytwin-wuhan-\d{4}-\d{2}-\d{2}_\d{4}-/);
    const body = Buffer.concat((await (await download.createReadStream()).toArray()).map((c) => Buffer.from(c))).toString('utf8');
    const rows = body.trimEnd().split('\n').length - 1;
    await expect.poll(() => status.getAttribute('data-phase')).toBe('done');
    expect(await status.textContent()).toContain(`${rows.toLocaleString('zh-CN')} 行`);
    expect(Number(await status.getAttribute('data-bytes'))).toBe(Buffer.byteLength(body));
    // The size estimate's bytes per CSV row (110) holds for a real export within a quarter.
    expect(Buffer.byteLength(body) / rows).toBeGreaterThan(85);
    expect(Buffer.byteLength(body) / rows).toBeLessThan(135);
    // Cancelled while the server is still answering.
    let held: Route | null = null;
    const isExport = (url: URL) => url.pathname === '/api/replay/export';
    await page.route(isExport, (route) => {
      held = route;
    });
    await page.getByTestId('replay-export-parquet').click();
    await page.getByTestId('replay-export-go').click();
    await expect.poll(() => status.getAttribute('data-phase')).toBe('running');
    expect(await page.getByTestId('replay-export-progress').textContent()).toContain('正在导出');
    await page.getByTestId('replay-export-cancel').click();
    await expect.poll(() => status.getAttribute('data-phase')).toBe('cancelled');
    const message = status.locator('span').first();
    expect(await message.textContent()).toBe('导出已取消');
    // The outcome is worded again when the language switches, not left in the one it was shown in.
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => message.textContent()).toBe('Export cancelled');
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => message.textContent()).toBe('导出已取消');
    await page.unroute(isExport);
    await waitFor('the held export', () => held);
    expect(errors).toEqual([]);
  });

  it('fits at 390×844 and 3840×1080', async () => {
    for (const [width, height] of [
      [390, 844],
      [3840, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.waitForFunction((w) => window.innerWidth === w, width);
      await page.getByTestId('replay-from').scrollIntoViewIfNeeded();
      expect(await page.getByTestId('replay-from').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      expect(await page.getByTestId('replay-to').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      // Each time's label (开始 / 结束) is on its field's line, not left at the end of the line above.
      for (const id of ['replay-from', 'replay-to'])
        expect(
          await page.getByTestId(id).evaluate((input) => {
            const field = input.getBoundingClientRect();
            const label = input.previousElementSibling!.getBoundingClientRect();
            return Math.abs(label.top + label.height / 2 - (field.top + field.height / 2)) < field.height / 2;
          }),
          `${id} at ${width} px`,
        ).toBe(true);
      // The controls at the bottom: every one inside the screen, in both languages (English is wider).
      if (width === 390)
        for (const lang of ['en', 'zh']) {
          if (!(await page.evaluate(() => document.documentElement.lang)).startsWith(lang))
            await page.getByTestId('language-toggle').click();
          await page.waitForFunction((l) => document.documentElement.lang.startsWith(l), lang);
          const fit = await page.evaluate(() => {
            const row = document.querySelector('.rp-controls')!;
            const right = Math.max(
              ...[...row.children].filter((c) => (c as HTMLElement).offsetParent).map((c) => c.getBoundingClientRect().right),
            );
            const timeline = document.querySelector('.rp-timeline')!.getBoundingClientRect();
            return {
              scrolls: row.scrollWidth > row.clientWidth,
              right,
              timelineBottom: timeline.bottom,
              width: innerWidth,
              height: innerHeight,
            };
          });
          expect(fit.scrolls, lang).toBe(false);
          expect(fit.right, lang).toBeLessThanOrEqual(fit.width);
          expect(fit.timelineBottom, lang).toBeLessThanOrEqual(fit.height);
          await saveScreenshot(page, `test-results/replay-ux-${width}x${height}-${lang}.png`);
        }
      await saveScreenshot(page, `test-results/replay-ux-${width}x${height}.png`);
    }
  });

  it('reads across the room on a 3840×1080 wall: text ≥ 28 px, the names on the map grown alike', async () => {
    await page.setViewportSize({ width: 3840, height: 1080 });
    await page.waitForFunction(() => window.innerWidth === 3840);
    const sizes = await page.evaluate(() => {
      const px = (el: Element) => Number.parseFloat(getComputedStyle(el).fontSize);
      const texts = [...document.querySelectorAll('.rp-top *, .rp-side *, .rp-bottom *')].filter(
        (el) =>
          (el as HTMLElement).offsetParent !== null &&
          [...el.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && c.textContent!.trim() !== ''),
      );
      return {
        root: px(document.documentElement),
        smallest: Math.min(...texts.map(px)),
        clock: px(document.querySelector('.rp-clock')!),
        side: document.querySelector('.rp-side')!.getBoundingClientRect().width,
      };
    });
    expect(sizes.root).toBeGreaterThanOrEqual(28);
    expect(sizes.smallest).toBeGreaterThanOrEqual(28);
    expect(sizes.clock).toBeGreaterThanOrEqual(1.5 * sizes.root);
    expect(sizes.side).toBeGreaterThanOrEqual(20 * sizes.root - 1);
    const deskRamp = (buildCityStyle(null, 'zh').layers.find((l) => l.id === 'label-district')!.layout as Record<string, unknown>)[
      'text-size'
    ];
    const wanted = JSON.stringify(scaledTextSize(deskRamp, sizes.root / 16));
    await expect.poll(async () => JSON.stringify(await hook<unknown>("labelStyle('label-district')")), { timeout: 30_000 }).toBe(wanted);
    for (const id of ['replay-from', 'replay-to']) expect(await unclipped(id)).toBe(true);
    await saveScreenshot(page, 'test-results/replay-ux-wall-3840x1080.png');
    // Back on a desk the page and the names are the desk's again.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await expect
      .poll(async () => JSON.stringify(await hook<unknown>("labelStyle('label-district')")), { timeout: 30_000 })
      .toBe(JSON.stringify(deskRamp));
    expect(errors).toEqual([]);
  });
});
