/**
 * The set-up of a browser test of one page: the product started on its own data directory
 * (support/test-city.ts), Chromium launched (support/browser.ts) and the admin signed in.
 * `close()` undoes all three; it is safe after a set-up that failed half-way.
 */
import type { Browser } from 'playwright-core';
import type { RunningCityTwin } from '../../bin/runtime.ts';
import { login, TEST_ADMIN_PASSWORD } from './auth.ts';
import { launchChromium } from './browser.ts';
import { tempDir } from './fixtures.ts';
import { startTestCity } from './test-city.ts';

export interface BrowserCity {
  readonly app: RunningCityTwin;
  /** The product's address. */
  readonly base: string;
  readonly browser: Browser;
  /** The admin's session token. */
  readonly admin: string;
}

/** Starts the product and Chromium for the test `name`; call the returned `close` in `afterAll`. */
export function browserCity(name: string): { start(): Promise<BrowserCity>; close(): Promise<void> } {
  const dir = tempDir(name);
  let app: RunningCityTwin | undefined;
  let browser: Browser | undefined;
  return {
    async start() {
      app = await startTestCity(dir.path);
      const base = app.url!;
      browser = await launchChromium();
      return { app, base, browser, admin: await login(base, 'admin', TEST_ADMIN_PASSWORD) };
    },
    async close() {
      await browser?.close();
      await app?.close();
      dir.remove();
    },
  };
}
