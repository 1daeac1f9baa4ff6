/**
 * The console redraws only what changed (app/panel.ts, console/console-view.ts): in real
 * Chromium, readings that change sensor values only leave the incident queue, the unit board
 * and the status strip as they are — no element rebuilt, no attribute set to the value it
 * already had — over more than the queue's 10-second age refresh, while what does change (a
 * new incident, the data's age) is still drawn. DOM changes are counted with a MutationObserver.
 */
import type mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleCity, publishWaterloggingReport } from './support/console-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const GAUGE = 'render-gauge-1';
const city = consoleCity('console-render-browser');
let page: Page;
let errors: string[];
let publisher: mqtt.MqttClient;

/** One DOM change as the observer saw it, reduced to what the assertions need. */
interface Change {
  part: string;
  type: string;
  /** Class of the element changed (of the text's parent for a text change). */
  where: string;
  attr: string | null;
  /** For attributes: the value before and after; for texts: the text removed and added. */
  before: string | null;
  after: string | null;
}

declare global {
  interface Window {
    __renderChanges?: Change[];
    __clockTicks?: number;
  }
}

async function reading(level: number): Promise<void> {
  const body = { ts: Date.now(), values: { water_level_cm: level } };
  await publisher.publishAsync(`citytwin/v1/sensors/${GAUGE}/data`, JSON.stringify(body), { qos: 1 });
}

const report = (id: string, lng: number, lat: number): Promise<void> => publishWaterloggingReport(publisher, id, lng, lat);

/** Starts recording every DOM change in the queue, the board and the strip, and the clock's ticks. */
async function observe(): Promise<void> {
  await page.evaluate(() => {
    const changes: Change[] = [];
    window.__renderChanges = changes;
    window.__clockTicks = 0;
    const classOf = (n: Node | null): string => (n instanceof Element ? n.className : (n?.parentElement?.className ?? ''));
    for (const part of ['incident-list', 'unit-board', 'status-strip']) {
      const root = document.querySelector(`[data-testid="${part}"]`)!;
      new MutationObserver((records) => {
        for (const r of records) {
          const target = r.target instanceof Element ? r.target : null;
          changes.push({
            part,
            type: r.type,
            where: classOf(r.target),
            attr: r.attributeName,
            before: r.type === 'childList' ? [...r.removedNodes].map((n) => n.textContent).join('|') : r.oldValue,
            after:
              r.type === 'attributes'
                ? (target?.getAttribute(r.attributeName!) ?? null)
                : r.type === 'childList'
                  ? [...r.addedNodes].map((n) => n.textContent).join('|')
                  : r.target.nodeValue,
          });
        }
      }).observe(root, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
        attributeOldValue: true,
        characterDataOldValue: true,
      });
    }
    const clock = document.querySelector('[data-testid="server-clock"]')!;
    new MutationObserver(() => window.__clockTicks!++).observe(clock, { subtree: true, childList: true, characterData: true });
  });
}

const changes = (): Promise<Change[]> => page.evaluate(() => window.__renderChanges ?? []);

beforeAll(async () => {
  ({ page, errors, publisher } = await city.start((p) =>
    p
      .publishAsync(`citytwin/v1/sensors/${GAUGE}/meta`, JSON.stringify({ kind: 'water_level', lng: 114.31, lat: 30.57 }), {
        qos: 1,
        retain: true,
      })
      .then(() => undefined),
  ));
});

afterAll(() => city.close());

describe('the console redraws only what changed', () => {
  it('leaves the queue, the board and the strip alone while only sensor values change', async () => {
    await report('render-r-1', 114.3, 30.58);
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentCount()), { timeout: 10_000 }).toBe(1);
    // The gauge's first reading changes its state (waiting to normal); later ones only its value.
    await reading(10);
    await expect.poll(() => page.evaluate((id) => window.__citytwin!.projectSensor(id), GAUGE), { timeout: 10_000 }).not.toBeNull();
    // The incident is in the queue and its highlight is over (a change of its own).
    await expect.poll(() => page.locator('[data-testid="incident-row"]').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator('.incident-row.flash').count(), { timeout: 20_000 }).toBe(0);
    const applied = await page.evaluate(() => window.__citytwin!.streamCounters().deltasApplied);
    await observe();
    // Readings with other values, until the page applied them and its clock ticked past the queue's 10 s age refresh.
    for (let i = 0; i < 40; i++) {
      await reading(11 + (i % 5));
      const [deltas, ticks] = await page.evaluate(() => [window.__citytwin!.streamCounters().deltasApplied, window.__clockTicks ?? 0]);
      if (deltas >= applied + 3 && ticks >= 12) break;
      await page.waitForFunction((t) => (window.__clockTicks ?? 0) > t, ticks, { timeout: 5_000 });
    }
    expect(await page.evaluate(() => window.__citytwin!.streamCounters().deltasApplied)).toBeGreaterThanOrEqual(applied + 3);
    expect(await page.evaluate(() => window.__clockTicks)).toBeGreaterThanOrEqual(12);
    const seen = await changes();
    // The unit board shows nothing that changed.
    expect(seen.filter((c) => c.part === 'unit-board')).toEqual([]);
    // The queue: at most the incident's age moves on, written where it is; no row rebuilt.
    expect(seen.filter((c) => c.part === 'incident-list' && !(c.type === 'characterData' && c.where === 'incident-age'))).toEqual([]);
    // The strip: only values that changed (the data's age, the figures of new stats), never the same value again.
    expect(seen.filter((c) => c.part === 'status-strip' && c.before === c.after)).toEqual([]);
  });

  it('still draws what does change: a new incident, the age of the data', async () => {
    await page.evaluate(() => window.__renderChanges!.splice(0));
    await report('render-r-2', 114.25, 30.62);
    await expect.poll(() => page.locator('[data-testid="incident-row"]').count(), { timeout: 10_000 }).toBe(2);
    expect((await changes()).some((c) => c.part === 'incident-list' && c.type === 'childList')).toBe(true);
    // No more readings: the strip's age of the data counts up.
    const age = await page.getByTestId('data-freshness').getAttribute('data-age-ms');
    await expect.poll(() => page.getByTestId('data-freshness').getAttribute('data-age-ms'), { timeout: 10_000 }).not.toBe(age);
    expect(errors).toEqual([]);
  });

  it('builds a queue row only when what it shows changed, and keeps the node of every other row', async () => {
    await expect.poll(() => page.locator('.incident-row.flash').count(), { timeout: 20_000 }).toBe(0);
    // Every row built from here on sets its incident id on its elements: record which.
    await page.evaluate(() => {
      const built: string[] = [];
      (window as unknown as { __builtRows: string[] }).__builtRows = built;
      const setAttribute = Element.prototype.setAttribute;
      Element.prototype.setAttribute = function (this: Element, name: string, value: string) {
        if (name === 'data-incident-id') built.push(value);
        return setAttribute.call(this, name, value);
      };
      const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="incident-row"]')];
      (window as unknown as { __rowsBefore: HTMLElement[] }).__rowsBefore = rows;
    });
    const [first, second] = await page
      .locator('[data-testid="incident-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-incident-id')!));
    // A change of one row: the first is selected (its button shows it pressed).
    await page.locator(`[data-testid="incident-row"][data-incident-id="${first}"]`).click();
    await expect
      .poll(() => page.locator(`[data-testid="incident-row"][data-incident-id="${first}"]`).getAttribute('aria-pressed'))
      .toBe('true');
    // A third incident: the whole queue is drawn again.
    await report('render-r-3', 114.2, 30.66);
    await expect.poll(() => page.locator('[data-testid="incident-row"]').count(), { timeout: 10_000 }).toBe(3);
    const after = await page.evaluate(
      ([a, b]) => {
        const w = window as unknown as { __builtRows: string[]; __rowsBefore: HTMLElement[] };
        const row = (id: string) => document.querySelector(`[data-testid="incident-row"][data-incident-id="${id}"]`);
        return {
          built: [...new Set(w.__builtRows)],
          secondSameNode: row(b!) === w.__rowsBefore.find((r) => r.dataset.incidentId === b),
          firstPressed: row(a!)?.getAttribute('aria-pressed'),
        };
      },
      [first, second],
    );
    // The unchanged row is the same node and nothing was built for it; the changed one was drawn again.
    expect(after.secondSameNode).toBe(true);
    expect(after.built).not.toContain(second);
    expect(after.built).toContain(first);
    expect(after.firstPressed).toBe('true');
    expect(after.built.length).toBe(2);
    expect(errors).toEqual([]);
  });

  it("writes an incident's age only into the rows in view, and into a row when it scrolls into view", async () => {
    await expect.poll(() => page.locator('.incident-row.flash').count(), { timeout: 20_000 }).toBe(0);
    // The list's scroll box less than a row high (the next row does not even touch its edge): one
    // row in view, the others scrolled out of it. Each age written is recorded with whether its
    // row was in the box's view then.
    const rows = await page.evaluate(() => {
      const scroll = document.querySelector<HTMLElement>('[data-testid="incident-scroll"]')!;
      const first = document.querySelector<HTMLElement>('[data-testid="incident-row"]')!;
      scroll.style.flex = 'none';
      scroll.style.height = `${first.getBoundingClientRect().height - 4}px`;
      scroll.scrollTop = 0;
      const written: { id: string; inView: boolean }[] = [];
      (window as unknown as { __agesWritten: typeof written }).__agesWritten = written;
      new MutationObserver((records) => {
        const box = scroll.getBoundingClientRect();
        for (const r of records) {
          const el = r.target instanceof Element ? r.target : r.target.parentElement;
          const row = el?.closest('.incident-age')?.closest<HTMLElement>('[data-testid="incident-row"]');
          if (!row) continue;
          const at = row.getBoundingClientRect();
          written.push({ id: row.dataset.incidentId!, inView: at.bottom > box.top && at.top < box.bottom });
        }
      }).observe(document.querySelector('[data-testid="incident-list"]')!, { subtree: true, childList: true, characterData: true });
      return document.querySelectorAll('[data-testid="incident-row"]').length;
    });
    expect(rows).toBeGreaterThanOrEqual(3);
    type Written = { id: string; inView: boolean }[];
    const written = () => page.evaluate(() => [...(window as unknown as { __agesWritten: Written }).__agesWritten]);
    // The ages are redrawn at least every 10 s: the row in view gets its age…
    await expect.poll(async () => (await written()).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    // …and no row out of view does.
    expect((await written()).filter((w) => !w.inView)).toEqual([]);
    // Scrolled to the end, the last row comes into view and gets its current age at once.
    const last = await page.evaluate(() => {
      const scroll = document.querySelector<HTMLElement>('[data-testid="incident-scroll"]')!;
      scroll.scrollTop = scroll.scrollHeight;
      return [...document.querySelectorAll<HTMLElement>('[data-testid="incident-row"]')].at(-1)!.dataset.incidentId!;
    });
    await expect.poll(async () => (await written()).some((w) => w.id === last && w.inView), { timeout: 5_000 }).toBe(true);
    expect(errors).toEqual([]);
  });
});
