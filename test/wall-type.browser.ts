/**
 * Type and layout at distance on a wall (kiosk mode) in real Chromium, at 3840×1080, 1920×1080
 * and one screen of a 3×3 wall: body text and headline figures scaled to the screen, the
 * incident queue the full height of the screen with more rows than the desk's box, the
 * engineering figures folded into one health badge worded in zh-CN, nothing overflowing. The
 * desk view (signed in, no kiosk) keeps its figures; on a wall-sized desk window an opened
 * incident's detail gets a readable share of the column and the map's buttons grow with the type.
 * Screenshots go to test-results/wall-*.png.
 */
import { mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, openSignedInConsole, saveScreenshot } from './support/browser.ts';
import { consoleDisplayToken } from './support/console-client.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { CENTRAL_WUHAN, planReports, publishReports } from './support/incident-reports.ts';
import { type LiveGauge, startLiveGauge } from './support/live-gauge.ts';
import { startTestCity } from './support/test-city.ts';
import { buildCityStyle } from '../web/client/map/basemap-style.ts';
import { scaledTextSize } from '../web/client/map/label-scale.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('wall-type-browser');
let app: RunningCityTwin;
let browser: Browser;
let publisher: mqtt.MqttClient;
let token = '';
let gauge: LiveGauge | undefined;
/** Console errors of every page opened (filled as they happen). */
const errorLists: string[][] = [];
/** Reports far enough apart not to be fused into one incident (support/incident-reports.ts). */
const INCIDENTS = 40;
mkdirSync('test-results', { recursive: true });

beforeAll(async () => {
  app = await startTestCity(dir.path);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'wall-type-browser' });
  // A sensor reporting once a second, as a live city does (no staleness watermark, a healthy badge).
  gauge = await startLiveGauge(publisher, 'wall-wl-1');
  await publishReports(publisher, planReports(INCIDENTS, CENTRAL_WUHAN, 'wall'));
  // A report may open more than one incident (its category's rules): at least one each.
  await waitFor(`${INCIDENTS} incidents open`, () => app.twin!.activeIncidents().length >= INCIDENTS || null);
  token = await consoleDisplayToken(app.url!, 'wall type');
  browser = await launchChromium();
});

afterAll(async () => {
  gauge?.stop();
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  dir.remove();
});

/**
 * A kiosk screen at this size, the queue filled, for `use`; closed afterwards whatever happens
 * (one screen at a time). `extra` adds address parameters (a wall's tile).
 */
async function onWall(size: { width: number; height: number }, extra: string, use: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ viewport: size });
  try {
    const page = await context.newPage();
    errorLists.push(collectErrors(page));
    await page.goto(`${app.url!}?display=${token}&kiosk=1&focus=0${extra}`);
    // The queue and the figures are what is measured; the map may still be drawing on a loaded machine.
    await expect.poll(() => page.evaluate(() => document.body.dataset.auth), { timeout: 30_000 }).toBe('display');
    await expect.poll(() => page.getByTestId('incident-row').count(), { timeout: 30_000 }).toBe(app.twin!.activeIncidents().length);
    await use(page);
  } finally {
    await context.close();
  }
}

interface Measures {
  body: number;
  /** The smallest text in the queue's rows and the health badge (px). */
  smallestText: number;
  clock: number;
  count: number;
  sensors: number;
  queueShare: number;
  rowsShown: number;
  visibleText: string;
  overflowing: string[];
  overlaps: boolean;
}

/** Computed sizes and what shows, read in the page. */
function measure(page: Page): Promise<Measures> {
  return page.evaluate(() => {
    const px = (el: Element | null): number => (el ? Number.parseFloat(getComputedStyle(el).fontSize) : 0);
    const q = (sel: string): HTMLElement => document.querySelector<HTMLElement>(sel)!;
    const texts = [...document.querySelectorAll('.incident-row span, [data-testid="health-badge"]')].filter(
      (el) => el.childNodes.length > 0 && [...el.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && c.textContent!.trim() !== ''),
    );
    const scroll = q('[data-testid="incident-scroll"]').getBoundingClientRect();
    const rowsShown = [...document.querySelectorAll('[data-testid="incident-row"]')].filter((r) => {
      const b = r.getBoundingClientRect();
      return b.top >= scroll.top - 1 && b.bottom <= scroll.bottom + 1;
    }).length;
    const overflowing = ['.top-bar', '.top-right', '.brand', '[data-testid="status-strip"]', '.incident-panel .panel-header']
      .filter((sel) => {
        const el = document.querySelector<HTMLElement>(sel);
        return el !== null && el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1;
      })
      .concat(
        [...document.querySelectorAll<HTMLElement>('.incident-type')].some((el) => el.scrollWidth > el.clientWidth + 1)
          ? ['.incident-type']
          : [],
      );
    const panel = q('[data-testid="incident-panel"]').getBoundingClientRect();
    const strip = q('[data-testid="status-strip"]').getBoundingClientRect();
    const top = q('.top-bar').getBoundingClientRect();
    const overlaps = strip.right > panel.left + 1 || panel.top < top.bottom - 1;
    return {
      body: px(document.body),
      smallestText: Math.min(...texts.map(px)),
      clock: px(q('[data-testid="server-clock"]')),
      count: px(q('[data-testid="incident-count"]')),
      sensors: px(q('[data-testid="stat-sensors"] .stat-value')),
      queueShare: panel.height / window.innerHeight,
      rowsShown,
      visibleText: document.body.innerText,
      overflowing,
      overlaps,
    };
  });
}

/**
 * The district names' size the desk's style gives at `zoom` (px): its zoom ramp evaluated as
 * maplibre does (exponential interpolation between the stops around the zoom).
 */
function deskDistrictLabelSize(zoom: number): number {
  const layer = buildCityStyle(null, 'zh').layers.find((l) => l.id === 'label-district')!;
  const ramp = (layer.layout as Record<string, unknown>)['text-size'] as [string, [string, number], unknown, ...number[]];
  const base = ramp[1][1];
  const stops = ramp.slice(3) as number[];
  if (zoom <= stops[0]!) return stops[1]!;
  for (let i = 0; i + 2 < stops.length; i += 2) {
    const [z0, v0, z1, v1] = [stops[i]!, stops[i + 1]!, stops[i + 2]!, stops[i + 3]!];
    if (zoom > z1) continue;
    const t = (base ** (zoom - z0) - 1) / (base ** (z1 - z0) - 1);
    return v0 + t * (v1 - v0);
  }
  return stops[stops.length - 1]!;
}

/**
 * The district names drawn on the base map against the desk's size at the same zoom, once
 * maplibre has placed them; and the root type size (px).
 */
async function districtLabelScale(page: Page): Promise<{ ratio: number; size: number; root: number }> {
  await expect
    .poll(() => page.evaluate(() => window.__citytwin?.basemap().labelSizes['label-district'] ?? 0), { timeout: 60_000 })
    .toBeGreaterThan(0);
  const { size, zoom, root } = await page.evaluate(() => {
    const b = window.__citytwin!.basemap();
    return {
      size: b.labelSizes['label-district']!,
      zoom: b.zoom,
      root: Number.parseFloat(getComputedStyle(document.documentElement).fontSize),
    };
  });
  return { ratio: size / deskDistrictLabelSize(zoom), size, root };
}

/** What an operator's engineering figures look like: milliseconds, pending writes, message rates, ingest lag. */
const ENGINEERING = /\d\s*ms\b|毫秒|待写入|入库延迟|消息\/秒|已拒绝|pending|ingest lag|msgs\/s/i;

describe('a wall screen readable across the room', { timeout: 180_000 }, () => {
  it('at 3840×1080: body text ≥ 28 px, headline figures ≥ 72 px, a full-height queue, one health badge', async () => {
    await onWall({ width: 3840, height: 1080 }, '', async (page) => {
      const m = await measure(page);
      expect(m.body).toBeGreaterThanOrEqual(28);
      expect(m.smallestText).toBeGreaterThanOrEqual(28);
      expect(m.clock).toBeGreaterThanOrEqual(72);
      expect(m.count).toBeGreaterThanOrEqual(72);
      expect(m.sensors).toBeGreaterThanOrEqual(72);
      expect(m.queueShare).toBeGreaterThanOrEqual(0.85);
      // The desk's layout showed 15 rows (in 76 % of the height) here.
      expect(m.rowsShown).toBeGreaterThanOrEqual(18);
      expect(m.visibleText).not.toMatch(ENGINEERING);
      expect(m.overflowing).toEqual([]);
      expect(m.overlaps).toBe(false);
      await expect.poll(() => page.getByTestId('health-badge').innerText(), { timeout: 15_000 }).toBe('系统正常');
      // The base map's names grow with the wall's type, as the markers do (×1.84 here).
      const labels = await districtLabelScale(page);
      expect(labels.ratio).toBeCloseTo(labels.root / 16, 1);
      expect(labels.ratio).toBeGreaterThan(1.7);
      await saveScreenshot(page, 'test-results/wall-3840.png');
    });
  });

  it('rescales the base map’s names when the window goes from desk size to wall size and back', async () => {
    await onWall({ width: 1920, height: 1080 }, '', async (page) => {
      const deskRamp = (buildCityStyle(null, 'zh').layers.find((l) => l.id === 'label-district')!.layout as Record<string, unknown>)[
        'text-size'
      ];
      /** The district names' size in the map's style now, and the one the root size asks for. */
      const styleAndWanted = () =>
        page.evaluate(() => ({
          style: window.__citytwin?.basemap().labelStyle['label-district'] ?? null,
          root: Number.parseFloat(getComputedStyle(document.documentElement).fontSize),
        }));
      const wanted = (root: number) => JSON.stringify(scaledTextSize(deskRamp, root / 16));
      for (const size of [
        { width: 1920, height: 1080 },
        { width: 3840, height: 1080 },
        { width: 1920, height: 1080 },
      ]) {
        await page.setViewportSize(size);
        await expect
          .poll(
            async () => {
              const { style, root } = await styleAndWanted();
              const big = root > (size.width > 3000 ? 28 : 20);
              return JSON.stringify(style) === wanted(root) && big
                ? `scaled at ${size.width}`
                : `${JSON.stringify(style)} for a ${root} px root at ${size.width}`;
            },
            { timeout: 30_000 },
          )
          .toBe(`scaled at ${size.width}`);
      }
      // Drawn too: the names on screen at the style's size for the zoom shown, once the map has drawn
      // the new layout (symbol layout is rebuilt off the main thread: a frame may still show the old one).
      await expect
        .poll(
          async () => {
            const labels = await districtLabelScale(page);
            return Math.abs(labels.ratio - labels.root / 16) < 0.05
              ? 'drawn at the root size'
              : `drawn at ×${labels.ratio} for a ${labels.root} px root`;
          },
          { timeout: 30_000 },
        )
        .toBe('drawn at the root size');
    });
  });

  it('at 3840×1080: fits the city into the map beside the queue, not under it', async () => {
    await onWall({ width: 3840, height: 1080 }, '', async (page) => {
      // The city view fitted, the camera come to rest.
      await expect
        .poll(
          () =>
            page.evaluate(() => {
              const k = window.__citytwin!.kioskState();
              return k?.fitted !== null && k?.fitted !== undefined && !window.__citytwin!.camera().moving;
            }),
          { timeout: 60_000 },
        )
        .toBe(true);
      const { west, east, panelLeft, mapLeft } = await page.evaluate(() => {
        const hooks = window.__citytwin!;
        const [w, s, e, n] = hooks.kioskState()!.fitted!;
        const west = Math.min(hooks.project(w, s)[0], hooks.project(w, n)[0]);
        const east = Math.max(hooks.project(e, s)[0], hooks.project(e, n)[0]);
        const panelLeft = document.querySelector('[data-testid="incident-panel"]')!.getBoundingClientRect().left;
        const mapLeft = document.querySelector('#map')!.getBoundingClientRect().left;
        return { west, east, panelLeft, mapLeft };
      });
      expect(west).toBeGreaterThanOrEqual(mapLeft - 1);
      expect(east).toBeLessThanOrEqual(panelLeft + 1);
    });
  });

  it('at 1920×1080: the same layout scaled (body text ≥ 20 px)', async () => {
    await onWall({ width: 1920, height: 1080 }, '', async (page) => {
      const m = await measure(page);
      expect(m.body).toBeGreaterThanOrEqual(20);
      expect(m.smallestText).toBeGreaterThanOrEqual(20);
      expect(Math.min(m.clock, m.count, m.sensors)).toBeGreaterThanOrEqual(2.4 * m.body);
      expect(m.queueShare).toBeGreaterThanOrEqual(0.85);
      expect(m.rowsShown).toBeGreaterThanOrEqual(20);
      expect(m.visibleText).not.toMatch(ENGINEERING);
      expect(m.overflowing).toEqual([]);
      expect(m.overlaps).toBe(false);
      await expect.poll(() => page.getByTestId('health-badge').innerText(), { timeout: 15_000 }).toBe('系统正常');
      await saveScreenshot(page, 'test-results/wall-1920.png');
    });
  });

  it('on one screen of a 3×3 wall: the same sizes on the screen', async () => {
    await onWall({ width: 1920, height: 1080 }, '&wall=3x3&screen=5', async (page) => {
      const m = await measure(page);
      expect(m.body).toBeGreaterThanOrEqual(20);
      expect(m.queueShare).toBeGreaterThanOrEqual(0.85);
      expect(m.visibleText).not.toMatch(ENGINEERING);
      expect(m.overflowing).toEqual([]);
      expect(m.overlaps).toBe(false);
      await saveScreenshot(page, 'test-results/wall-3x3-screen5.png');
    });
  });

  it('on a phone (390×844): the queue a sheet along the bottom above the strip, the city fitted above it', async () => {
    await onWall({ width: 390, height: 844 }, '', async (page) => {
      await expect
        .poll(
          () =>
            page.evaluate(() => {
              const k = window.__citytwin!.kioskState();
              return k?.fitted !== null && k?.fitted !== undefined && !window.__citytwin!.camera().moving;
            }),
          { timeout: 60_000 },
        )
        .toBe(true);
      const m = await page.evaluate(() => {
        const box = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
        const hooks = window.__citytwin!;
        const [w, s, e, n] = hooks.kioskState()!.fitted!;
        const corners = [hooks.project(w, s), hooks.project(w, n), hooks.project(e, s), hooks.project(e, n)];
        const panel = box('[data-testid="incident-panel"]');
        const strip = box('[data-testid="status-strip"]');
        return {
          panel: { left: panel.left, right: panel.right, top: panel.top, bottom: panel.bottom },
          strip: { top: strip.top, right: strip.right },
          cityBottom: Math.max(...corners.map((c) => c[1])),
          topBar: box('.top-bar').bottom,
        };
      });
      expect(m.panel.left).toBeLessThanOrEqual(0.5);
      expect(m.panel.right).toBeGreaterThanOrEqual(389.5);
      expect(m.panel.top).toBeGreaterThan(844 / 2);
      expect(m.panel.bottom).toBeLessThanOrEqual(m.strip.top + 1);
      expect(m.strip.right).toBeGreaterThanOrEqual(389.5);
      // The whole city is drawn between the top bar and the sheet, none of it under the queue.
      expect(m.cityBottom).toBeLessThanOrEqual(m.panel.top + 1);
      expect(m.cityBottom).toBeGreaterThan(m.topBar);
      await saveScreenshot(page, 'test-results/wall-kiosk-390.png');
    });
  });

  it('on a wall-sized desk window (3840×1080, signed in, no kiosk): an opened incident gets a readable share of the column, the map’s buttons wall size', async () => {
    const { page, errors: wallDeskErrors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD, {
      width: 3840,
      height: 1080,
    });
    errorLists.push(wallDeskErrors);
    await expect.poll(() => page.getByTestId('incident-row').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(INCIDENTS);
    await page.getByTestId('incident-row').first().click();
    await expect.poll(() => page.getByTestId('incident-detail-id').isVisible(), { timeout: 15_000 }).toBe(true);
    const m = await page.evaluate(() => {
      const box = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
      const panel = box('[data-testid="incident-panel"]');
      const detailEl = document.querySelector<HTMLElement>('[data-testid="incident-detail"]')!;
      const detail = detailEl.getBoundingClientRect();
      const scroll = box('[data-testid="incident-scroll"]');
      const strip = box('[data-testid="status-strip"]');
      const texts = [...detailEl.querySelectorAll<HTMLElement>('*')].filter(
        (el) => el.offsetParent !== null && [...el.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && c.textContent!.trim() !== ''),
      );
      const rowsShown = [...document.querySelectorAll('[data-testid="incident-row"]')].filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= scroll.top - 1 && b.bottom <= scroll.bottom + 1;
      }).length;
      const buttons = [...document.querySelectorAll<HTMLElement>('.maplibregl-ctrl-group button')]
        .filter((b) => b.offsetParent !== null)
        .map((b) => {
          const r = b.getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return { width: r.width, height: r.height, right: r.right, bottom: r.bottom, reachable: hit !== null && b.contains(hit) };
        });
      return {
        detailShare: detail.height / panel.height,
        detailText: Math.min(...texts.map((el) => Number.parseFloat(getComputedStyle(el).fontSize))),
        detailClipped: detailEl.scrollWidth > detailEl.clientWidth + 1,
        rowsShown,
        panelBottom: panel.bottom,
        panelLeft: panel.left,
        stripTop: strip.top,
        pageWidth: document.documentElement.scrollWidth,
        buttons,
      };
    });
    // The desk's proportions left the detail a strip of 22 % (161 px) under the list.
    expect(m.detailShare).toBeGreaterThanOrEqual(0.35);
    expect(m.detailText).toBeGreaterThanOrEqual(28);
    expect(m.detailClipped).toBe(false);
    // The list keeps its own share, scrolling in it.
    expect(m.rowsShown).toBeGreaterThanOrEqual(2);
    expect(m.panelBottom).toBeLessThanOrEqual(m.stripTop + 1);
    expect(m.pageWidth).toBeLessThanOrEqual(3840);
    // Zoom in and out and 2D/3D at least, each as large as a line of wall type (the desk's are 29 px), left of the queue.
    expect(m.buttons.length).toBeGreaterThanOrEqual(3);
    for (const b of m.buttons) {
      expect(b.width).toBeGreaterThanOrEqual(44);
      expect(b.height).toBeGreaterThanOrEqual(44);
      expect(b.reachable).toBe(true);
      expect(b.right).toBeLessThanOrEqual(m.panelLeft);
      expect(b.bottom).toBeLessThanOrEqual(m.stripTop);
    }
    const before = (await page.evaluate(() => window.__citytwin!.camera())).zoom;
    await page.locator('.maplibregl-ctrl-zoom-in').click();
    await expect.poll(() => page.evaluate(() => window.__citytwin!.camera().zoom), { timeout: 15_000 }).toBeGreaterThan(before + 0.5);
    await saveScreenshot(page, 'test-results/wall-desk-3840-incident.png', { timeoutMs: 30_000 });
    await page.close();
  });

  it('keeps the engineering figures on the desk (signed in, no kiosk)', async () => {
    const { page, errors: deskErrors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD, { width: 1920, height: 1080 });
    errorLists.push(deskErrors);
    await expect.poll(() => page.getByTestId('stat-lag').innerText(), { timeout: 15_000 }).toMatch(/入库延迟/);
    expect(await page.getByTestId('stat-pending').isVisible()).toBe(true);
    expect(await page.getByTestId('health-badge').isVisible()).toBe(false);
    // The desk's map names keep their style's size.
    expect((await districtLabelScale(page)).ratio).toBeCloseTo(1, 2);
    await saveScreenshot(page, 'test-results/wall-desk-1920.png');
    await page.close();
  });

  it('leaves the phone layout as it was (390×844, no badge)', async () => {
    const { page, errors: phoneErrors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD, { width: 390, height: 844 });
    errorLists.push(phoneErrors);
    await expect.poll(() => page.getByTestId('data-freshness').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId('health-badge').isVisible()).toBe(false);
    expect(await page.evaluate(() => Number.parseFloat(getComputedStyle(document.documentElement).fontSize))).toBe(14);
    await saveScreenshot(page, 'test-results/wall-desk-390.png');
    await page.close();
  });

  it('logs no errors', () => {
    expect(errorLists.flat()).toEqual([]);
  });
});
