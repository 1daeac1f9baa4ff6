/**
 * A console refused because its account already holds as many live connections as it may on the
 * node (`CITYTWIN_SOCKETS_PER_ACCOUNT`, docs/security.md) tries again by itself: socket.io does not
 * retry a refusal, so without it the console stayed without a stream until it was reloaded.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { launchChromium, openSignedInConsole, signIn } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const dir = tempDir('console-account-bound-browser');
let app: RunningCityTwin;
let browser: Browser;

/** Live sockets of `username` on the server. */
function socketsOf(username: string): number {
  return [...app.web!.io.of('/').sockets.values()].filter((s) => (s.data.principal as { username: string }).username === username).length;
}

beforeAll(async () => {
  app = await startTestCity(dir.path, { CITYTWIN_SOCKETS_PER_ACCOUNT: '1' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

describe("a console over its account's connection bound", () => {
  it('is refused while another console of the account is open, and connects once that one closes', async () => {
    const first = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD);
    expect(socketsOf('admin')).toBe(1);
    // A second console of the same account, in its own browser context (its own session).
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const second: Page = await context.newPage();
    await second.goto(app.url!);
    await signIn(second, 'admin', TEST_ADMIN_PASSWORD);
    await second.waitForFunction(() => (window.__citytwin?.streamCounters().connectErrors ?? 0) >= 1, undefined, { timeout: 30_000 });
    const refused = await second.evaluate(() => window.__citytwin!.streamCounters());
    expect(refused.connects).toBe(0);
    expect(refused.lastConnectError).toMatch(/admin already holds 1 live connections.*CITYTWIN_SOCKETS_PER_ACCOUNT = 1/);
    expect(socketsOf('admin')).toBe(1);
    // The first console closes: the second connects on its next try, without a reload.
    await first.page.close();
    await second.waitForFunction(() => window.__citytwin?.ready === true && window.__citytwin.streamCounters().connects === 1, undefined, {
      timeout: 45_000,
    });
    expect(socketsOf('admin')).toBe(1);
    await context.close();
  }, 120_000);
});
