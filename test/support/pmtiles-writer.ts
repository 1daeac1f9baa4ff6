/**
 * A small PMTiles v3 writer for test fixtures: GeoJSON layers are cut into Mapbox Vector Tiles
 * with geojson-vt, encoded with vt-pbf and packed into one archive laid out as the spec
 * recommends — header, root directory, JSON metadata, leaf directories, tile data
 * (github.com/protomaps/PMTiles, spec/v3/spec.md).
 *
 * It writes what a real basemap of a city holds (a few zoom levels, deduplicated and
 * run-length-encoded tiles, leaf directories when the root would not fit in the first 16 KiB)
 * but is meant for fixtures of a few thousand tiles, not for production basemaps: those are
 * built with Planetiler or tippecanoe (docs/basemaps.md).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { FeatureCollection } from 'geojson';
import geojsonvt, { type LegacyTile } from 'geojson-vt';
import vtpbf from 'vt-pbf';

/** Header size (spec §"Header Design"). */
export const HEADER_BYTES = 127;
/** The header and the root directory must fit in the first 16,384 bytes of the archive. */
export const ROOT_LIMIT_BYTES = 16_384;
/** Tile extent of the vector tiles written. */
const EXTENT = 4096;
/** More tiles than this in a fixture is a mistake in the test, not a bigger fixture. */
const MAX_TILES = 200_000;

/** Compression enum of the header (offsets 97 and 98). */
export const Compression = { None: 1, Gzip: 2 } as const;
/** Tile type enum of the header (offset 99). */
const TILE_TYPE_MVT = 1;

export interface PmtilesWriterOptions {
  /** Vector layers by name (e.g. OpenMapTiles' `water`, `transportation`, `building`), WGS 84. */
  layers: Record<string, FeatureCollection>;
  minZoom: number;
  maxZoom: number;
  /** Compression of tiles and of directories and metadata. @default 'gzip' */
  compression?: 'gzip' | 'none';
  /** At most this many entries in the root directory before leaf directories are used. @default 16384 (whatever fits) */
  maxRootEntries?: number;
  /** Metadata: `name`, `attribution`, … (strings), written beside `vector_layers`. */
  metadata?: Record<string, string>;
  /** Center shown first: [lng, lat, zoom]; default the middle of the data at minZoom. */
  center?: [number, number, number];
}

/** One directory entry (spec §"Entries"). */
export interface DirectoryEntry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

export interface PmtilesArchive {
  bytes: Buffer;
  /** Tiles with content, before deduplication. */
  addressedTiles: number;
  /** Distinct tile contents stored. */
  tileContents: number;
  /** Leaf directories written (0 when every entry fits in the root). */
  leafDirectories: number;
  bounds: [number, number, number, number];
}

/**
 * The Hilbert tile id of z/x/y: tiles of lower zooms first (4^0 + … + 4^(z-1)), then the
 * position of (x, y) on the order-z Hilbert curve (spec §"Entries").
 */
export function tileIdOf(z: number, x: number, y: number): number {
  if (!Number.isInteger(z) || z < 0 || z > 26) throw new Error(`zoom ${z}: expected a whole number from 0 to 26`);
  const n = 2 ** z;
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= n || y >= n)
    throw new Error(`tile ${z}/${x}/${y}: x and y must be whole numbers below ${n}`);
  let base = 0;
  for (let level = 0; level < z; level++) base += 4 ** level;
  let d = 0;
  let tx = x;
  let ty = y;
  // Quadrant by quadrant from the top bit, turning the frame so each sub-curve starts where
  // the previous one ended.
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = (tx & s) > 0 ? 1 : 0;
    const ry = (ty & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        tx = s - 1 - (tx % s);
        ty = s - 1 - (ty % s);
      }
      [tx, ty] = [ty, tx];
    }
    tx %= s;
    ty %= s;
  }
  return base + d;
}

/** Appends `value` (a non-negative integer up to 2^53) as an unsigned LEB128 varint. */
function pushVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`varint ${value}: expected a non-negative safe integer`);
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/**
 * A directory as the spec serializes it: the entry count, then the columns — tile ids as
 * deltas, run lengths, lengths, offsets (0 = right after the previous entry, else offset + 1).
 */
export function serializeDirectory(entries: readonly DirectoryEntry[]): Buffer {
  if (entries.length === 0) throw new Error('a directory must have at least one entry');
  const out: number[] = [];
  pushVarint(out, entries.length);
  let lastId = 0;
  for (const e of entries) {
    pushVarint(out, e.tileId - lastId);
    lastId = e.tileId;
  }
  for (const e of entries) pushVarint(out, e.runLength);
  for (const e of entries) pushVarint(out, e.length);
  entries.forEach((e, i) => {
    const prev = entries[i - 1];
    pushVarint(out, prev && e.offset === prev.offset + prev.length ? 0 : e.offset + 1);
  });
  return Buffer.from(out);
}

function lngToX(lng: number, z: number): number {
  return Math.min(2 ** z - 1, Math.max(0, Math.floor(((lng + 180) / 360) * 2 ** z)));
}

function latToY(lat: number, z: number): number {
  const rad = (Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180;
  const y = ((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * 2 ** z;
  return Math.min(2 ** z - 1, Math.max(0, Math.floor(y)));
}

function boundsOf(layers: Record<string, FeatureCollection>): [number, number, number, number] {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      w = Math.min(w, c[0]);
      e = Math.max(e, c[0]);
      s = Math.min(s, c[1]);
      n = Math.max(n, c[1]);
      return;
    }
    for (const inner of c) visit(inner);
  };
  for (const fc of Object.values(layers)) {
    for (const f of fc.features) if (f.geometry && 'coordinates' in f.geometry) visit(f.geometry.coordinates);
  }
  if (!Number.isFinite(w)) throw new Error('the layers hold no coordinates: nothing to tile');
  return [w, s, e, n];
}

/** Field types of a layer for the metadata's `vector_layers` (TileJSON 3.0). */
function fieldsOf(fc: FeatureCollection): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const f of fc.features) {
    for (const [k, v] of Object.entries(f.properties ?? {})) {
      fields[k] ??= typeof v === 'number' ? 'Number' : typeof v === 'boolean' ? 'Boolean' : 'String';
    }
  }
  return fields;
}

function writeUint64(buf: Buffer, offset: number, value: number): void {
  buf.writeBigUInt64LE(BigInt(value), offset);
}

/** The 127-byte header (spec §"Header Design"; little-endian throughout). */
function header(fields: {
  rootOffset: number;
  rootLength: number;
  metadataOffset: number;
  metadataLength: number;
  leafOffset: number;
  leafLength: number;
  dataOffset: number;
  dataLength: number;
  addressedTiles: number;
  tileEntries: number;
  tileContents: number;
  compression: number;
  minZoom: number;
  maxZoom: number;
  bounds: [number, number, number, number];
  center: [number, number, number];
}): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write('PMTiles', 0, 'ascii');
  h.writeUInt8(3, 7);
  writeUint64(h, 8, fields.rootOffset);
  writeUint64(h, 16, fields.rootLength);
  writeUint64(h, 24, fields.metadataOffset);
  writeUint64(h, 32, fields.metadataLength);
  writeUint64(h, 40, fields.leafOffset);
  writeUint64(h, 48, fields.leafLength);
  writeUint64(h, 56, fields.dataOffset);
  writeUint64(h, 64, fields.dataLength);
  writeUint64(h, 72, fields.addressedTiles);
  writeUint64(h, 80, fields.tileEntries);
  writeUint64(h, 88, fields.tileContents);
  // Clustered: tile data is written in tile-id order.
  h.writeUInt8(1, 96);
  h.writeUInt8(fields.compression, 97);
  h.writeUInt8(fields.compression, 98);
  h.writeUInt8(TILE_TYPE_MVT, 99);
  h.writeUInt8(fields.minZoom, 100);
  h.writeUInt8(fields.maxZoom, 101);
  const e7 = (deg: number) => Math.round(deg * 1e7);
  h.writeInt32LE(e7(fields.bounds[0]), 102);
  h.writeInt32LE(e7(fields.bounds[1]), 106);
  h.writeInt32LE(e7(fields.bounds[2]), 110);
  h.writeInt32LE(e7(fields.bounds[3]), 114);
  h.writeUInt8(fields.center[2], 118);
  h.writeInt32LE(e7(fields.center[0]), 119);
  h.writeInt32LE(e7(fields.center[1]), 123);
  return h;
}

/** Builds the archive in memory. */
export function buildPmtiles(options: PmtilesWriterOptions): PmtilesArchive {
  const { minZoom, maxZoom } = options;
  if (!Number.isInteger(minZoom) || !Number.isInteger(maxZoom) || minZoom < 0 || maxZoom > 18 || minZoom > maxZoom) {
    throw new Error(`zoom range ${minZoom}..${maxZoom}: expected whole numbers with 0 <= minZoom <= maxZoom <= 18`);
  }
  const compression = options.compression === 'none' ? Compression.None : Compression.Gzip;
  const compress = (b: Buffer): Buffer => (compression === Compression.Gzip ? gzipSync(b) : b);
  const bounds = boundsOf(options.layers);
  const indexes = Object.entries(options.layers).map(([name, fc]) => ({
    name,
    index: new geojsonvt(fc, { maxZoom, indexMaxZoom: Math.min(maxZoom, 5), extent: EXTENT, buffer: 64, tolerance: 3 }),
  }));

  // Tiles in tile-id order, so the data section is clustered.
  const tiles: Array<{ tileId: number; bytes: Buffer }> = [];
  for (let z = minZoom; z <= maxZoom; z++) {
    const [x0, x1, y0, y1] = [lngToX(bounds[0], z), lngToX(bounds[2], z), latToY(bounds[3], z), latToY(bounds[1], z)];
    if ((x1 - x0 + 1) * (y1 - y0 + 1) + tiles.length > MAX_TILES)
      throw new Error(`zoom ${z} would make over ${MAX_TILES} tiles: lower maxZoom`);
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const layers: Record<string, LegacyTile> = {};
        for (const { name, index } of indexes) {
          const tile = index.getTile(z, x, y);
          if (tile && tile.features.length > 0) layers[name] = tile;
        }
        if (Object.keys(layers).length === 0) continue;
        tiles.push({
          tileId: tileIdOf(z, x, y),
          bytes: compress(Buffer.from(vtpbf.fromGeojsonVt(layers, { version: 2, extent: EXTENT }))),
        });
      }
    }
  }
  if (tiles.length === 0) throw new Error('no tile has any feature: check the layers and the zoom range');
  tiles.sort((a, b) => a.tileId - b.tileId);

  // Identical contents are stored once; a run of consecutive ids with the same content is one entry.
  const entries: DirectoryEntry[] = [];
  const chunks: Buffer[] = [];
  const offsetOf = new Map<string, { offset: number; length: number }>();
  let dataLength = 0;
  let lastHash = '';
  for (const t of tiles) {
    const hash = createHash('sha256').update(t.bytes).digest('hex');
    const last = entries.at(-1);
    if (last && hash === lastHash && t.tileId === last.tileId + last.runLength) {
      last.runLength++;
      continue;
    }
    let stored = offsetOf.get(hash);
    if (!stored) {
      stored = { offset: dataLength, length: t.bytes.length };
      offsetOf.set(hash, stored);
      chunks.push(t.bytes);
      dataLength += t.bytes.length;
    }
    entries.push({ tileId: t.tileId, offset: stored.offset, length: stored.length, runLength: 1 });
    lastHash = hash;
  }

  // Root directory, or a root of leaf pointers when the entries do not fit in the first 16 KiB.
  const maxRoot = options.maxRootEntries ?? 16_384;
  let root = compress(serializeDirectory(entries));
  let leaves = Buffer.alloc(0);
  let leafCount = 0;
  if (entries.length > maxRoot || HEADER_BYTES + root.length > ROOT_LIMIT_BYTES) {
    for (let perLeaf = Math.max(1, Math.min(maxRoot, 4096)); ; perLeaf *= 2) {
      const leafBuffers: Buffer[] = [];
      const pointers: DirectoryEntry[] = [];
      let offset = 0;
      for (let i = 0; i < entries.length; i += perLeaf) {
        const leaf = compress(serializeDirectory(entries.slice(i, i + perLeaf)));
        pointers.push({ tileId: entries[i]!.tileId, offset, length: leaf.length, runLength: 0 });
        leafBuffers.push(leaf);
        offset += leaf.length;
      }
      const candidate = compress(serializeDirectory(pointers));
      if ((pointers.length <= maxRoot && HEADER_BYTES + candidate.length <= ROOT_LIMIT_BYTES) || pointers.length === 1) {
        root = candidate;
        leaves = Buffer.concat(leafBuffers);
        leafCount = pointers.length;
        break;
      }
    }
  }
  if (HEADER_BYTES + root.length > ROOT_LIMIT_BYTES)
    throw new Error(`the root directory is ${root.length} bytes: too big for the first ${ROOT_LIMIT_BYTES} bytes`);

  const vectorLayers = Object.entries(options.layers).map(([id, fc]) => ({ id, fields: fieldsOf(fc), minzoom: minZoom, maxzoom: maxZoom }));
  const metadata = compress(
    Buffer.from(JSON.stringify({ format: 'pbf', type: 'baselayer', ...options.metadata, vector_layers: vectorLayers }), 'utf8'),
  );
  const rootOffset = HEADER_BYTES;
  const metadataOffset = rootOffset + root.length;
  const leafOffset = metadataOffset + metadata.length;
  const dataOffset = leafOffset + leaves.length;
  const center = options.center ?? [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, minZoom];
  const head = header({
    rootOffset,
    rootLength: root.length,
    metadataOffset,
    metadataLength: metadata.length,
    leafOffset,
    leafLength: leaves.length,
    dataOffset,
    dataLength,
    addressedTiles: tiles.length,
    tileEntries: entries.length,
    tileContents: chunks.length,
    compression,
    minZoom,
    maxZoom,
    bounds,
    center,
  });
  return {
    bytes: Buffer.concat([head, root, metadata, leaves, ...chunks]),
    addressedTiles: tiles.length,
    tileContents: chunks.length,
    leafDirectories: leafCount,
    bounds,
  };
}

/** Builds the archive and writes it to `path`. */
export function writePmtiles(path: string, options: PmtilesWriterOptions): PmtilesArchive {
  const archive = buildPmtiles(options);
  writeFileSync(path, archive.bytes);
  return archive;
}
