/**
 * The console's built files (dist/web): a GET for a file inside the folder serves it; an unknown
 * path without an extension gets index.html (client-side views); anything else is not ours.
 *
 * The path is decoded, resolved and then checked with `path.relative`, so `..`, `%2f` and
 * `%5c` cannot step out of the folder — a bare `startsWith(root)` let `/..%2fweb-private/x`
 * reach the sibling folder `dist/web-private`. Source maps are never served (they would hand
 * out the console's source; the build does not emit them either, vite.config.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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

/** Extensions never served even when such a file is in the folder. */
const NEVER_SERVED = new Set(['.map']);

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

/** Serves a GET from `root`; false when the path is not one of the console's files (the caller answers 404). */
export async function serveStatic(root: string, url: URL, res: ServerResponse): Promise<boolean> {
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
  try {
    if (!(await stat(target)).isFile()) return false;
  } catch {
    // Unknown non-API paths get the console (client-side views).
    if (extname(path) !== '') return false;
    target = join(root, 'index.html');
  }
  const body = await readFile(target);
  const immutable = target.startsWith(join(root, 'assets') + sep);
  res.writeHead(200, {
    'content-type': MIME[extname(target)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(body);
  return true;
}
