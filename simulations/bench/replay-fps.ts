/**
 * Replay in the browser at 1000×: the all-in-one product on embedded parts with 10,000
 * registered sensors and an hour of readings every 10 s (3.6M rows, generated inside
 * ClickHouse), the replay page in headless Chromium (software rendering, Mesa llvmpipe) playing
 * the hour at 1000×. Reports page frames per second (requestAnimationFrame callbacks), deck.gl
 * redraws per second and replay frames applied per second. The target (≥ 30 fps) is for a
 * machine with a GPU; the headless figure is reported as measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../bin/config.ts';
import { startCityTwin } from '../../bin/runtime.ts';
import { fillReplayFpsLoad } from '../../storage/index.ts';
import { KIND_METRICS } from '../../twin-model/index.ts';
import { TEST_ADMIN_PASSWORD } from '../../test/support/auth.ts';
import { launchChromium, openSignedInConsole } from '../../test/support/browser.ts';

export interface ReplayFpsResult {
  sensors: number;
  readings: number;
  fillS: number;
  loadS: number;
  seconds: number;
  pageFps: number;
  deckFps: number;
  framesPerS: number;
}

const HOUR = 3_600_000;

export async function measureReplayFps(sensorCount = 10_000, seconds = 10): Promise<ReplayFpsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-replay-fps-'));
  const app = await startCityTwin(
    loadConfig({
      CITYTWIN_HTTP_PORT: '0',
      CITYTWIN_MQTT_PORT: '0',
      CITYTWIN_DATA_DIR: dir,
      CITYTWIN_SIMULATE: '0',
      CITYTWIN_SENSORS: String(Math.min(sensorCount, 20_000)),
      CITYTWIN_LOG_LEVEL: 'warn',
      CITYTWIN_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    }),
    'all',
  );
  try {
    const sites = app.city!.sensorSites;
    const to = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const from = to - HOUR;
    const t0 = performance.now();
    // Values move slowly around a level per sensor; one sensor in ten drifts through its bands.
    await fillReplayFpsLoad(
      app.clickhouse,
      sites.map((s) => ({
        id: s.id,
        kind: s.kind,
        lng: s.lng,
        lat: s.lat,
        name: s.nameZh,
        district: s.district,
        sourceId: s.sourceId,
        metric: KIND_METRICS[s.kind][0]!,
      })),
      from,
      HOUR,
    );
    const fillS = (performance.now() - t0) / 1000;

    const browser = await launchChromium();
    try {
      const { page } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD);
      await page.setViewportSize({ width: 1600, height: 900 });
      const l0 = performance.now();
      await page.goto(new URL(`replay.html?from=${from}&to=${to}`, app.url!).toString());
      await page.waitForFunction(() => window.__citytwinReplay?.ready === true, undefined, { timeout: 120_000 });
      const loadS = (performance.now() - l0) / 1000;
      await page.evaluate(() => window.__citytwinReplay!.play(1000));
      // Let the first chunk in, then count for `seconds`.
      await page.waitForTimeout(2000);
      // Through the DevTools protocol (not subject to the page's CSP), as an expression: a
      // function from this bundle would carry helpers the page does not have.
      const cdp = await page.context().newCDPSession(page);
      const evaluated = (await cdp.send('Runtime.evaluate', {
        awaitPromise: true,
        returnByValue: true,
        expression: `(async () => {
        const hooks = window.__citytwinReplay;
        let raf = 0;
        let running = true;
        const loop = () => { raf++; if (running) requestAnimationFrame(loop); };
        requestAnimationFrame(loop);
        const deck0 = hooks.deckRenderCount();
        const frames0 = hooks.framesApplied();
        await new Promise((r) => setTimeout(r, ${seconds * 1000}));
        running = false;
        return { raf, deck: hooks.deckRenderCount() - deck0, frames: hooks.framesApplied() - frames0 };
      })()`,
      })) as { result: { value: { raf: number; deck: number; frames: number } } };
      const counts = evaluated.result.value;
      return {
        sensors: sites.length,
        readings: sites.length * (HOUR / 10_000),
        fillS,
        loadS,
        seconds,
        pageFps: counts.raf / seconds,
        deckFps: counts.deck / seconds,
        framesPerS: counts.frames / seconds,
      };
    } finally {
      await browser.close();
    }
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
