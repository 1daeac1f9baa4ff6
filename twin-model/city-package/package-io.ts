/**
 * The edge of the package module: reads a package folder or `.zip` into {@link PackageFiles}
 * and writes files into a folder. Everything else in twin-model/city-package is pure.
 *
 * Limits keep a hostile or mistaken archive from exhausting memory: at most
 * {@link MAX_FILES} files and {@link MAX_FILE_BYTES} per file are read; `basemap.pmtiles` is
 * never read (it is served by range requests from disk).
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { BASEMAP_FILE, type PackageFiles } from './package-files.ts';

export const MAX_FILES = 10_000;
export const MAX_FILE_BYTES = 512 * 1024 * 1024;
/** Folder depth read below the package root (`rules/incidents/x.json` is depth 3). */
const MAX_DEPTH = 3;

/** The package cannot be read at all (no such path, not a folder or zip, a broken zip). */
export class PackageReadError extends Error {}

/** Reads a package folder or `.zip` archive. */
export function readPackageFiles(path: string): PackageFiles {
  const root = resolve(path);
  let stat: Stats;
  try {
    stat = statSync(root);
  } catch {
    throw new PackageReadError(`no such file or folder: ${JSON.stringify(path)}; give a package folder or a .zip of one`);
  }
  if (stat.isDirectory()) return readFolder(path, root);
  if (stat.isFile()) return readZip(path, root);
  throw new PackageReadError(`${JSON.stringify(path)} is neither a folder nor a file; give a package folder or a .zip of one`);
}

function readFolder(origin: string, root: string): PackageFiles {
  const files = new Map<string, Uint8Array>();
  const out: PackageFiles = { origin, files };
  const walk = (dir: string, depth: number): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = join(dir, entry.name);
      const rel = relative(root, full).split(sep).join('/');
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH) walk(full, depth + 1);
        continue;
      }
      if (!entry.isFile()) continue;
      if (rel === BASEMAP_FILE) {
        out.basemap = { path: full };
        continue;
      }
      if (files.size >= MAX_FILES) throw new PackageReadError(`the package has more than ${MAX_FILES} files`);
      const size = statSync(full).size;
      if (size > MAX_FILE_BYTES) throw new PackageReadError(`${rel} is ${size} bytes; at most ${MAX_FILE_BYTES} per file`);
      files.set(rel, new Uint8Array(readFileSync(full)));
    }
  };
  walk(root, 1);
  return out;
}

function readZip(origin: string, file: string): PackageFiles {
  const bytes = new Uint8Array(readFileSync(file));
  // Local file header signature "PK\x03\x04" (APPNOTE 4.3.7); an empty archive starts with the end record "PK\x05\x06".
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
  if (!isZip)
    throw new PackageReadError(`${JSON.stringify(origin)} is a file but not a .zip archive; give a package folder or a .zip of one`);
  let basemapInZip = false;
  let count = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false;
        if (f.name === BASEMAP_FILE || f.name.endsWith(`/${BASEMAP_FILE}`)) {
          basemapInZip = true;
          return false;
        }
        if (++count > MAX_FILES) throw new PackageReadError(`the archive has more than ${MAX_FILES} files`);
        if (f.originalSize > MAX_FILE_BYTES)
          throw new PackageReadError(`${f.name} is ${f.originalSize} bytes; at most ${MAX_FILE_BYTES} per file`);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof PackageReadError) throw err;
    throw new PackageReadError(`${JSON.stringify(origin)} is not a readable .zip archive (${(err as Error).message})`);
  }
  // A zip of the folder itself (`town/city.json`): read it from inside that folder.
  const names = Object.keys(entries);
  let prefix = '';
  if (!names.includes('city.json')) {
    const roots = names.filter((n) => /^[^/]+\/city\.json$/.test(n));
    if (roots.length === 1) prefix = roots[0]!.slice(0, -'city.json'.length);
  }
  const files = new Map<string, Uint8Array>();
  for (const name of names.sort()) {
    if (!name.startsWith(prefix)) continue;
    const rel = name.slice(prefix.length).replace(/^\.\//, '');
    if (rel.split('/').length > MAX_DEPTH || rel.split('/').includes('..')) continue;
    files.set(rel, entries[name]!);
  }
  const out: PackageFiles = { origin, files };
  if (basemapInZip) out.basemap = 'zip';
  return out;
}

/** Writes files (text as UTF-8) into `dir`, creating folders as needed. */
export function writePackageFiles(dir: string, files: ReadonlyMap<string, string | Uint8Array>): void {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  for (const [rel, content] of files) {
    const target = resolve(root, rel);
    if (!target.startsWith(root + sep)) throw new Error(`writePackageFiles: ${JSON.stringify(rel)} is outside the package folder`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}
