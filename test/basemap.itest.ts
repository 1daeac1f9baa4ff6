/**
 * The PMTiles basemap over HTTP on the real product (`citytwin all`, embedded parts): the
 * archive by byte ranges with validators and HEAD, read back through the `pmtiles` package's
 * own HTTP reader as the console reads it, the bundled style, and the same sign-in rules as
 * the other city routes (a wall display's token included).
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { FetchSource, PMTiles } from 'pmtiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { BasemapPayload } from '../web/shared/basemap-protocol.ts';
import { BUILDINGS_ORIGIN, writeCityPmtiles } from './support/city-pmtiles.ts';
import { consoleAuth, consoleDisplayToken } from './support/console-client.ts';
import { tempDir } from './support/fixtures.ts';
import { buildPmtiles } from './support/pmtiles-writer.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('basemap-itest');
const archivePath = join(dir.path, 'basemap.pmtiles');
let app: RunningCityTwin;
let auth: Record<string, string>;
let archive: Buffer;

const url = (path: string) => new URL(path, app.url!).toString();
const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(url(path), { method, headers: { ...auth, ...headers } });

beforeAll(async () => {
  writeCityPmtiles(archivePath, 12);
  archive = readFileSync(archivePath);
  app = await startTestCity(join(dir.path, 'data'));
  auth = await consoleAuth(app.url!);
});

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('a city without a PMTiles basemap', () => {
  it('draws the GeoJSON base map: no vector basemap, no archive, no style', async () => {
    const payload = (await (await get('/api/city/basemap')).json()) as BasemapPayload;
    expect(payload.vector).toBeNull();
    expect(payload.roads.type).toBe('FeatureCollection');
    for (const path of ['/api/city/basemap.pmtiles', '/api/city/style']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: string }).error).toMatch(/no PMTiles basemap; the console draws the GeoJSON layers/);
    }
  });
});

describe('a city with a PMTiles basemap', () => {
  beforeAll(async () => {
    await app.web!.setBasemapPmtiles(archivePath);
  });

  it('describes the archive in the base map payload', async () => {
    const payload = (await (await get('/api/city/basemap')).json()) as BasemapPayload;
    expect(payload.vector).toMatchObject({
      url: '/api/city/basemap.pmtiles',
      schema: 'openmaptiles',
      variants: ['dark', 'light'],
      minZoom: 8,
      maxZoom: 12,
      attribution: '© CityTwin synthetic test data',
    });
    expect(payload.vector!.bounds[0]).toBeCloseTo(113.66, 1);
    expect(payload.districts.features.length).toBeGreaterThan(0);
  });

  it('answers a range with 206, Content-Range and the exact bytes', async () => {
    const res = await get('/api/city/basemap.pmtiles', { range: 'bytes=0-16383' });
    expect(res.status).toBe(206);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-range')).toBe(`bytes 0-16383/${archive.length}`);
    expect(res.headers.get('content-length')).toBe('16384');
    expect(res.headers.get('content-type')).toBe('application/vnd.pmtiles');
    expect(res.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect(Buffer.from(await res.arrayBuffer()).equals(archive.subarray(0, 16_384))).toBe(true);

    const tail = await get('/api/city/basemap.pmtiles', { range: 'bytes=-100' });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${archive.length - 100}-${archive.length - 1}/${archive.length}`);
    expect(Buffer.from(await tail.arrayBuffer()).equals(archive.subarray(archive.length - 100))).toBe(true);
  });

  it('answers HEAD and a plain GET with the whole length', async () => {
    const head = await get('/api/city/basemap.pmtiles', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(archive.length));
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const full = await get('/api/city/basemap.pmtiles');
    expect(full.status).toBe(200);
    expect(Buffer.from(await full.arrayBuffer()).equals(archive)).toBe(true);
  });

  it('refuses ranges it cannot satisfy with 416 and the size, quoting the range', async () => {
    for (const range of [`bytes=${archive.length}-`, 'bytes=10-2', 'bytes=abc']) {
      const res = await get('/api/city/basemap.pmtiles', { range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${archive.length}`);
      expect(((await res.json()) as { error: string }).error).toContain(JSON.stringify(range));
    }
    // Several ranges: the whole file (RFC 9110 §14.2 lets a server ignore Range).
    const several = await get('/api/city/basemap.pmtiles', { range: 'bytes=0-1,5-6' });
    expect(several.status).toBe(200);
    expect(Number(several.headers.get('content-length'))).toBe(archive.length);
    await several.arrayBuffer();
  });

  it('honours If-Range, If-None-Match and If-Match against its ETag', async () => {
    const etag = (await get('/api/city/basemap.pmtiles', {}, 'HEAD')).headers.get('etag')!;
    const same = await get('/api/city/basemap.pmtiles', { range: 'bytes=0-9', 'if-range': etag });
    expect(same.status).toBe(206);
    await same.arrayBuffer();
    const changed = await get('/api/city/basemap.pmtiles', { range: 'bytes=0-9', 'if-range': '"an-older-version"' });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
    expect((await get('/api/city/basemap.pmtiles', { 'if-none-match': etag })).status).toBe(304);
    const mismatch = await get('/api/city/basemap.pmtiles', { range: 'bytes=0-9', 'if-match': '"an-older-version"' });
    expect(mismatch.status).toBe(412);
    expect(((await mismatch.json()) as { error: string }).error).toContain('"an-older-version"');
  });

  it('is read tile by tile by the pmtiles HTTP reader the console uses', async () => {
    const reader = new PMTiles(new FetchSource(url('/api/city/basemap.pmtiles'), new Headers(auth)));
    const header = await reader.getHeader();
    expect([header.minZoom, header.maxZoom]).toEqual([8, 12]);
    expect(header.etag).toMatch(/^"/);
    // The tile over the synthetic buildings holds buildings with heights and the city's roads.
    const z = 12;
    const x = Math.floor(((BUILDINGS_ORIGIN[0] + 180) / 360) * 2 ** z);
    const rad = (BUILDINGS_ORIGIN[1] * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * 2 ** z);
    const tile = await reader.getZxy(z, x, y);
    const vt = new VectorTile(new PbfReader(new Uint8Array(tile!.data)));
    expect(vt.layers.building!.length).toBeGreaterThan(10);
    expect(Number(vt.layers.building!.feature(0).properties.render_height)).toBeGreaterThan(0);
    expect(vt.layers.transportation!.length).toBeGreaterThan(0);
  });

  it('serves the bundled styles, dark and light, and refuses another with what is accepted', async () => {
    const dark = (await (await get('/api/city/style')).json()) as {
      name: string;
      sources: Record<string, { url: string }>;
      layers: Array<{ id: string; paint?: Record<string, unknown> }>;
    };
    const light = (await (await get('/api/city/style?variant=light&lang=en')).json()) as typeof dark;
    expect(dark.name).toBe('citytwin-dark');
    expect(light.name).toBe('citytwin-light');
    expect(dark.sources.basemap!.url).toBe('pmtiles:///api/city/basemap.pmtiles');
    expect(dark.layers[0]!.paint!['background-color']).not.toEqual(light.layers[0]!.paint!['background-color']);
    const bad = await get('/api/city/style?variant=sepia');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/"sepia" is not a style; accepted: dark, light/);
  });

  it('asks for a sign-in like the other city routes, and opens to a wall display', async () => {
    for (const path of ['/api/city/basemap.pmtiles', '/api/city/style', '/api/city/basemap']) {
      expect((await fetch(url(path), { headers: { range: 'bytes=0-9' } })).status, path).toBe(401);
    }
    const token = await consoleDisplayToken(app.url!, 'basemap wall');
    const display = await fetch(url('/api/city/basemap.pmtiles'), { headers: { authorization: `Bearer ${token}`, range: 'bytes=0-126' } });
    expect(display.status).toBe(206);
    expect(
      Buffer.from(await display.arrayBuffer())
        .subarray(0, 7)
        .toString('latin1'),
    ).toBe('PMTiles');
  });

  it('serves a range of an archive too large to read whole (3 GiB, sparse)', async () => {
    // Node cannot read a file over 2 GiB into one buffer (ERR_FS_FILE_TOO_LARGE): this range
    // is served only because it is streamed from the file.
    const bigPath = join(dir.path, 'big.pmtiles');
    const small = buildPmtiles({
      layers: {
        water: {
          type: 'FeatureCollection',
          features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [114.3, 30.6] } }],
        },
      },
      minZoom: 0,
      maxZoom: 2,
    });
    writeFileSync(bigPath, small.bytes);
    const fd = openSync(bigPath, 'r+');
    const size = 3 * 1024 ** 3;
    ftruncateSync(fd, size);
    closeSync(fd);
    await app.web!.setBasemapPmtiles(bigPath);
    try {
      const res = await get('/api/city/basemap.pmtiles', { range: `bytes=${size - 512}-` });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${size - 512}-${size - 1}/${size}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBe(512);
      expect(bytes.every((b) => b === 0)).toBe(true);
      const head = await get('/api/city/basemap.pmtiles', { range: 'bytes=0-6' });
      expect(Buffer.from(await head.arrayBuffer()).toString('latin1')).toBe('PMTiles');
    } finally {
      await app.web!.setBasemapPmtiles(archivePath);
    }
  });

  it('refuses to serve a file that is not a PMTiles v3 archive, naming it', async () => {
    const notPmtiles = join(dir.path, 'not.pmtiles');
    writeFileSync(
      notPmtiles,
      'MBTiles? no, SQLite format 3\0 and more bytes to pass the header length of one hundred and twenty-seven bytes at least, yes',
    );
    await expect(app.web!.setBasemapPmtiles(notPmtiles)).rejects.toThrow(
      /basemap archive ".*not\.pmtiles" is not a PMTiles archive \(starts with "MBTiles"\); expected a PMTiles v3 file/,
    );
    await expect(app.web!.setBasemapPmtiles(join(dir.path, 'missing.pmtiles'))).rejects.toThrow(/cannot be opened \(ENOENT\)/);
    // The archive served before stays.
    expect((await get('/api/city/basemap.pmtiles', { range: 'bytes=0-6' })).status).toBe(206);
  });
});
