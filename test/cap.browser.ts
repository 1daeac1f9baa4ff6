/**
 * Public warnings from the console in real Chromium against the running product (docs/cap.md):
 * an operator opens an incident, drafts a warning with "发布预警" (prefilled by the server from the
 * incident in both languages), edits the English headline and saves; the drafter is shown that
 * another person must approve (and cannot); a leader sees the drafts awaiting approval from the
 * top bar, in English, rejects one with a reason and approves the other; the operator publishes it and it is in the public Atom feed; an
 * analyst (no desk permission) sees no warning control. Times are the city's (Asia/Shanghai)
 * on a browser in London. Screenshots of the dialog at 1920×1080 and 390×844 go to
 * test-results/cap-*.png.
 */
import { mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { formatCityDateTime } from '../web/client/i18n/format.ts';
import type { CapRecordView } from '../web/shared/cap-protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, saveScreenshot, signIn } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('cap-browser');
let app: RunningCityTwin;
let browser: Browser;
let admin: string;
let publisher: mqtt.MqttClient;
let incidentId = '';
let identifier = '';
const errors: string[] = [];
mkdirSync('test-results', { recursive: true });

const password = (user: string) => `${user} password 1`;

async function account(username: string, roles: string[]): Promise<void> {
  expect((await call(app.url!, admin, 'POST', '/api/users', { username, roles, password: password(username) })).status).toBe(200);
}

/** A console signed in as `user` through the login page, on a browser whose own zone is not the city's. */
async function openConsole(user: string, viewport = { width: 1920, height: 1080 }): Promise<Page> {
  const page = await browser.newPage({ viewport, timezoneId: 'Europe/London' });
  errors.push(...collectErrors(page));
  await page.goto(app.url!);
  await signIn(page, user, password(user));
  await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
  return page;
}

async function deskRecords(): Promise<CapRecordView[]> {
  return (await call(app.url!, admin, 'GET', '/api/cap/alerts')).body as CapRecordView[];
}

beforeAll(async () => {
  app = await startTestCity(dir.path);
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  await account('op-zhang', ['operator']);
  await account('lead-zhao', ['leader']);
  await account('an-li', ['analyst']);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'pub-cap-browser' });
  const report = {
    id: 'cap-r-1',
    ts: Date.now(),
    type: 'manual_report',
    category: 'waterlogging',
    lng: 114.3,
    lat: 30.58,
    severity: 3,
    text: '路面积水',
  };
  await publisher.publishAsync('citytwin/v1/events/field-staff', JSON.stringify(report), { qos: 1 });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await publisher?.endAsync();
  await browser?.close();
  await app?.close();
  dir.remove();
});

describe('public warnings from the console', () => {
  it('an operator drafts a warning from an incident, prefilled in both languages, and saves an edit', async () => {
    const page = await openConsole('op-zhang');
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentIds().length), { timeout: 15_000 }).toBe(1);
    incidentId = (await page.evaluate(() => window.__citytwin!.incidentIds()))[0]!;
    await page.locator(`[data-testid="incident-row"][data-incident-id="${incidentId}"]`).click();
    await page.getByTestId('cap-draft-button').click();
    await expect.poll(() => page.getByTestId('cap-dialog').isVisible()).toBe(true);
    await page.getByTestId('cap-create').click();
    const form = page.getByTestId('cap-edit-form');
    await expect.poll(() => form.isVisible(), { timeout: 10_000 }).toBe(true);
    identifier = (await form.getAttribute('data-identifier'))!;
    expect(await page.getByTestId('cap-field-headline-zh').inputValue()).not.toBe('');
    expect(await page.getByTestId('cap-field-headline-en').inputValue()).not.toBe('');
    expect(await page.getByTestId('cap-field-instruction-zh').inputValue()).not.toBe('');
    const record = (await deskRecords()).find((r) => r.identifier === identifier)!;
    expect(record).toMatchObject({ state: 'draft', incidentId, draftedBy: 'op-zhang' });
    // Drafted at, on the city's clock (Asia/Shanghai), not the browser's (London).
    expect(await page.getByTestId('cap-meta').innerText()).toContain(formatCityDateTime(record.draftedAt, 'Asia/Shanghai').slice(5));
    await page.getByTestId('cap-field-headline-en').fill('Waterlogging on Riverside Avenue: keep away');
    await page.getByTestId('cap-field-severity').selectOption('Severe');
    await saveScreenshot(page, 'test-results/cap-draft-desktop.png');
    await page.getByTestId('cap-save').click();
    await expect.poll(() => page.getByTestId('cap-message').innerText()).toContain('草稿已保存');
    const saved = (await deskRecords()).find((r) => r.identifier === identifier)!;
    expect(saved.severity).toBe('Severe');
    expect(saved.texts.find((x) => x.language === 'en-US')?.headline).toBe('Waterlogging on Riverside Avenue: keep away');
    await page.getByTestId('cap-close').click();

    // The drafter cannot approve: the button is off, and says why.
    await page.getByTestId('cap-desk-button').click();
    const row = page.locator(`[data-testid="cap-record"][data-identifier="${identifier}"]`);
    await expect.poll(() => row.getAttribute('data-state')).toBe('draft');
    expect(await row.getByTestId('cap-approve').isDisabled()).toBe(true);
    expect(await row.getByTestId('cap-own-draft').innerText()).toContain('另一人批准');
    await page.close();
  });

  it('shows the dialog on a phone', async () => {
    const page = await openConsole('op-zhang', { width: 390, height: 844 });
    // The warning desk's button stands as high as the user's badge beside it, centred on the same line.
    const desk = (await page.getByTestId('cap-desk-button').boundingBox())!;
    const user = (await page.getByTestId('user-menu').boundingBox())!;
    expect(Math.abs(desk.height - user.height)).toBeLessThanOrEqual(2);
    expect(Math.abs(desk.y + desk.height / 2 - (user.y + user.height / 2))).toBeLessThanOrEqual(2);
    await page.getByTestId('cap-desk-button').click();
    await page.locator(`[data-testid="cap-record"][data-identifier="${identifier}"]`).getByTestId('cap-edit').click();
    await expect.poll(() => page.getByTestId('cap-edit-form').isVisible()).toBe(true);
    const box = await page.getByTestId('cap-dialog').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(390);
    expect((await page.getByTestId('cap-save').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await saveScreenshot(page, 'test-results/cap-draft-phone.png');
    await page.close();
  });

  it('a second person, a leader, sees the drafts awaiting approval from the top bar (in English), rejects one with a reason and approves the other', async () => {
    // A second draft of the same incident, made over the API, to be rejected.
    const op = await login(app.url!, 'op-zhang', password('op-zhang'));
    const second = await call(app.url!, op, 'POST', `/api/incidents/${incidentId}/cap`, {});
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const other = (second.body as CapRecordView).identifier;
    const page = await openConsole('lead-zhao');
    // A leader approves but does not draft: no "draft public warning" in the incident.
    await page.locator(`[data-testid="incident-row"][data-incident-id="${incidentId}"]`).click();
    await expect.poll(() => page.getByTestId('incident-detail').isVisible()).toBe(true);
    expect(await page.getByTestId('cap-draft-button').count()).toBe(0);
    await page.getByTestId('language-toggle').click();
    await expect.poll(() => page.getByTestId('cap-desk-button').innerText()).toBe('Warnings · 2');
    await page.getByTestId('cap-desk-button').click();
    await expect.poll(() => page.getByTestId('cap-section-draft').locator('h3').innerText()).toBe('Awaiting approval (2)');
    const rejected = page.locator(`[data-testid="cap-record"][data-identifier="${other}"]`);
    await rejected.getByTestId('cap-reject').click();
    await expect.poll(() => page.getByTestId('cap-message').innerText()).toBe('Give a reason');
    await rejected.getByTestId('cap-reject-reason').fill('Same incident as the other draft');
    await rejected.getByTestId('cap-reject').click();
    await expect.poll(() => page.getByTestId('cap-message').innerText()).toBe('Rejected');
    await expect.poll(() => rejected.getAttribute('data-state')).toBe('rejected');
    expect(await rejected.innerText()).toContain('Rejected by lead-zhao: Same incident as the other draft');
    const row = page.locator(`[data-testid="cap-record"][data-identifier="${identifier}"]`);
    await expect.poll(() => row.getByTestId('cap-approve').isEnabled()).toBe(true);
    await saveScreenshot(page, 'test-results/cap-desk-approver.png');
    await row.getByTestId('cap-approve').click();
    await expect.poll(() => page.getByTestId('cap-message').innerText()).toBe('Approved');
    await expect.poll(async () => (await deskRecords()).find((r) => r.identifier === identifier)?.approvedBy).toBe('lead-zhao');
    await expect.poll(() => row.getAttribute('data-state')).toBe('approved');
    // No publish, edit, update or cancel for a role without cap.draft.
    for (const control of ['cap-publish', 'cap-edit', 'cap-update', 'cap-cancel']) expect(await page.getByTestId(control).count()).toBe(0);
    await page.close();
  });

  it('the operator publishes it, and it is in the public Atom feed; published alerts offer update and cancel', async () => {
    const page = await openConsole('op-zhang');
    await page.getByTestId('cap-desk-button').click();
    const row = page.locator(`[data-testid="cap-record"][data-identifier="${identifier}"]`);
    await row.getByTestId('cap-publish').click();
    await expect.poll(() => page.getByTestId('cap-message').innerText()).toBe('已发布');
    await expect.poll(() => row.getAttribute('data-state')).toBe('published');
    expect(await row.getByTestId('cap-update').count()).toBe(1);
    expect(await row.getByTestId('cap-cancel').count()).toBe(1);
    const feed = await (await fetch(new URL('/api/cap/feed.atom', app.url!))).text();
    expect(feed).toContain(identifier);
    await page.close();
  });

  it('shows no warning control to a role without the desk permissions', async () => {
    const page = await openConsole('an-li');
    await expect.poll(() => page.evaluate(() => window.__citytwin!.incidentIds().length), { timeout: 15_000 }).toBe(1);
    await page.locator(`[data-testid="incident-row"][data-incident-id="${incidentId}"]`).click();
    await expect.poll(() => page.getByTestId('incident-detail').isVisible()).toBe(true);
    expect(await page.getByTestId('cap-draft-button').count()).toBe(0);
    expect(await page.getByTestId('cap-desk-button').count()).toBe(0);
    await page.close();
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
