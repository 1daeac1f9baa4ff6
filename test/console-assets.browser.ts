/**
 * The console's built files as the product serves them (`npx vite build` first): the console
 * signs in and draws its sensors in real Chromium when its scripts come brotli-coded, gzip-coded
 * and as they are; hashed files under /assets are cached for a year as immutable and the HTML
 * pages are revalidated; each coding has its own length and entity tag, ranges and HEAD work on
 * the coded file; source maps and the precompressed copies are never files of their own. The
 * login page loads neither maplibre nor deck.gl, and the KPI screen no deck.gl.
 *
 * Real: the all-in-one product (embedded broker and ClickHouse), its web server and dist/web as
 * built, Chromium. Raw HTTP is node:http, which does not decode, so lengths are of the bytes sent.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Browser, Response as PageResponse } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { collectErrors, launchChromium, signIn } from './support/browser.ts';
import { tempDir } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

import type {} from '../web/client/test-hooks.ts'; // declares window.__citytwin

const DIST = join(process.cwd(), 'dist', 'web');
const dir = tempDir('console-assets');
let app: RunningCityTwin;
let browser: Browser;

beforeAll(async () => {
  if (!statSync(join(DIST, 'index.html'), { throwIfNoEntry: false }))
    throw new Error('the console is not built: run `npx vite build` first');
  // The simulator registers the sensors (the console draws what the twin knows).
  app = await startTestCity(dir.path, { CITYTWIN_SIMULATE: '1', CITYTWIN_SENSORS: '600', CITYTWIN_TIME_SCALE: '20' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  dir.remove();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request on loopback, the body as the bytes sent (no decoding). */
function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, app.url!), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The files an HTML page of the build names (script, modulepreload, stylesheet), as URL paths. */
function pageAssets(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => `/${m[1]}`);
}

/** The scripts the console page fetches after sign-in: everything the lazily loaded console names. */
function consoleAssetNames(): string[] {
  const entry = pageAssets(readFileSync(join(DIST, 'index.html'), 'utf8')).find((p) => /\/console-[^/]+\.js$/.test(p))!;
  const code = readFileSync(join(DIST, entry), 'utf8');
  return [...code.matchAll(/"\.\/([\w-]+\.(?:js|css|mjs))"/g)].map((m) => m[1]!);
}

describe('the console in Chromium, by content coding', () => {
  const cases = [
    { name: 'brotli', acceptEncoding: 'gzip, deflate, br', expected: 'br' },
    { name: 'gzip', acceptEncoding: 'gzip, deflate', expected: 'gzip' },
    { name: 'neither', acceptEncoding: 'identity', expected: undefined },
  ] as const;

  for (const c of cases) {
    it(`signs in and draws the sensors with ${c.name}`, async () => {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        extraHTTPHeaders: { 'accept-encoding': c.acceptEncoding },
      });
      const page = await context.newPage();
      const errors = collectErrors(page);
      const assets: PageResponse[] = [];
      context.on('response', (r) => {
        if (new URL(r.url()).pathname.startsWith('/assets/')) assets.push(r);
      });
      const requested: string[] = [];
      context.on('request', (r) => requested.push(new URL(r.url()).pathname));
      await page.goto(app.url!);
      await expect.poll(() => page.getByTestId('login-form').isVisible()).toBe(true);
      await page.waitForLoadState('networkidle');
      // A login page left open has loaded no map library; typing starts loading the console.
      expect(requested.filter((p) => p.startsWith('/assets/')).length).toBeGreaterThan(0);
      expect(requested.filter((p) => /\/(maplibre|deckgl|echarts)-/.test(p))).toEqual([]);
      await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
      await page.waitForFunction(() => window.__citytwin?.ready === true && window.__citytwin.drawnCount() > 0, undefined, {
        timeout: 30_000,
      });
      expect(await page.evaluate(() => performance.getEntriesByName('citytwin:sensors-drawn').length)).toBe(1);

      const loaded = new Map(assets.map((r) => [new URL(r.url()).pathname.split('/').pop()!, r]));
      for (const name of consoleAssetNames()) expect([name, loaded.has(name)]).toEqual([name, true]);
      expect([...loaded.keys()].some((n) => /^maplibre-gl-worker-.*\.mjs$/.test(n))).toBe(true);
      for (const [name, r] of loaded) {
        const h = await r.allHeaders();
        const size = statSync(join(DIST, 'assets', name)).size;
        // Files under 1 KiB are not worth a coding and are served as they are.
        expect([name, r.status(), h['content-encoding']]).toEqual([name, 200, size >= 1024 ? c.expected : undefined]);
        expect([name, h['cache-control']]).toEqual([name, 'public, max-age=31536000, immutable']);
        if (size >= 1024) expect([name, h.vary]).toEqual([name, 'accept-encoding']);
      }
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it('loads the KPI screen without deck.gl', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    const paths: string[] = [];
    context.on('response', (r) => paths.push(new URL(r.url()).pathname));
    await page.goto(new URL('kpi.html', app.url!).toString());
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.waitForFunction(() => window.__kpi?.ready === true, undefined, { timeout: 30_000 });
    expect(paths.filter((p) => /\/(maplibre|echarts)-[^/]+\.js$/.test(p))).toHaveLength(2);
    expect(paths.filter((p) => /deckgl/.test(p))).toEqual([]);
    await context.close();
  });
});

describe('the console files over HTTP', () => {
  const html = () => readFileSync(join(DIST, 'index.html'), 'utf8');
  /** The biggest script the console loads after sign-in. */
  const bigScript = () =>
    `/assets/${consoleAssetNames()
      .filter((n) => n.endsWith('.js'))
      .sort((a, b) => statSync(join(DIST, 'assets', b)).size - statSync(join(DIST, 'assets', a)).size)[0]!}`;

  it('revalidates the HTML pages and caches hashed assets for a year', async () => {
    for (const path of ['/', '/index.html', '/kpi.html', '/replay.html', '/audit.html', '/some/client/view']) {
      const r = await raw('GET', path, { 'accept-encoding': 'gzip, br' });
      expect([path, r.status, r.headers['cache-control'], r.headers['content-type']]).toEqual([
        path,
        200,
        'no-cache',
        'text/html; charset=utf-8',
      ]);
      expect(r.headers.etag).toMatch(/^"[^"]+"$/);
    }
    const assets = pageAssets(html());
    expect(assets.length).toBeGreaterThan(2);
    for (const path of assets) {
      const r = await raw('GET', path, { 'accept-encoding': 'gzip, br' });
      expect([path, r.status, r.headers['cache-control']]).toEqual([path, 200, 'public, max-age=31536000, immutable']);
    }
  });

  it('sends each coding with its own length and entity tag, and the identity without a header', async () => {
    const path = bigScript();
    const file = join(DIST, path);
    const original = readFileSync(file);
    const br = await raw('GET', path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    const gz = await raw('GET', path, { 'accept-encoding': 'gzip;q=1, br;q=0.5' });
    const plain = await raw('GET', path);
    const refused = await raw('GET', path, { 'accept-encoding': 'br;q=0, gzip;q=0' });

    expect(br.headers['content-encoding']).toBe('br');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBe(statSync(`${file}.br`).size);
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);

    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(gunzipSync(gz.body).equals(original)).toBe(true);

    for (const r of [plain, refused]) {
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(Number(r.headers['content-length'])).toBe(original.length);
      expect(r.body.equals(original)).toBe(true);
    }
    for (const r of [br, gz, plain]) {
      expect(r.headers.vary).toBe('accept-encoding');
      expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    }
    const tags = [br, gz, plain].map((r) => r.headers.etag as string);
    expect(new Set(tags).size).toBe(3);
    expect(tags[0]).toMatch(/-br"$/);
    expect(tags[1]).toMatch(/-gzip"$/);
    expect(br.body.length).toBeLessThan(gz.body.length);
    expect(gz.body.length).toBeLessThan(original.length / 2);
  });

  it('answers a revalidation per coding: 304 for the same coding, the body for another', async () => {
    const path = bigScript();
    const br = await raw('GET', path, { 'accept-encoding': 'br' });
    const same = await raw('GET', path, { 'accept-encoding': 'br', 'if-none-match': br.headers.etag as string });
    expect(same.status).toBe(304);
    expect(same.body.length).toBe(0);
    expect(same.headers.vary).toBe('accept-encoding');
    expect(same.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const other = await raw('GET', path, { 'accept-encoding': 'gzip', 'if-none-match': br.headers.etag as string });
    expect(other.status).toBe(200);
    expect(other.headers['content-encoding']).toBe('gzip');
    const page = await raw('GET', '/', { 'accept-encoding': 'gzip' });
    expect((await raw('GET', '/', { 'accept-encoding': 'gzip', 'if-none-match': page.headers.etag as string })).status).toBe(304);
  });

  it('keeps HEAD and byte ranges working, ranges counted in the coded file', async () => {
    const path = bigScript();
    const full = await raw('GET', path, { 'accept-encoding': 'br' });
    const head = await raw('HEAD', path, { 'accept-encoding': 'br' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const h of ['content-length', 'content-encoding', 'etag', 'cache-control', 'vary', 'content-type'])
      expect([h, head.headers[h]]).toEqual([h, full.headers[h]]);
    const headPage = await raw('HEAD', '/kpi.html');
    expect([headPage.status, headPage.headers['cache-control'], headPage.body.length]).toEqual([200, 'no-cache', 0]);

    const part = await raw('GET', path, { 'accept-encoding': 'br', range: 'bytes=100-1123' });
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBe('br');
    expect(part.headers['content-range']).toBe(`bytes 100-1123/${full.body.length}`);
    expect(part.body.equals(full.body.subarray(100, 1124))).toBe(true);
    const past = await raw('GET', path, { 'accept-encoding': 'br', range: `bytes=${full.body.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${full.body.length}`);
  });

  it('never serves a source map or a precompressed copy as a file', async () => {
    const path = bigScript();
    for (const p of [`${path}.map`, `${path}.br`, `${path}.gz`, '/assets/maplibre-gl-worker.mjs.map', '/index.html.gz']) {
      const r = await raw('GET', p, { 'accept-encoding': 'gzip, br' });
      expect([p, r.status]).toEqual([p, 404]);
    }
    // Nor does any built file point at one (the maplibre worker's package does).
    for (const name of readdirSync(join(DIST, 'assets')).filter((n) => /\.(m?js|css)$/.test(n))) {
      const tail = readFileSync(join(DIST, 'assets', name), 'utf8').slice(-300);
      expect([name, /sourceMappingURL=/.test(tail)]).toEqual([name, false]);
    }
  });
});
