/**
 * Streams an OSM PBF file (`.osm.pbf`) through `osm-pbf-parser-node`: the file is read as a
 * stream of blobs, each inflated and decoded to a block of elements (at most 8,000 per block
 * in files written by osmium), and handed on block by block.
 *
 * Why this parser: a current pure-JavaScript release that streams (a transform over a file
 * stream), reads dense nodes and depends only on `pbf`. See docs/osm-import.md.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { OSMTransform } from 'osm-pbf-parser-node';
import { roundCoordinate, type OsmElement, type OsmElementType, type OsmMember, type OsmSource } from './osm-element.ts';

/** Thrown for a file that cannot be read as OSM PBF; the message names the file. */
export class OsmPbfError extends Error {}

/** The shape of the parser's items (its typings say only `object`). */
interface RawItem {
  type?: string;
  id?: number;
  lat?: number;
  lon?: number;
  refs?: number[];
  members?: { type: string; ref: number; role: string }[];
  tags?: Record<string, string>;
}

/** A source reading an OSM PBF file; each call to `elements` reads the file again. */
export function osmPbfSource(path: string): OsmSource {
  return { name: basename(path), elements: (types) => readOsmPbf(path, types) };
}

async function* readOsmPbf(path: string, types: ReadonlySet<OsmElementType>): AsyncGenerator<OsmElement> {
  const name = basename(path);
  const file = createReadStream(path);
  const blocks = file.pipe(new OSMTransform({ withTags: true, withInfo: false }));
  file.on('error', (err) => blocks.destroy(err));
  let items = 0;
  try {
    for await (const block of blocks) {
      for (const item of block as RawItem[]) {
        items++;
        const element = toElement(item, types);
        if (element) yield element;
      }
    }
  } catch (err) {
    throw new OsmPbfError(`${name}: cannot read as OSM PBF (${(err as Error).message})`);
  } finally {
    blocks.destroy();
    file.destroy();
  }
  if (items === 0) throw new OsmPbfError(`${name}: no OSM data in the file; is it an OSM PBF file?`);
}

function toElement(item: RawItem, types: ReadonlySet<OsmElementType>): OsmElement | null {
  const tags = item.tags ?? {};
  switch (item.type) {
    case 'node':
      return types.has('node')
        ? { type: 'node', id: item.id!, lng: roundCoordinate(item.lon!), lat: roundCoordinate(item.lat!), tags }
        : null;
    case 'way':
      return types.has('way') ? { type: 'way', id: item.id!, refs: item.refs ?? [], tags } : null;
    case 'relation':
      return types.has('relation')
        ? {
            type: 'relation',
            id: item.id!,
            members: (item.members ?? []).map((m) => ({ type: m.type as OsmMember['type'], ref: m.ref, role: m.role ?? '' })),
            tags,
          }
        : null;
    default:
      return null; // the header block
  }
}
