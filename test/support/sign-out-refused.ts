/**
 * The browser check every page with a sign-out shares (web/client/app/sign-out.ts): a logout the
 * server refuses (503) or that cannot reach it keeps the page, still signed in, and says so in
 * zh-CN and in English; once the server answers, the sign-out goes through to the login form.
 */
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { saveScreenshot } from './browser.ts';

export interface SignOutPage {
  page: Page;
  /** The control that signs out (clicked three times: refused, unreachable, accepted). */
  signOut: Locator;
  /** Where the page says why the sign-out failed. */
  error: Locator;
  /** Switches the page to a language (it starts in zh-CN). */
  toEnglish: () => Promise<void>;
  /** True while the page is still the signed-in page (not reloaded to the login form). */
  stillThere: () => Promise<boolean>;
  /** Resolves once the login form shows. */
  loginShown: () => Promise<void>;
  /** The screenshot of the refusal in English. */
  screenshot: string;
  /** The viewport's width: the message must fit in it. */
  width: number;
}

const REFUSED_ZH = '退出登录失败：服务器未结束本次登录，账号仍在登录状态，请重试。';
const REFUSED_EN = 'Sign-out failed: the server did not end this session, so you are still signed in. Please try again.';
const UNREACHABLE_EN = 'Sign-out failed: the server cannot be reached, so you are still signed in. Check the network and try again.';

/** Browser errors the check itself causes (the refused and aborted logout requests). */
export const SIGN_OUT_CHECK_ERRORS = /api\/auth\/logout|503|ERR_CONNECTION_REFUSED/;

export async function checkRefusedSignOut(p: SignOutPage): Promise<void> {
  const { page, signOut, error } = p;
  expect(await error.isVisible()).toBe(false);
  const signedIn = () => page.evaluate(async () => ((await (await fetch('/api/auth/session')).json()) as { signedIn: boolean }).signedIn);
  // The server answers the sign-out with an error: the session lives on, and the page says so.
  await page.route('**/api/auth/logout', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"unavailable"}' }),
  );
  await signOut.click();
  await expect.poll(() => error.innerText()).toBe(REFUSED_ZH);
  expect(await error.isVisible()).toBe(true);
  expect(await signedIn()).toBe(true);
  expect(await p.stillThere()).toBe(true);
  await p.toEnglish();
  await expect.poll(() => error.innerText()).toBe(REFUSED_EN);
  const box = (await error.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(p.width);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(p.width);
  await saveScreenshot(page, p.screenshot);
  // The server out of reach: the same, worded as such.
  await page.unroute('**/api/auth/logout');
  await page.route('**/api/auth/logout', (route) => route.abort('connectionrefused'));
  await signOut.click();
  await expect.poll(() => error.innerText()).toBe(UNREACHABLE_EN);
  expect(await signedIn()).toBe(true);
  // Once the server answers, the sign-out goes through to the login form.
  await page.unroute('**/api/auth/logout');
  await signOut.click();
  await p.loginShown();
}
