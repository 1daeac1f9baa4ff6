/**
 * The city's PMTiles basemap as the server knows it: the file, checked to be a PMTiles v3
 * archive of vector tiles when it is configured (header fields at the offsets of the spec,
 * github.com/protomaps/PMTiles spec/v3/spec.md), and the facts the console needs before it
 * draws it (zoom range, bounds, attribution).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { BASEMAP_PMTILES_PATH, BASEMAP_VARIANTS, type VectorBasemapInfo } from '../../shared/basemap-protocol.ts';

export class BasemapArchiveError extends Error {}

const HEADER_BYTES = 127;
/** Metadata larger than this is not read for the attribution (it stays served as it is). */
const MAX_METADATA_BYTES = 1 << 20;
const COMPRESSION_NONE = 1;
const COMPRESSION_GZIP = 2;
const TILE_TYPE_MVT = 1;

/** A configured archive: its path and what its header says. */
export interface BasemapArchive {
  path: string;
  info: VectorBasemapInfo;
}

/** Text of an attribution without markup (archives often carry `<a href=…>© OpenStreetMap</a>`). */
function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&copy;/g, '©')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/**
 * Opens `path` and checks it is a PMTiles v3 archive of vector (MVT) tiles; throws
 * BasemapArchiveError quoting the path and what was found.
 */
export async function openBasemapArchive(path: string): Promise<BasemapArchive> {
  const where = `basemap archive ${JSON.stringify(path)}`;
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new BasemapArchiveError(
      `${where} cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a readable PMTiles v3 file`,
    );
  }
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    const magic = header.subarray(0, 7).toString('latin1');
    if (bytesRead < HEADER_BYTES || magic !== 'PMTiles') {
      throw new BasemapArchiveError(
        `${where} is not a PMTiles archive (starts with ${JSON.stringify(header.subarray(0, Math.min(bytesRead, 7)).toString('latin1'))}); expected a PMTiles v3 file`,
      );
    }
    const version = header.readUInt8(7);
    if (version !== 3)
      throw new BasemapArchiveError(`${where} is PMTiles version ${version}; expected version 3 (convert it with \`pmtiles convert\`)`);
    const tileType = header.readUInt8(99);
    if (tileType !== TILE_TYPE_MVT)
      throw new BasemapArchiveError(`${where} holds tiles of type ${tileType}; expected vector tiles (MVT, type 1)`);
    const deg = (offset: number) => header.readInt32LE(offset) / 1e7;
    const metadataOffset = Number(header.readBigUInt64LE(24));
    const metadataLength = Number(header.readBigUInt64LE(32));
    const internalCompression = header.readUInt8(97);
    let attribution: string | null = null;
    if (
      metadataLength > 0 &&
      metadataLength <= MAX_METADATA_BYTES &&
      (internalCompression === COMPRESSION_NONE || internalCompression === COMPRESSION_GZIP)
    ) {
      const raw = Buffer.alloc(metadataLength);
      await handle.read(raw, 0, metadataLength, metadataOffset);
      try {
        const json = JSON.parse((internalCompression === COMPRESSION_GZIP ? gunzipSync(raw) : raw).toString('utf8')) as {
          attribution?: unknown;
        };
        if (typeof json.attribution === 'string' && json.attribution.trim() !== '') attribution = plainText(json.attribution);
      } catch {
        // Metadata is advisory: an archive whose metadata does not parse still draws.
      }
    }
    return {
      path,
      info: {
        url: BASEMAP_PMTILES_PATH,
        schema: 'openmaptiles',
        variants: [...BASEMAP_VARIANTS],
        minZoom: header.readUInt8(100),
        maxZoom: header.readUInt8(101),
        bounds: [deg(102), deg(106), deg(110), deg(114)],
        attribution,
      },
    };
  } finally {
    await handle.close();
  }
}
