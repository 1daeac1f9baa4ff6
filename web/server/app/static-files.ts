/**
 * The console's built files (dist/web): a GET or HEAD for a file inside the folder serves it; an
 * unknown path without an extension gets index.html (client-side views); anything else is not
 * ours.
 *
 * The path is decoded, resolved and then checked with `path.relative`, so `..`, `%2f` and
 * `%5c` cannot step out of the folder — a bare `startsWith(root)` let `/..%2fweb-private/x`
 * reach the sibling folder `dist/web-private`. Source maps are never served (they would hand
 * out the console's source; the build does not emit them either, vite.config.ts).
 *
 * Compression happens once, at build time: next to `X` the build writes `X.br` and `X.gz`
 * (web/build/precompress.ts, web/shared/precompressed-assets.ts). Here each request gets the
 * coding its `Accept-Encoding` prefers (q-values honoured, the identity when nothing else fits),
 * with `Vary: Accept-Encoding`, the coded file's own length and an entity tag per coding. The
 * bytes, ranges (counted in the coded file), HEAD and conditional requests go through
 * {@link sendFileRange}. Files under `assets/` carry a content hash in their names (the build
 * checks it) and are cached for a year as immutable; everything else (the HTML pages) is
 * `no-cache`: revalidated with its entity tag on every load.
 */
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PRECOMPRESSED_CODINGS, PRECOMPRESSED_EXTENSIONS, type PrecompressedCoding } from '../../shared/precompressed-assets.ts';
import { sendFileRange } from '../city/range-file.ts';
import { sendJson } from './http-router.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * Extensions never served even when such a file is in the folder: source maps, and the
 * precompressed copies themselves (they are served as a coding of their file, never as files).
 */
const NEVER_SERVED = new Set(['.map', ...PRECOMPRESSED_CODINGS.map((c) => c.suffix)]);

/** Content-hashed build output: cached by browsers and proxies for a year, never revalidated. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** Everything else (the HTML pages, the icon): stored, but revalidated on every use. */
export const REVALIDATE_CACHE = 'no-cache';

/** A content coding of a response: one the build wrote, or the file as it is. */
export type ContentCoding = PrecompressedCoding | 'identity';

/**
 * The file a decoded URL path names inside `root` (an absolute, resolved folder), or null when
 * it names something outside it or a file that is never served.
 */
export function staticPath(root: string, decodedPath: string): string | null {
  if (decodedPath.includes('\0')) return null;
  const path = decodedPath.endsWith('/') ? `${decodedPath}index.html` : decodedPath;
  const file = resolve(root, `.${sep}${path.replace(/\\/g, '/')}`);
  const rel = relative(root, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  if (NEVER_SERVED.has(extname(file).toLowerCase())) return null;
  return file;
}

/** A qvalue (RFC 9110 §12.4.2): 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The weight of each coding an `Accept-Encoding` value names (RFC 9110 §12.5.3), lower-cased,
 * `x-gzip` read as `gzip` (§8.4.1.3). An element with a malformed weight is left out; the first
 * mention of a coding counts.
 */
export function acceptedCodings(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const element of header.split(',')) {
    const [name = '', ...params] = element.split(';').map((s) => s.trim());
    if (name === '') continue;
    let weight = 1;
    for (const param of params) {
      const m = /^q\s*=\s*(.*)$/i.exec(param);
      if (m) weight = QVALUE.test(m[1]!) ? Number(m[1]) : Number.NaN;
    }
    if (Number.isNaN(weight)) continue;
    const coding = name.toLowerCase() === 'x-gzip' ? 'gzip' : name.toLowerCase();
    if (!weights.has(coding)) weights.set(coding, weight);
  }
  return weights;
}

/**
 * The coding to answer with, among the ones the build wrote for the file (`available`) and the
 * identity: the highest weight the request gives, brotli before gzip on a tie, and a coding
 * before the identity on a tie. A coding the header does not name gets the weight of `*`, else
 * none. The identity is the fallback: chosen when the header weighs it highest, and whenever no
 * coding is acceptable — also when the header refuses it (`identity;q=0`), since the file as it
 * is serves better than a 406. No header gets the identity too: a client that sends none (a
 * script, `curl` without `--compressed`) may decode nothing.
 */
export function chooseEncoding(header: string | undefined, available: readonly PrecompressedCoding[]): ContentCoding {
  if (header === undefined) return 'identity';
  const weights = acceptedCodings(header);
  const weightOf = (coding: string): number => weights.get(coding) ?? weights.get('*') ?? 0;
  let best: ContentCoding = 'identity';
  let bestWeight = 0;
  for (const { coding } of PRECOMPRESSED_CODINGS) {
    if (!available.includes(coding)) continue;
    const w = weightOf(coding);
    if (w > bestWeight) [best, bestWeight] = [coding, w];
  }
  return weightOf('identity') > bestWeight ? 'identity' : best;
}

/** How one built file is answered: its type, caching, and the coding chosen for this request. */
export interface StaticRepresentation {
  contentType: string;
  cacheControl: string;
  /** The coding served; `identity` is the file itself. */
  coding: ContentCoding;
  /** Suffix of the file that holds that coding ('' for the identity). */
  suffix: string;
  /** `accept-encoding` when the file exists in several codings (caches must key on it), else null. */
  vary: string | null;
}

/**
 * The representation of the built file at `relPath` (relative to the folder, with the
 * platform's separator) for a request with `acceptEncoding`, when the build wrote the
 * `available` codings beside it.
 */
export function staticRepresentation(
  relPath: string,
  acceptEncoding: string | undefined,
  available: readonly PrecompressedCoding[],
): StaticRepresentation {
  const coding = chooseEncoding(acceptEncoding, available);
  return {
    contentType: MIME[extname(relPath).toLowerCase()] ?? 'application/octet-stream',
    cacheControl: relPath.startsWith(`assets${sep}`) ? IMMUTABLE_CACHE : REVALIDATE_CACHE,
    coding,
    suffix: PRECOMPRESSED_CODINGS.find((c) => c.coding === coding)?.suffix ?? '',
    vary: available.length > 0 ? 'accept-encoding' : null,
  };
}

/**
 * The codings the build wrote beside `file`. A copy older than the file is not its coding any
 * more (the file was replaced after the build): it is ignored, and the file is served as it is.
 */
async function precompressedCodings(file: string, fileMtimeMs: number): Promise<PrecompressedCoding[]> {
  if (!PRECOMPRESSED_EXTENSIONS.has(extname(file).toLowerCase())) return [];
  const found = await Promise.all(
    PRECOMPRESSED_CODINGS.map(async ({ coding, suffix }) => {
      const s = await stat(`${file}${suffix}`).catch(() => null);
      return s?.isFile() && s.mtimeMs >= fileMtimeMs ? coding : null;
    }),
  );
  return found.filter((c): c is PrecompressedCoding => c !== null);
}

/**
 * Serves a GET or HEAD from `root`; false when the path is not one of the console's files (the
 * caller answers 404).
 */
export async function serveStatic(root: string, req: IncomingMessage, url: URL, res: ServerResponse): Promise<boolean> {
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    // A malformed %-escape is the client's error, not a 500 (found by test/fuzz.itest.ts).
    sendJson(res, 400, { error: `malformed %-escape in the path ${JSON.stringify(url.pathname.slice(0, 200))}` });
    return true;
  }
  const file = staticPath(root, path);
  if (file === null) return false;
  let target = file;
  let found = await stat(target).catch(() => null);
  if (found === null) {
    // Unknown non-API paths get the console (client-side views).
    if (extname(path) !== '') return false;
    target = join(root, 'index.html');
    found = await stat(target).catch(() => null);
  }
  if (!found?.isFile()) return false;
  const available = await precompressedCodings(target, found.mtimeMs);
  const rep = staticRepresentation(relative(root, target), req.headers['accept-encoding'], available);
  const options = { contentType: rep.contentType, cacheControl: rep.cacheControl, ...(rep.vary ? { vary: rep.vary } : {}) };
  try {
    await sendFileRange(
      req,
      res,
      `${target}${rep.suffix}`,
      rep.coding === 'identity' ? options : { ...options, contentEncoding: rep.coding },
    );
  } catch (err) {
    // Removed since the look above (a new build being copied in): the file as it is, or not ours.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || res.headersSent) throw err;
    if (rep.coding === 'identity') return false;
    await sendFileRange(req, res, target, options);
  }
  return true;
}
