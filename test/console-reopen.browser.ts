/**
 * A console opened, and opened again, while readings stream in takes the whole table once: one
 * connection over a WebSocket, one `resume`, one snapshot, then deltas — every sensor drawn.
 * Started on long-polling, a console on a big registry took its snapshot in one poll response
 * behind which the heartbeat's answer waited; on a busy server the connection was closed and
 * the console asked for the whole table again, opening after opening (docs/benchmarks.md, run 16).
 */
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { launchChromium, openSignedInConsole } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('console-reopen-browser');
const SENSORS = 40;
const ids = Array.from({ length: SENSORS }, (_, i) => `reopen-gauge-${i}`);
let app: RunningCityTwin;
let browser: Browser;
let page: Page;
let errors: string[];
let publisher: mqtt.MqttClient;
let streaming: NodeJS.Timeout | null = null;

/** Readings for every gauge every 150 ms, at most 2,000 rounds (stopped in afterAll). */
function stream(): void {
  let round = 0;
  streaming = setInterval(() => {
    if (++round > 2_000) return stopStreaming();
    for (const id of ids) {
      const body = { ts: Date.now(), values: { water_level_cm: 10 + (round % 7) } };
      publisher.publish(`citytwin/v1/sensors/${id}/data`, JSON.stringify(body), { qos: 0 });
    }
  }, 150);
}

function stopStreaming(): void {
  if (streaming) clearInterval(streaming);
  streaming = null;
}

/** Every gauge in the table and drawn, and deltas arriving; then how the opening went. */
async function opened(): Promise<{ counters: Record<string, unknown>; polls: number; drawn: number }> {
  await page.waitForFunction((n) => window.__citytwin?.ready === true && window.__citytwin.drawnCount() >= n, SENSORS, {
    timeout: 60_000,
  });
  await page.waitForFunction(() => window.__citytwin!.streamCounters().deltasApplied > 5, undefined, { timeout: 60_000 });
  return page.evaluate(() => ({
    counters: window.__citytwin!.streamCounters() as unknown as Record<string, unknown>,
    // Long-polling requests of the socket (a WebSocket is not a resource the page fetches).
    polls: performance.getEntriesByType('resource').filter((e) => e.name.includes('transport=polling')).length,
    drawn: window.__citytwin!.drawnCount(),
  }));
}

beforeAll(async () => {
  app = await startTestCity(dir.path);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'console-reopen-browser' });
  for (const [k, id] of ids.entries()) {
    const meta = { kind: 'water_level', lng: 114.2 + (k % 8) * 0.02, lat: 30.5 + Math.floor(k / 8) * 0.02 };
    await publisher.publishAsync(`citytwin/v1/sensors/${id}/meta`, JSON.stringify(meta), { qos: 1, retain: true });
  }
  stream();
  browser = await launchChromium();
  ({ page, errors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD));
});

afterAll(async () => {
  stopStreaming();
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  dir.remove();
});

describe('a console opened while readings stream in', () => {
  it('takes the table once over a WebSocket: one connection, one resume, one snapshot', async () => {
    const first = await opened();
    expect(first.drawn).toBeGreaterThanOrEqual(SENSORS);
    expect(first.polls).toBe(0);
    expect(first.counters).toMatchObject({ connects: 1, resumesSent: 1, snapshots: 1, resyncs: {} });
  });

  it('opened again under the same stream, draws every sensor the same way', async () => {
    await page.reload({ waitUntil: 'domcontentloaded' });
    const again = await opened();
    expect(again.drawn).toBeGreaterThanOrEqual(SENSORS);
    expect(again.polls).toBe(0);
    expect(again.counters).toMatchObject({ connects: 1, resumesSent: 1, snapshots: 1, resyncs: {} });
    expect(errors).toEqual([]);
  });
});
