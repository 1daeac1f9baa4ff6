/**
 * Wall displays in real Chromium: a display token opens kiosk mode with no login prompt and no
 * chrome, the views rotate on the wall-clock schedule (city, then a district), a new critical
 * incident takes the screen, and when the data stops a watermark covers the whole screen.
 * Screenshots go to test-results/kiosk-*.png.
 */
import { mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { collectErrors, launchChromium, saveScreenshot } from './support/browser.ts';
import { consoleDisplayToken } from './support/console-client.ts';
import { tempDir } from './support/fixtures.ts';
import { type LiveGauge, startLiveGauge } from './support/live-gauge.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('kiosk-browser');
let app: RunningCityTwin;
let browser: Browser;
let page: Page;
let errors: string[];
let publisher: mqtt.MqttClient;
let gauge: LiveGauge | undefined;
mkdirSync('test-results', { recursive: true });

beforeAll(async () => {
  app = await startTestCity(dir.path);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'kiosk-browser' });
  gauge = await startLiveGauge(publisher, 'kiosk-wl-1');
  const token = await consoleDisplayToken(app.url!, 'command-center wall 1');
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  page = await context.newPage();
  errors = collectErrors(page);
  await page.goto(`${app.url!}?display=${token}&kiosk=1&rotate=city:5,district:420106:5&focus=30&stale=6`);
});

afterAll(async () => {
  gauge?.stop();
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  dir.remove();
});

describe('kiosk mode on a wall display', () => {
  it('opens with no login prompt and no chrome', async () => {
    await expect.poll(() => page.evaluate(() => document.body.dataset.ready), { timeout: 30_000 }).toBe('true');
    expect(await page.getByTestId('login-submit').count()).toBe(0);
    expect(await page.evaluate(() => document.body.classList.contains('kiosk'))).toBe(true);
    expect(await page.getByTestId('user-menu').isVisible()).toBe(false);
    expect(await page.getByTestId('incident-panel').isVisible()).toBe(true);
    expect(await page.getByTestId('stale-watermark').isVisible()).toBe(false);
  });

  it('rotates between the city and a district on the wall-clock schedule', async () => {
    const views = new Set<string>();
    await expect
      .poll(
        async () => {
          const s = await page.evaluate(() => window.__citytwin!.kioskState());
          if (s?.view) views.add(s.view);
          return views.has('city') && views.has('district:420106');
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBe(true);
    expect(await page.getByTestId('kiosk-step').innerText()).toMatch(/全市|江岸区|江汉区|硚口区|汉阳区|武昌区|\d+ s/);
    await saveScreenshot(page, 'test-results/kiosk-rotation.png');
  });

  it('gives the screen to a new critical incident', async () => {
    await publisher.publishAsync(
      'citytwin/v1/events/field-staff',
      JSON.stringify({
        id: 'k-1',
        ts: Date.now(),
        type: 'manual_report',
        category: 'fire',
        lng: 114.28,
        lat: 30.58,
        severity: 5,
        text: '仓库起火',
      }),
      { qos: 1 },
    );
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount()), { timeout: 10_000 }).toBe(1);
    const incidentId = await page.evaluate(() => window.__citytwin!.incidentIds()[0]!);
    await expect.poll(() => page.evaluate(() => window.__citytwin!.kioskState()?.focused ?? null), { timeout: 10_000 }).toBe(incidentId);
    expect(await page.evaluate(() => window.__citytwin!.selectedIncident())).toBe(incidentId);
    // The detail shows, without actions (a display cannot act).
    await expect.poll(() => page.getByTestId('incident-detail').isVisible()).toBe(true);
    expect(await page.getByTestId('incident-actions').count()).toBe(0);
    await saveScreenshot(page, 'test-results/kiosk-focus.png');
  });

  it('covers the screen with a watermark when the data stops', async () => {
    gauge!.stop();
    await expect.poll(() => page.getByTestId('stale-watermark').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await page.getByTestId('stale-watermark').innerText()).toMatch(/画面已停止更新[\s\S]*最后更新 \d\d:\d\d:\d\d/);
    // The health badge agrees with the watermark, in words.
    await expect.poll(() => page.getByTestId('health-badge').innerText()).toBe('异常：数据已停止更新');
    await saveScreenshot(page, 'test-results/kiosk-stale.png');
    // Data again: the watermark goes.
    gauge!.start();
    await expect.poll(() => page.getByTestId('stale-watermark').isVisible(), { timeout: 15_000 }).toBe(false);
    await expect.poll(() => page.getByTestId('health-badge').innerText()).toBe('系统正常');
  });

  it('rotates through the KPI screen and back to the map', async () => {
    // Same tab: the display token is kept for it.
    await page.goto(`${app.url!}?kiosk=1&rotate=city:4,kpi:4`);
    await expect.poll(() => page.url(), { timeout: 20_000, interval: 250 }).toContain('kpi.html');
    await expect.poll(() => page.evaluate(() => document.body.classList.contains('kiosk')), { timeout: 10_000 }).toBe(true);
    await saveScreenshot(page, 'test-results/kiosk-kpi.png');
    // Back on the map, signed in by the same display token, no login page. The rotation goes on
    // on the wall clock (4 s a view here), whether or not a page finished drawing in its slot
    // (on a loaded machine it may not), so what is checked is the sign-in, not the drawing.
    await expect
      .poll(
        () =>
          page.evaluate(
            () =>
              window.location.pathname === '/' &&
              document.body.dataset.auth === 'display' &&
              document.querySelector('[data-testid="login-submit"]') === null,
          ),
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);
  });

  it('logs no errors', () => {
    expect(errors).toEqual([]);
  });
});

describe('a wall screen whose server stops answering', () => {
  it('reloads only once the server answers again, and comes back signed in', async () => {
    const token = await consoleDisplayToken(app.url!, 'command-center wall 2');
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const wall = await context.newPage();
    // Reload after 3 s disconnected (the default is two minutes).
    await wall.goto(`${app.url!}?display=${token}&kiosk=1&reload=3`);
    await expect.poll(() => wall.evaluate(() => document.body.dataset.ready), { timeout: 30_000 }).toBe('true');
    // A mark that a reload wipes.
    await wall.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
    // The screen's network goes: the socket drops, and asking the server fails.
    await context.setOffline(true);
    await expect.poll(() => wall.getByTestId('stale-watermark').isVisible(), { timeout: 20_000 }).toBe(true);
    // Past the reload time and more than one ask (every 5 s): the page is still this page, with its
    // watermark, not the browser's error page.
    await new Promise((r) => setTimeout(r, 9_000));
    expect(wall.url().startsWith(app.url!)).toBe(true);
    expect(await wall.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
    expect(await wall.getByTestId('stale-watermark').isVisible()).toBe(true);
    await saveScreenshot(wall, 'test-results/kiosk-server-gone.png');
    // The server answers again: the page reloads (or its socket comes back first) and shows the
    // city, signed in by the token it kept, no login page.
    await context.setOffline(false);
    await expect
      .poll(() => wall.evaluate(() => document.body.dataset.ready === 'true' && document.body.dataset.auth === 'display'), {
        timeout: 30_000,
      })
      .toBe(true);
    expect(await wall.getByTestId('login-submit').count()).toBe(0);
    await expect.poll(() => wall.getByTestId('stale-watermark').isVisible(), { timeout: 20_000 }).toBe(false);
    await context.close();
  });
});
