/**
 * Launches Debian's Chromium through playwright-core (never a downloaded browser) with the
 * flags that select Mesa's llvmpipe WebGL instead of the much slower SwiftShader fallback.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-angle=gl-egl',
  '--ignore-gpu-blocklist',
  '--enable-unsafe-swiftshader',
];

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Collects console errors and page errors, ignoring known harmless GPU notices. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/GPU stall due to ReadPixels|GL_CLOSE_PATH_NV|WebGL: INVALID_OPERATION/.test(text)) return;
    errors.push(text);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/**
 * Signs `page` in through the login form it shows — the console's, or that of any other page of it
 * (ops, admin, audit, cases, field, KPI) — as `username`. It only submits the form: the caller waits
 * for its page to be ready (or, after a refusal, for what it expects).
 */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/**
 * A page (1280×800 unless `viewport` says) on the console, signed in as admin through the login
 * page, map ready. Opened in a `BrowserContext`, the page has the context's viewport, locale, time
 * zone and init scripts instead (`viewport` is not used).
 */
export async function openSignedInConsole(
  from: Browser | BrowserContext,
  url: string,
  password: string,
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<{ page: Page; errors: string[] }> {
  const page = 'newContext' in from ? await from.newPage({ viewport }) : await from.newPage();
  const errors = collectErrors(page);
  await page.goto(url);
  // The console starts behind the login page.
  await signIn(page, 'admin', password);
  await page.waitForFunction(() => window.__citytwin?.ready === true, undefined, { timeout: 30_000 });
  return { page, errors };
}

/** How long an artefact screenshot may take before it is given up (it never fails a test). */
const SCREENSHOT_TIMEOUT_MS = 10_000;

/**
 * Saves a screenshot for people to review (test-results/, /tmp/citytwin-basemap). It is an
 * artefact, not an assertion: a screenshot that cannot be taken — on a loaded machine Chromium
 * may not deliver a frame in time — is logged and the test goes on. Screenshots that are
 * assertions (pixels read back) call `page.screenshot` themselves.
 */
export async function saveScreenshot(page: Page, path: string, options: { fullPage?: boolean; timeoutMs?: number } = {}): Promise<void> {
  try {
    mkdirSync(dirname(path), { recursive: true });
    // A 3840-px screen takes longer to encode than a console on a loaded machine: its test may give more time.
    await page.screenshot({ path, timeout: options.timeoutMs ?? SCREENSHOT_TIMEOUT_MS, fullPage: options.fullPage });
  } catch (err) {
    console.warn(`screenshot ${path} not saved: ${(err as Error).message.split('\n')[0]}`);
  }
}
