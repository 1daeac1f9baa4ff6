/**
 * The test PMTiles writer, read back through the `pmtiles` package's own reader (the one the
 * console uses) and the vector-tile decoder maplibre uses: header fields, metadata, every
 * tile, deduplication and run lengths, leaf directories, and tile ids against the reader's.
 */
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import type { Feature, FeatureCollection } from 'geojson';
import { Compression as ReaderCompression, PMTiles, TileType, zxyToTileId, type RangeResponse, type Source } from 'pmtiles';
import { describe, expect, it } from 'vitest';
import { buildPmtiles, HEADER_BYTES, ROOT_LIMIT_BYTES, serializeDirectory, tileIdOf, type PmtilesWriterOptions } from './pmtiles-writer.ts';

/** The reader's storage interface over an archive in memory. */
class BufferSource implements Source {
  readonly reads: Array<[number, number]> = [];
  constructor(private readonly bytes: Buffer) {}
  getKey(): string {
    return 'memory';
  }
  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    this.reads.push([offset, length]);
    const slice = this.bytes.subarray(offset, offset + length);
    return { data: slice.buffer.slice(slice.byteOffset, slice.byteOffset + slice.byteLength) as ArrayBuffer };
  }
}

const fc = (features: Feature[]): FeatureCollection => ({ type: 'FeatureCollection', features });

/** A lake over part of the area, two roads and a building, near Wuhan's East Lake. */
const LAYERS: PmtilesWriterOptions['layers'] = {
  water: fc([
    {
      type: 'Feature',
      properties: { class: 'lake', name: '东湖', 'name:en': 'East Lake' },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [114.36, 30.53],
            [114.42, 30.53],
            [114.42, 30.58],
            [114.36, 30.58],
            [114.36, 30.53],
          ],
        ],
      },
    },
  ]),
  transportation: fc([
    {
      type: 'Feature',
      properties: { class: 'primary', name: '珞喻路' },
      geometry: {
        type: 'LineString',
        coordinates: [
          [114.3, 30.52],
          [114.45, 30.51],
        ],
      },
    },
    {
      type: 'Feature',
      properties: { class: 'motorway', brunnel: 'bridge' },
      geometry: {
        type: 'LineString',
        coordinates: [
          [114.3, 30.6],
          [114.33, 30.62],
        ],
      },
    },
  ]),
  building: fc([
    {
      type: 'Feature',
      properties: { render_height: 120, render_min_height: 0 },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [114.305, 30.515],
            [114.307, 30.515],
            [114.307, 30.517],
            [114.305, 30.517],
            [114.305, 30.515],
          ],
        ],
      },
    },
  ]),
};

function lngLatToTile(lng: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  return [Math.floor(((lng + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n)];
}

async function decodedTile(reader: PMTiles, z: number, lng: number, lat: number): Promise<VectorTile | null> {
  const [x, y] = lngLatToTile(lng, lat, z);
  const tile = await reader.getZxy(z, x, y);
  return tile ? new VectorTile(new PbfReader(new Uint8Array(tile.data))) : null;
}

describe('PMTiles v3 writer', () => {
  it('writes a header the reader understands', async () => {
    const archive = buildPmtiles({ layers: LAYERS, minZoom: 9, maxZoom: 14, metadata: { name: 'test basemap', attribution: 'synthetic' } });
    const header = await new PMTiles(new BufferSource(archive.bytes)).getHeader();
    expect(archive.bytes.subarray(0, 7).toString('ascii')).toBe('PMTiles');
    expect(header.specVersion).toBe(3);
    expect(header.tileType).toBe(TileType.Mvt);
    expect(header.tileCompression).toBe(ReaderCompression.Gzip);
    expect(header.internalCompression).toBe(ReaderCompression.Gzip);
    expect([header.minZoom, header.maxZoom]).toEqual([9, 14]);
    expect(header.minLon).toBeCloseTo(114.3, 6);
    expect(header.minLat).toBeCloseTo(30.51, 6);
    expect(header.maxLon).toBeCloseTo(114.45, 6);
    expect(header.maxLat).toBeCloseTo(30.62, 6);
    expect(header.rootDirectoryOffset).toBe(HEADER_BYTES);
    expect(header.rootDirectoryOffset + header.rootDirectoryLength).toBeLessThanOrEqual(ROOT_LIMIT_BYTES);
    expect(header.numAddressedTiles).toBe(archive.addressedTiles);
    expect(header.numTileContents).toBe(archive.tileContents);
    expect(header.tileDataOffset + (header.tileDataLength ?? 0)).toBe(archive.bytes.length);
    expect(header.clustered).toBe(true);
  });

  it('writes the metadata with vector_layers and their fields', async () => {
    const archive = buildPmtiles({ layers: LAYERS, minZoom: 10, maxZoom: 12, metadata: { name: 'test basemap' } });
    const metadata = (await new PMTiles(new BufferSource(archive.bytes)).getMetadata()) as {
      name: string;
      vector_layers: Array<{ id: string; fields: Record<string, string> }>;
    };
    expect(metadata.name).toBe('test basemap');
    expect(metadata.vector_layers.map((l) => l.id)).toEqual(['water', 'transportation', 'building']);
    expect(metadata.vector_layers.find((l) => l.id === 'building')?.fields).toEqual({
      render_height: 'Number',
      render_min_height: 'Number',
    });
  });

  it('stores every layer of a tile and finds each tile through the directory', async () => {
    const reader = new PMTiles(new BufferSource(buildPmtiles({ layers: LAYERS, minZoom: 9, maxZoom: 14 }).bytes));
    for (let z = 9; z <= 14; z++) {
      const road = await decodedTile(reader, z, 114.38, 30.515);
      expect(road?.layers.transportation?.feature(0).properties.class, `zoom ${z}`).toBe('primary');
      const lake = await decodedTile(reader, z, 114.39, 30.555);
      expect(lake?.layers.water?.feature(0).properties['name:en'], `zoom ${z}`).toBe('East Lake');
    }
    const building = await decodedTile(reader, 14, 114.306, 30.516);
    expect(building?.layers.building?.feature(0).properties.render_height).toBe(120);
    expect(building?.layers.building?.feature(0).type).toBe(3);
    // Outside the data, and outside the zoom range: no tile.
    expect(await decodedTile(reader, 12, 113.0, 29.0)).toBeNull();
    expect(await reader.getZxy(15, 0, 0)).toBeUndefined();
  });

  it('stores identical tiles once and runs of them as one entry', async () => {
    // At zoom 16 the lake covers many tiles whole: the same square, written once.
    const archive = buildPmtiles({ layers: { water: LAYERS.water! }, minZoom: 16, maxZoom: 16 });
    expect(archive.addressedTiles).toBeGreaterThan(20);
    expect(archive.tileContents).toBeLessThan(archive.addressedTiles);
    const reader = new PMTiles(new BufferSource(archive.bytes));
    const header = await reader.getHeader();
    expect(header.numTileEntries).toBeLessThan(header.numAddressedTiles);
    const inner = await decodedTile(reader, 16, 114.39, 30.555);
    expect(inner?.layers.water?.length).toBe(1);
  });

  it('moves entries into leaf directories when the root is limited', async () => {
    const archive = buildPmtiles({ layers: LAYERS, minZoom: 9, maxZoom: 14, maxRootEntries: 8 });
    expect(archive.leafDirectories).toBeGreaterThan(1);
    const reader = new PMTiles(new BufferSource(archive.bytes));
    const header = await reader.getHeader();
    expect(header.leafDirectoryLength).toBeGreaterThan(0);
    for (let z = 9; z <= 14; z++) {
      expect((await decodedTile(reader, z, 114.38, 30.515))?.layers.transportation, `zoom ${z}`).toBeDefined();
    }
  });

  it('writes uncompressed archives too', async () => {
    const reader = new PMTiles(new BufferSource(buildPmtiles({ layers: LAYERS, minZoom: 11, maxZoom: 12, compression: 'none' }).bytes));
    expect((await reader.getHeader()).tileCompression).toBe(ReaderCompression.None);
    expect((await decodedTile(reader, 12, 114.38, 30.515))?.layers.transportation?.length).toBeGreaterThan(0);
  });

  it('numbers tiles on the Hilbert curve exactly as the reader does', () => {
    for (let z = 0; z <= 7; z++) {
      for (let x = 0; x < 2 ** z; x += z > 4 ? 3 : 1) {
        for (let y = 0; y < 2 ** z; y += z > 4 ? 5 : 1) expect(tileIdOf(z, x, y), `${z}/${x}/${y}`).toBe(zxyToTileId(z, x, y));
      }
    }
    expect(tileIdOf(18, 213_000, 107_000)).toBe(zxyToTileId(18, 213_000, 107_000));
    expect(() => tileIdOf(3, 8, 0)).toThrow(/tile 3\/8\/0: x and y must be whole numbers below 8/);
  });

  it('encodes directories column by column with offsets relative to the previous entry', () => {
    const bytes = serializeDirectory([
      { tileId: 5, offset: 0, length: 10, runLength: 1 },
      { tileId: 7, offset: 10, length: 3, runLength: 2 },
      { tileId: 300, offset: 0, length: 10, runLength: 1 },
    ]);
    // count 3 | ids 5, +2, +293 (two bytes) | runs 1,2,1 | lengths 10,3,10 | offsets 0+1, 0 (contiguous), 0+1
    expect([...bytes]).toEqual([3, 5, 2, 0xa5, 0x02, 1, 2, 1, 10, 3, 10, 1, 0, 1]);
    expect(() => serializeDirectory([])).toThrow(/at least one entry/);
  });

  it('refuses layers with nothing to tile and bad zoom ranges, saying what is accepted', () => {
    expect(() => buildPmtiles({ layers: { water: fc([]) }, minZoom: 0, maxZoom: 2 })).toThrow(/no coordinates/);
    expect(() => buildPmtiles({ layers: LAYERS, minZoom: 5, maxZoom: 3 })).toThrow(/zoom range 5\.\.3: expected whole numbers/);
  });
});
