import { sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptedCodings, chooseEncoding, IMMUTABLE_CACHE, REVALIDATE_CACHE, staticPath, staticRepresentation } from './static-files.ts';

const root = `${sep}srv${sep}citytwin${sep}dist${sep}web`;

describe('static file paths', () => {
  it('resolves files inside the folder, and a folder to its index.html', () => {
    expect(staticPath(root, '/assets/console.js')).toBe(`${root}${sep}assets${sep}console.js`);
    expect(staticPath(root, '/')).toBe(`${root}${sep}index.html`);
    expect(staticPath(root, '/kpi.html')).toBe(`${root}${sep}kpi.html`);
  });

  it('never leaves the folder, not even for a sibling whose name starts like it', () => {
    for (const p of [
      '/../web-private/secret.txt',
      '/assets/../../web-private/x',
      '/../web',
      '/..',
      '/../../etc/passwd',
      '/..\\web-private\\x',
      '/a/../../web-private',
    ]) {
      expect([p, staticPath(root, p)]).toEqual([p, null]);
    }
  });

  it('keeps names that merely start with two dots inside', () => {
    expect(staticPath(root, '/..hidden.txt')).toBe(`${root}${sep}..hidden.txt`);
  });

  it('never serves source maps or paths with a NUL byte', () => {
    expect(staticPath(root, '/assets/console.js.map')).toBeNull();
    expect(staticPath(root, '/assets/CONSOLE.JS.MAP')).toBeNull();
    expect(staticPath(root, '/index.html\0.png')).toBeNull();
  });
});

describe('static file paths: precompressed copies', () => {
  it('never serves a .br or .gz copy as a file of its own', () => {
    expect(staticPath(root, '/assets/console.js.br')).toBeNull();
    expect(staticPath(root, '/assets/console.js.gz')).toBeNull();
    expect(staticPath(root, '/index.html.GZ')).toBeNull();
  });
});

describe('Accept-Encoding (RFC 9110 §12.5.3)', () => {
  it('reads codings and weights, case-insensitively, x-gzip as gzip', () => {
    expect([...acceptedCodings('gzip, deflate, br, zstd')]).toEqual([
      ['gzip', 1],
      ['deflate', 1],
      ['br', 1],
      ['zstd', 1],
    ]);
    expect([...acceptedCodings(' BR;q=0.8 , X-GZIP ; Q=0.5,identity;q=0')]).toEqual([
      ['br', 0.8],
      ['gzip', 0.5],
      ['identity', 0],
    ]);
  });

  it('leaves out elements with a malformed weight and keeps the first mention', () => {
    expect([...acceptedCodings('br;q=2, gzip;q=0.5555, deflate;q=abc, identity;q=1.000')]).toEqual([['identity', 1]]);
    expect([...acceptedCodings('gzip;q=0, gzip')]).toEqual([['gzip', 0]]);
    expect([...acceptedCodings(',,; ;q=1')]).toEqual([]);
  });
});

describe('chooseEncoding', () => {
  const both = ['br', 'gzip'] as const;

  it('prefers brotli, then gzip, when the browser takes both', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd', both)).toBe('br');
    expect(chooseEncoding('gzip, deflate', both)).toBe('gzip');
    expect(chooseEncoding('gzip, deflate, br', ['gzip'])).toBe('gzip');
  });

  it('honours q-values over the server preference', () => {
    expect(chooseEncoding('br;q=0.5, gzip;q=0.9', both)).toBe('gzip');
    expect(chooseEncoding('br;q=0.001, gzip;q=0', both)).toBe('br');
    expect(chooseEncoding('br;q=0, gzip;q=0', both)).toBe('identity');
    expect(chooseEncoding('identity;q=1, br;q=0.5', both)).toBe('identity');
    expect(chooseEncoding('identity;q=0.1, gzip;q=0.2', both)).toBe('gzip');
    expect(chooseEncoding('identity, gzip', both)).toBe('gzip');
  });

  it('gives codings the header does not name the weight of *', () => {
    expect(chooseEncoding('*', both)).toBe('br');
    expect(chooseEncoding('gzip;q=0.4, *;q=0.5', both)).toBe('br');
    expect(chooseEncoding('br;q=0, *', both)).toBe('gzip');
    expect(chooseEncoding('*;q=0, identity', both)).toBe('identity');
  });

  it('falls back to the identity: no header, an empty header, nothing acceptable, nothing built', () => {
    expect(chooseEncoding(undefined, both)).toBe('identity');
    expect(chooseEncoding('', both)).toBe('identity');
    expect(chooseEncoding('identity', both)).toBe('identity');
    expect(chooseEncoding('zstd, deflate', both)).toBe('identity');
    expect(chooseEncoding('*;q=0', both)).toBe('identity');
    expect(chooseEncoding('br;q=0, gzip;q=0, identity;q=0', both)).toBe('identity');
    expect(chooseEncoding('gzip, br', [])).toBe('identity');
  });
});

describe('staticRepresentation', () => {
  const asset = `assets${sep}console-B0-GzRMI.js`;

  it('caches hashed assets for a year as immutable, in the coding chosen, varying on Accept-Encoding', () => {
    expect(staticRepresentation(asset, 'gzip, deflate, br', ['br', 'gzip'])).toEqual({
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: IMMUTABLE_CACHE,
      coding: 'br',
      suffix: '.br',
      vary: 'accept-encoding',
    });
    expect(IMMUTABLE_CACHE).toBe('public, max-age=31536000, immutable');
    expect(staticRepresentation(asset, 'gzip', ['br', 'gzip'])).toMatchObject({ coding: 'gzip', suffix: '.gz', vary: 'accept-encoding' });
    expect(staticRepresentation(asset, undefined, ['br', 'gzip'])).toMatchObject({
      coding: 'identity',
      suffix: '',
      vary: 'accept-encoding',
    });
  });

  it('revalidates the HTML pages (no-cache), and does not vary a file built in one coding only', () => {
    expect(staticRepresentation('index.html', 'br', ['br', 'gzip'])).toMatchObject({
      contentType: 'text/html; charset=utf-8',
      cacheControl: REVALIDATE_CACHE,
      coding: 'br',
    });
    expect(REVALIDATE_CACHE).toBe('no-cache');
    expect(staticRepresentation('favicon.svg', 'gzip, br', [])).toEqual({
      contentType: 'image/svg+xml',
      cacheControl: REVALIDATE_CACHE,
      coding: 'identity',
      suffix: '',
      vary: null,
    });
  });

  it('types the maplibre worker (.mjs) as JavaScript and unknown kinds as bytes; only assets/ is immutable', () => {
    expect(staticRepresentation(`assets${sep}maplibre-gl-worker-CZtFQQIV.mjs`, 'br', ['br']).contentType).toBe(
      'text/javascript; charset=utf-8',
    );
    expect(staticRepresentation(`assets${sep}data.bin`, 'br', []).contentType).toBe('application/octet-stream');
    expect(staticRepresentation(`not-assets${sep}x.js`, 'br', []).cacheControl).toBe(REVALIDATE_CACHE);
    expect(staticRepresentation(`assets-old${sep}x.js`, 'br', []).cacheControl).toBe(REVALIDATE_CACHE);
  });
});
