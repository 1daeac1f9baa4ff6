/**
 * A Vite plugin for the console's production build: after `vite build` has written dist/web it
 * writes, next to every text file of 1 KiB or more, a brotli copy (`X.br`, quality 11) and a
 * gzip copy (`X.gz`, level 9), keeping a copy only when it is smaller than the file. The web
 * server picks among them per request (web/server/app/static-files.ts); nothing is compressed per
 * request, so the strongest settings are affordable: they cost build time once.
 *
 * It also keeps what the server promises true: a file under `assets/` must carry a content hash
 * in its name (the server caches those for a year as immutable), no source map is emitted, and
 * no file points at one (`//# sourceMappingURL=` comments, which the maplibre worker brings from
 * its package, are removed: the server never serves a map, so the reference would only 404).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Plugin } from 'vite';
import {
  PRECOMPRESS_MIN_BYTES,
  PRECOMPRESSED_CODINGS,
  PRECOMPRESSED_EXTENSIONS,
  type PrecompressedCoding,
} from '../shared/precompressed-assets.ts';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Whether a built file of `size` bytes gets precompressed copies. */
export function shouldPrecompress(fileName: string, size: number): boolean {
  return size >= PRECOMPRESS_MIN_BYTES && PRECOMPRESSED_EXTENSIONS.has(extname(fileName).toLowerCase());
}

/** One precompressed copy of a file. */
export interface CompressedCopy {
  coding: PrecompressedCoding;
  suffix: string;
  data: Buffer;
}

/**
 * The copies of `data` worth keeping: brotli at quality 11 (text mode, the size as a hint) and
 * gzip at level 9, each only when smaller than `data`.
 */
export async function compressedCopies(data: Buffer): Promise<CompressedCopy[]> {
  const made = await Promise.all(
    PRECOMPRESSED_CODINGS.map(async ({ coding, suffix }) => {
      const out =
        coding === 'br'
          ? await brotli(data, {
              params: {
                [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
                [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
                [zlib.BROTLI_PARAM_SIZE_HINT]: data.length,
              },
            })
          : await gzipAsync(data, { level: zlib.Z_BEST_COMPRESSION });
      return { coding, suffix, data: out };
    }),
  );
  return made.filter((c) => c.data.length < data.length);
}

/** A content hash as Vite writes it, `name-HASH.ext` (8 characters of base64url). */
const HASHED_NAME = /-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$/;

/**
 * Why a built file may not be where it is, or null: under `assets/` (relative path with `/`)
 * every name must carry a content hash, since the server tells browsers never to ask again.
 */
export function assetNameProblem(relPath: string): string | null {
  if (!relPath.startsWith('assets/') || HASHED_NAME.test(relPath)) return null;
  return `${JSON.stringify(relPath)} has no content hash in its name (name-HASH.ext): files under assets/ are served as immutable for a year, so a file whose content can change under the same name must not be there (put it in web/client/public/)`;
}

/**
 * `code` without its trailing source-map reference (`//# sourceMappingURL=…`, the old `//@`, or
 * CSS's `/*# sourceMappingURL=… *\/`). Only the last line is looked at: the same words inside the
 * code (a string, a comment about maps) are left alone.
 */
export function withoutSourceMapComment(code: string): string {
  return code.replace(/(^|\n)(?:\/\/[#@] sourceMappingURL=[^\n]*|\/\*[#@] sourceMappingURL=[^\n]*?\*\/)\s*$/, '$1');
}

/** Every file under `dir`, relative to it with `/`, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** Totals of one build's precompression, for the build's log. */
export interface PrecompressSummary {
  files: number;
  bytes: number;
  br: number;
  gzip: number;
  /** Files whose copies came from the cache (an unchanged library chunk of an earlier build). */
  cached: number;
}

/** Bump when the compression settings change: the cache then misses. */
const SETTINGS = 'br11-text-gz9';

/**
 * Copies of each content made by earlier builds, in a folder keyed by a hash of the content: the
 * library chunks (maplibre, deck.gl, echarts: most of the bytes and of the ≈20 s brotli at
 * quality 11 takes here) do not change from build to build. After a build only the entries it
 * used are kept.
 */
class CopyCache {
  private readonly used = new Set<string>();
  constructor(private readonly dir: string) {}

  async copiesOf(data: Buffer): Promise<{ copies: CompressedCopy[]; hit: boolean }> {
    const key = createHash('sha256').update(SETTINGS).update(data).digest('hex');
    this.used.add(key);
    const file = join(this.dir, `${key}.json`);
    const stored = await readFile(file, 'utf8').catch(() => null);
    if (stored !== null) {
      try {
        const entries = JSON.parse(stored) as { coding: PrecompressedCoding; suffix: string; data: string }[];
        return { copies: entries.map((e) => ({ ...e, data: Buffer.from(e.data, 'base64') })), hit: true };
      } catch {
        // A torn entry (a build stopped while writing): made again below.
      }
    }
    const copies = await compressedCopies(data);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(copies.map((c) => ({ coding: c.coding, suffix: c.suffix, data: c.data.toString('base64') }))));
    return { copies, hit: false };
  }

  /** Removes the entries this build did not use. */
  async prune(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => !this.used.has(n.replace(/\.json$/, ''))).map((n) => rm(join(this.dir, n), { force: true })));
  }
}

/**
 * Writes the copies for every eligible file under `dir` (copies already there are skipped as
 * sources); throws on a file that breaks the rules above. With `cacheDir`, copies of contents
 * seen by the last build are taken from there instead of being made again.
 */
export async function precompressFolder(dir: string, cacheDir: string | null = null): Promise<PrecompressSummary> {
  const files = await filesUnder(dir);
  const problems = files.flatMap((f) => {
    if (f.endsWith('.map')) return [`${JSON.stringify(f)} is a source map: the build must not emit any (vite.config.ts build.sourcemap)`];
    const p = assetNameProblem(f);
    return p ? [p] : [];
  });
  if (problems.length > 0) throw new Error(`the console's build breaks the serving rules:\n  ${problems.join('\n  ')}`);
  const summary: PrecompressSummary = { files: 0, bytes: 0, br: 0, gzip: 0, cached: 0 };
  const cache = cacheDir ? new CopyCache(cacheDir) : null;
  const copySuffixes = PRECOMPRESSED_CODINGS.map((c) => c.suffix);
  // One file at a time, its two codings in parallel: two cores here.
  for (const f of files) {
    if (copySuffixes.some((s) => f.endsWith(s))) continue;
    const path = join(dir, ...f.split('/'));
    const data = await readFile(path);
    if (!shouldPrecompress(f, data.length)) continue;
    const { copies, hit } = cache ? await cache.copiesOf(data) : { copies: await compressedCopies(data), hit: false };
    for (const c of copies) await writeFile(`${path}${c.suffix}`, c.data);
    summary.files++;
    if (hit) summary.cached++;
    summary.bytes += data.length;
    summary.br += copies.find((c) => c.coding === 'br')?.data.length ?? data.length;
    summary.gzip += copies.find((c) => c.coding === 'gzip')?.data.length ?? data.length;
  }
  await cache?.prune();
  return summary;
}

/**
 * The plugin: strips source-map references while the bundle is generated, precompresses after
 * it is written. `cacheDir` keeps the copies of the last build (null: none); by default
 * `.precompress-cache` beside the output folder (dist/, which is not committed).
 */
export function precompress(options: { cacheDir?: string | null } = {}): Plugin {
  let log: (message: string) => void = () => undefined;
  return {
    name: 'citytwin-precompress',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      log = (message) => config.logger.info(message);
    },
    generateBundle(_options, bundle) {
      for (const item of Object.values(bundle)) {
        if (!/\.(m?js|css)$/.test(item.fileName)) continue;
        if (item.type === 'chunk') item.code = withoutSourceMapComment(item.code);
        else if (typeof item.source === 'string') item.source = withoutSourceMapComment(item.source);
        else item.source = withoutSourceMapComment(Buffer.from(item.source).toString('utf8'));
      }
    },
    async writeBundle(output) {
      if (!output.dir) throw new Error('the precompress plugin needs build.outDir (a folder), not a single output file');
      const t0 = performance.now();
      const cacheDir = options.cacheDir === undefined ? join(output.dir, '..', '.precompress-cache') : options.cacheDir;
      const s = await precompressFolder(output.dir, cacheDir);
      const kb = (n: number) => `${(n / 1024).toFixed(0)} kB`;
      log(
        `precompressed ${s.files} files (${s.cached} from the last build) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${kb(s.bytes)} → brotli ${kb(s.br)}, gzip ${kb(s.gzip)}`,
      );
    },
  };
}
