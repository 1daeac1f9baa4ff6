/**
 * Serves one file by byte ranges (RFC 9110 §14 "Range Requests", §13 conditional requests):
 * `Accept-Ranges: bytes`, `206 Partial Content` with `Content-Range` for one range, `416` with
 * `Content-Range: bytes *\/size` for a range the file cannot satisfy, a strong `ETag` and
 * `Last-Modified` with `If-Range`, `If-Match` (412), `If-None-Match` / `If-Modified-Since`
 * (304), and HEAD. A range is streamed from the file, never read whole into memory.
 *
 * A PMTiles reader asks for one range per request (the header and root directory, then a
 * directory or a tile); several ranges in one request are answered with the whole file, as
 * RFC 9110 §14.2 allows a server to ignore the Range header.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

/** What a Range header asks of a file of `size` bytes. */
export type RangeDecision = { type: 'full' } | { type: 'partial'; start: number; end: number } | { type: 'unsatisfiable'; reason: string };

/** Longest digit run accepted in a range (beyond 2^53 a position means nothing). */
const MAX_DIGITS = 15;

/**
 * Reads a Range header for a file of `size` bytes (RFC 9110 §14.1.2): `bytes=first-last`,
 * `bytes=first-` and `bytes=-suffixLength`. A unit other than bytes, or several ranges, is
 * ignored (the whole file); a malformed byte range or one that starts past the end cannot be
 * satisfied (416, with the reason quoting the header).
 */
export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined || header.trim() === '') return { type: 'full' };
  const m = /^\s*([A-Za-z]+)\s*=(.*)$/.exec(header);
  if (!m || m[1]!.toLowerCase() !== 'bytes') return { type: 'full' };
  const specs = m[2]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const quoted = JSON.stringify(header.slice(0, 100));
  const accepted = 'accepted: bytes=FIRST-LAST, bytes=FIRST- or bytes=-SUFFIX with whole numbers, FIRST <= LAST';
  if (specs.length > 1) return { type: 'full' };
  const spec = /^(\d*)-(\d*)$/.exec(specs[0] ?? '');
  if (!spec || (spec[1] === '' && spec[2] === '') || spec[1]!.length > MAX_DIGITS || spec[2]!.length > MAX_DIGITS) {
    return { type: 'unsatisfiable', reason: `the range ${quoted} is malformed; ${accepted}` };
  }
  if (spec[1] === '') {
    const suffix = Number(spec[2]);
    if (suffix === 0 || size === 0)
      return { type: 'unsatisfiable', reason: `the range ${quoted} asks for no bytes of a ${size}-byte file` };
    return { type: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const first = Number(spec[1]);
  const last = spec[2] === '' ? size - 1 : Number(spec[2]);
  if (last < first) return { type: 'unsatisfiable', reason: `the range ${quoted} ends before it starts; ${accepted}` };
  if (first >= size) return { type: 'unsatisfiable', reason: `the range ${quoted} starts at or past the end of the ${size}-byte file` };
  return { type: 'partial', start: first, end: Math.min(last, size - 1) };
}

/** The entity tags of an If-Match / If-None-Match header (`*` as itself). */
function entityTags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** Weak comparison (RFC 9110 §8.8.3.2): the opaque tags match, W/ ignored. */
function weakMatch(a: string, b: string): boolean {
  return a.replace(/^W\//, '') === b.replace(/^W\//, '');
}

export interface FileResponseOptions {
  contentType: string;
  cacheControl: string;
  /**
   * The file holds the representation in this content coding (`br`, `gzip`): sent as
   * `Content-Encoding` with the bytes, and part of the entity tag, so each coding has its own
   * validator (RFC 9110 §8.8.3.3). Ranges count bytes of the coded file (§14.1.2).
   */
  contentEncoding?: string;
  /** `Vary`, on every answer (also 304 and 416) when the file is one of several codings. */
  vary?: string;
}

/**
 * The strong validator of a file: changes with its size, modification time or inode, and
 * names the content coding the file holds when it is not the identity.
 */
export function entityTagOf(stat: { size: number; mtimeMs: number; ino: number }, contentEncoding?: string): string {
  const coding = contentEncoding ? `-${contentEncoding}` : '';
  return `"${stat.size.toString(36)}-${Math.floor(stat.mtimeMs).toString(36)}-${stat.ino.toString(36)}${coding}"`;
}

/**
 * Answers a GET or HEAD for `path`. The file is opened once and everything (validators,
 * length, bytes) comes from that handle, so a file replaced meanwhile is served whole from
 * one version. Throws (ENOENT …) before anything is sent when the file cannot be opened.
 */
export async function sendFileRange(req: IncomingMessage, res: ServerResponse, path: string, options: FileResponseOptions): Promise<void> {
  const handle: FileHandle = await open(path, 'r');
  let streaming = false;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error(`${path} is not a file`), { code: 'ENOENT' });
    const size = stat.size;
    const etag = entityTagOf(stat, options.contentEncoding);
    const lastModified = new Date(Math.floor(stat.mtimeMs / 1000) * 1000).toUTCString();
    const common: Record<string, string> = {
      'accept-ranges': 'bytes',
      etag,
      'last-modified': lastModified,
      'cache-control': options.cacheControl,
      ...(options.vary ? { vary: options.vary } : {}),
    };

    // §13.2.2: If-Match, then If-None-Match (or If-Modified-Since), then If-Range.
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && !entityTags(ifMatch).some((t) => t === '*' || t === etag)) {
      res.writeHead(412, { ...common, 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: `If-Match: ${ifMatch.slice(0, 100)} does not match the current version ${etag}` }));
      return;
    }
    const ifNoneMatch = req.headers['if-none-match'];
    const notModified =
      ifNoneMatch !== undefined
        ? entityTags(ifNoneMatch).some((t) => t === '*' || weakMatch(t, etag))
        : req.headers['if-modified-since'] !== undefined && Date.parse(req.headers['if-modified-since']) >= Date.parse(lastModified);
    if (notModified) {
      res.writeHead(304, common);
      res.end();
      return;
    }
    let range = parseRange(req.headers.range, size);
    const ifRange = req.headers['if-range'];
    // §13.1.5: a Range applies only to the version named (strong tag, or exactly the date).
    if (range.type !== 'full' && ifRange !== undefined && ifRange !== etag && ifRange !== lastModified) range = { type: 'full' };

    if (range.type === 'unsatisfiable') {
      res.writeHead(416, { ...common, 'content-range': `bytes */${size}`, 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: range.reason }));
      return;
    }
    const [status, start, end] = range.type === 'partial' ? [206, range.start, range.end] : [200, 0, size - 1];
    res.writeHead(status, {
      ...common,
      'content-type': options.contentType,
      ...(options.contentEncoding ? { 'content-encoding': options.contentEncoding } : {}),
      'content-length': String(Math.max(0, end - start + 1)),
      ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    streaming = true;
    const stream = handle.createReadStream({ start, end, autoClose: true });
    try {
      await pipeline(stream, res);
    } catch (err) {
      // The reader went away (a map aborts tiles it no longer needs): nothing to answer.
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    }
  } finally {
    if (!streaming) await handle.close();
  }
}
