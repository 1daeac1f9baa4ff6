/**
 * Bench run 12: loading the console (docs/benchmarks.md).
 *
 * The all-in-one product on embedded parts with the simulator (the product's default 3,000
 * sensors), serving dist/web as built (`npx vite build`), and headless Chromium (Mesa llvmpipe,
 * test/support/browser.ts) at 1920×1080:
 *
 * 1. Bytes over the wire, per content coding the browser accepts — `identity` (what the server
 *    sent before the build precompressed anything), `gzip`, and Chromium's own `gzip, deflate,
 *    br, zstd` (brotli): the login page left open, then the whole sign-in until the first
 *    sensors are drawn. Counted by Chromium (headers and bodies as received) for the console's
 *    own files, not the API or the live stream.
 * 2. Sign-in to the first sensors drawn: from the login form being sent (`citytwin:sign-in`) to
 *    deck.gl's first frame with sensors in it (`citytwin:sensors-drawn`), both User Timing marks
 *    of the page (web/client/timing-marks.ts), with an empty cache each time: once with the form
 *    sent the moment it is filled (nothing loaded ahead), once after 2 s of typing (the console's
 *    code loads from the first keystroke). Also a returning operator's reload with a warm cache
 *    (navigation to the first sensors drawn) and the bytes it costs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../bin/config.ts';
import { startCityTwin } from '../../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from '../../test/support/auth.ts';

import type {} from '../../web/client/test-hooks.ts'; // declares window.__citytwin

export type BenchCoding = 'identity' | 'gzip' | 'br';

/** What each coding costs over the wire (the console's own files: HTML, scripts, styles, worker). */
export interface WireBytes {
  coding: BenchCoding;
  /** The login page left open (nothing typed). */
  loginPage: number;
  /** From opening the page to the first sensors drawn, signed in. */
  signedIn: number;
  /** Of which scripts (.js, .mjs). */
  scripts: number;
  requests: number;
}

export interface ConsoleLoadResult {
  viewport: { width: number; height: number };
  sensors: number;
  renderer: string;
  bytes: WireBytes[];
  /** Sign-in → first sensors drawn (ms), empty cache, form sent at once. */
  coldMs: number[];
  /** Of which: sign-in → the console's code loaded (ms). */
  coldCodeMs: number[];
  /** Sign-in → first sensors drawn (ms), empty cache, after 2 s of typing. */
  typedMs: number[];
  /** Reload while signed in, warm cache: navigation → first sensors drawn (ms). */
  warmMs: number[];
  /** Bytes of the console's files over the wire on that reload, and how many requests went out. */
  warmBytes: number;
  warmRequests: number;
}

const VIEWPORT = { width: 1920, height: 1080 };
const TYPING_MS = 2000;

/** The console's own files: everything but the API and the live stream. */
function isConsoleFile(url: string): boolean {
  const path = new URL(url).pathname;
  return !path.startsWith('/api/') && !path.startsWith('/socket.io/') && path !== '/metrics';
}

/** Counts what the console's files cost over the wire in a context, as Chromium received them. */
function wireCounter(context: BrowserContext) {
  let bytes = 0;
  let scripts = 0;
  let requests = 0;
  context.on('requestfinished', (req) => {
    if (!isConsoleFile(req.url())) return;
    void req.sizes().then(
      (s) => {
        const n = s.responseHeadersSize + s.responseBodySize;
        bytes += n;
        if (/\.m?js$/.test(new URL(req.url()).pathname)) scripts += n;
        requests++;
      },
      () => undefined,
    );
  });
  return { read: () => ({ bytes, scripts, requests }) };
}

/** Milliseconds between the last `from` mark and the `to` mark, or NaN when one is missing. */
async function markGap(page: Page, from: string, to: string): Promise<number> {
  return page.evaluate(
    ([a, b]) => {
      const end = performance.getEntriesByName(b, 'mark')[0];
      const start = performance.getEntriesByName(a, 'mark').at(-1);
      return end && start ? end.startTime - start.startTime : Number.NaN;
    },
    [from, to] as const,
  );
}

async function waitForSensors(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('citytwin:sensors-drawn', 'mark').length > 0, undefined, {
    timeout: 120_000,
  });
}

async function openLogin(browser: Browser, coding: BenchCoding | null) {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    // Chromium's own header takes brotli; a narrower one is sent for the other codings.
    ...(coding === 'gzip' || coding === 'identity' ? { extraHTTPHeaders: { 'accept-encoding': coding } } : {}),
  });
  const wire = wireCounter(context);
  const page = await context.newPage();
  return { context, page, wire };
}

async function signIn(page: Page, url: string, typingMs: number): Promise<void> {
  await page.goto(url);
  await page.getByTestId('login-username').fill('admin');
  if (typingMs > 0) await page.waitForTimeout(typingMs);
  await page.getByTestId('login-password').fill(TEST_ADMIN_PASSWORD);
  await page.getByTestId('login-submit').click();
  await waitForSensors(page);
}

/** Runs the measurements; `runs` sign-ins of each kind. */
export async function measureConsoleLoad(runs = 5): Promise<ConsoleLoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-console-load-'));
  const app = await startCityTwin(
    loadConfig({
      CITYTWIN_HTTP_PORT: '0',
      CITYTWIN_MQTT_PORT: '0',
      CITYTWIN_DATA_DIR: dir,
      CITYTWIN_SIMULATE: '1',
      CITYTWIN_LOG_LEVEL: 'warn',
      CITYTWIN_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    }),
    'all',
  );
  const { launchChromium } = await import('../../test/support/browser.ts');
  const browser = await launchChromium();
  try {
    const url = app.url!;
    const bytes: WireBytes[] = [];
    let renderer = '';
    let sensors = 0;
    for (const coding of ['identity', 'gzip', 'br'] as const) {
      const { context, page, wire } = await openLogin(browser, coding);
      await page.goto(url);
      await page.getByTestId('login-form').waitFor();
      await page.waitForLoadState('networkidle');
      const loginPage = wire.read().bytes;
      await page.getByTestId('login-username').fill('admin');
      await page.getByTestId('login-password').fill(TEST_ADMIN_PASSWORD);
      await page.getByTestId('login-submit').click();
      await waitForSensors(page);
      await page.waitForLoadState('networkidle');
      const all = wire.read();
      bytes.push({ coding, loginPage, signedIn: all.bytes, scripts: all.scripts, requests: all.requests });
      renderer = await page.evaluate(() => window.__citytwin?.webglRenderer() ?? '');
      sensors = await page.evaluate(() => window.__citytwin?.drawnCount() ?? 0);
      await context.close();
    }

    const coldMs: number[] = [];
    const coldCodeMs: number[] = [];
    const typedMs: number[] = [];
    const warmMs: number[] = [];
    let warmBytes = 0;
    let warmRequests = 0;
    for (let i = 0; i < runs; i++) {
      const cold = await openLogin(browser, null);
      await signIn(cold.page, url, 0);
      coldMs.push(await markGap(cold.page, 'citytwin:sign-in', 'citytwin:sensors-drawn'));
      coldCodeMs.push(await markGap(cold.page, 'citytwin:sign-in', 'citytwin:page-loaded'));
      // A returning operator: the same browser (cache and session cookie), the page reloaded.
      await cold.page.waitForLoadState('networkidle');
      const before = cold.wire.read();
      await cold.page.reload();
      await waitForSensors(cold.page);
      warmMs.push(await cold.page.evaluate(() => performance.getEntriesByName('citytwin:sensors-drawn', 'mark')[0]!.startTime));
      await cold.page.waitForLoadState('networkidle');
      const after = cold.wire.read();
      warmBytes = after.bytes - before.bytes;
      warmRequests = after.requests - before.requests;
      await cold.context.close();

      const typed = await openLogin(browser, null);
      await signIn(typed.page, url, TYPING_MS);
      typedMs.push(await markGap(typed.page, 'citytwin:sign-in', 'citytwin:sensors-drawn'));
      await typed.context.close();
    }
    return { viewport: VIEWPORT, sensors, renderer, bytes, coldMs, coldCodeMs, typedMs, warmMs, warmBytes, warmRequests };
  } finally {
    await browser.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether the run can happen here: Chromium and a built console. */
export function consoleLoadPrerequisites(): string | null {
  if (!existsSync('/usr/bin/chromium')) return 'needs /usr/bin/chromium';
  if (!existsSync('dist/web/index.html')) return 'needs the console built: npx vite build';
  return null;
}
