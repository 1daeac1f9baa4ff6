/**
 * A console with nothing new to show gives the compositor nothing to do (web/client/README.md,
 * "Stream stopped"; docs/benchmarks.md, run 16). In software rendering every frame the page
 * draws is composited over the whole screen, so what the console does on its ticks matters:
 * - a tick sets no attribute to the value it already had (the layer panel's switches and the
 *   page's `data-ready` were set again on every tick: a change to the page each time);
 * - the stream stopped, the sensors are drawn grey by deck.gl, not by a CSS filter on their canvas
 *   (the compositor ran the filter over the whole map again on every frame).
 * Counted by condition (clock ticks, the stream's state), never timed.
 */
import type mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleCity } from './support/console-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const GAUGE = 'idle-gauge-1';
const city = consoleCity('console-idle-browser');
let page: Page;
let errors: string[];
let publisher: mqtt.MqttClient;

/** An attribute set again to the value it had, as the observer saw it. */
interface SameSet {
  where: string;
  attr: string;
  value: string | null;
}

declare global {
  interface Window {
    __sameSets?: SameSet[];
    __idleClockTicks?: number;
  }
}

async function reading(level: number): Promise<void> {
  const body = { ts: Date.now(), values: { water_level_cm: level } };
  await publisher.publishAsync(`citytwin/v1/sensors/${GAUGE}/data`, JSON.stringify(body), { qos: 1 });
}

/** The CSS filter of the map's canvas, which deck.gl draws the sensors into too (interleaved), and of any other in the map. */
const deckCanvasFilter = (): Promise<string | null> =>
  page.evaluate(() => {
    const filters = [...document.querySelectorAll('#map canvas')].map((c) => getComputedStyle(c).filter);
    return filters.length === 0 ? null : filters.every((f) => f === 'none') ? 'none' : filters.join(' ');
  });

beforeAll(async () => {
  ({ page, errors, publisher } = await city.start((p) =>
    p
      .publishAsync(`citytwin/v1/sensors/${GAUGE}/meta`, JSON.stringify({ kind: 'water_level', lng: 114.31, lat: 30.57 }), {
        qos: 1,
        retain: true,
      })
      .then(() => undefined),
  ));
  await reading(10);
  await page.waitForFunction((id) => window.__citytwin!.projectSensor(id) !== null, GAUGE, { timeout: 10_000 });
});

afterAll(() => city.close());

describe('a console with nothing new to show', () => {
  it('sets no attribute to the value it already had, tick after tick', async () => {
    await page.evaluate(() => {
      const same: SameSet[] = [];
      window.__sameSets = same;
      window.__idleClockTicks = 0;
      new MutationObserver((records) => {
        for (const r of records) {
          const el = r.target as Element;
          const value = el.getAttribute(r.attributeName!);
          if (value === r.oldValue)
            same.push({ where: `${el.tagName}.${el.className}[${el.getAttribute('data-testid') ?? ''}]`, attr: r.attributeName!, value });
        }
      }).observe(document.documentElement, { subtree: true, attributes: true, attributeOldValue: true });
      const clock = document.querySelector('[data-testid="server-clock"]')!;
      new MutationObserver(() => window.__idleClockTicks!++).observe(clock, { subtree: true, childList: true, characterData: true });
    });
    // The console ticks twice a second and the clock once: six clock ticks are a dozen console ticks.
    await page.waitForFunction(() => (window.__idleClockTicks ?? 0) >= 6, undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => window.__sameSets)).toEqual([]);
  });

  it('greys the stopped stream in deck.gl, with no CSS filter on the canvas, and shows it live again', async () => {
    expect(await page.evaluate(() => window.__citytwin!.sensorsMuted())).toBe(false);
    // No reading for more than 10 s: the stream counts as stopped.
    await page.waitForFunction(() => window.__citytwin!.freshness().stopped, undefined, { timeout: 60_000 });
    await expect.poll(() => page.evaluate(() => window.__citytwin!.sensorsMuted()), { timeout: 10_000 }).toBe(true);
    expect(await page.evaluate(() => document.body.classList.contains('stream-stopped'))).toBe(true);
    expect(await deckCanvasFilter()).toBe('none');
    await reading(12);
    await page.waitForFunction(() => !window.__citytwin!.freshness().stopped, undefined, { timeout: 15_000 });
    await expect.poll(() => page.evaluate(() => window.__citytwin!.sensorsMuted()), { timeout: 10_000 }).toBe(false);
    expect(await deckCanvasFilter()).toBe('none');
    expect(errors.filter((e) => !e.includes('GPU stall'))).toEqual([]);
  });
});
