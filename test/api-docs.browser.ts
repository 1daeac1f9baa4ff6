/**
 * The API's HTML documentation (`/api/docs`) on a phone in real Chromium: it declares the device's
 * width, and its long paths, parameter names and return texts wrap instead of widening the page.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiDocs } from '../web/server/app/api-docs.ts';
import { route } from '../web/server/app/http-router.ts';
import { launchChromium, saveScreenshot } from './support/browser.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** The page `/api/docs` answers for `routes`, as the server writes it. */
function docsHtml(): string {
  const routes = [
    route({
      method: 'POST',
      path: '/api/notifications/escalation-policies/{policyId}/acknowledgements/{acknowledgementId}',
      operationId: 'longPathExample',
      permission: 'public',
      tag: 'notify',
      summary: 'A route whose path and return text are longer than a phone is wide',
      params: z.object({ policyId: z.string(), acknowledgementId: z.string() }),
      query: z.object({ includeEveryDeliveryAttemptOfTheChannel: z.boolean().optional() }),
      response: z.object({}),
      returns: '{ policyId, acknowledgementId, deliveries: [{ channelId, attemptedAt, outcome, error }] } with every field named',
      handler: () => ({}),
    }),
  ];
  let html = '';
  const res = {
    writeHead: () => res,
    end: (body: string) => {
      html = body;
    },
  };
  apiDocs(routes, { title: 'CityTwin', version: '1', description: '' }).serve('/api/docs', res as never);
  return html;
}

describe('/api/docs on a phone', () => {
  it('is laid out at the phone’s width and never scrolls sideways', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.setContent(docsHtml());
    const width = await page.evaluate(() => ({
      client: document.documentElement.clientWidth,
      scroll: document.documentElement.scrollWidth,
    }));
    await saveScreenshot(page, 'test-results/api-docs-phone.png');
    expect(width.client).toBe(390);
    expect(width.scroll).toBeLessThanOrEqual(390);
    await context.close();
  });
});
