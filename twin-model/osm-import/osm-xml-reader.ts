/**
 * Streams an OSM XML file (`.osm`, API 0.6 format as written by JOSM, osmium and the OSM API)
 * through `saxes`: the file is read in chunks and each chunk's complete elements are handed
 * on before the next chunk is read, so memory does not grow with the file.
 *
 * This file and `osm-pbf-reader.ts` are the import's only readers of the file system.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { roundCoordinate, type OsmElement, type OsmElementType, type OsmMember, type OsmSource } from './osm-element.ts';

const CHUNK_BYTES = 64 * 1024;
const MEMBER_TYPES: readonly string[] = ['node', 'way', 'relation'];

/** Thrown for a file that is not well-formed OSM XML; the message names the file, line and column. */
export class OsmXmlError extends Error {}

interface Draft {
  type: OsmElementType;
  id: number;
  lng: number;
  lat: number;
  refs: number[];
  members: OsmMember[];
  tags: Record<string, string>;
  /** JOSM marks deleted objects with action="delete"; the OSM API marks them visible="false". */
  deleted: boolean;
}

/** A source reading an OSM XML file; each call to `elements` reads the file again. */
export function osmXmlSource(path: string): OsmSource {
  return { name: basename(path), elements: (types) => readOsmXml(path, types) };
}

async function* readOsmXml(path: string, types: ReadonlySet<OsmElementType>): AsyncGenerator<OsmElement> {
  const name = basename(path);
  const parser = new SaxesParser({ position: true });
  const ready: OsmElement[] = [];
  let draft: Draft | null = null;
  let sawRoot = false;
  const fail = (message: string): never => {
    throw new OsmXmlError(`${name}:${parser.line}:${parser.column}: ${message}`);
  };
  const number = (tag: SaxesTagPlain, attr: string): number => {
    const raw = tag.attributes[attr];
    const value = raw === undefined ? Number.NaN : Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(value)) {
      fail(`<${tag.name}> has ${attr}=${JSON.stringify(raw ?? null)}; a number is expected`);
    }
    return value;
  };
  parser.on('error', (err) => {
    throw new OsmXmlError(`${name}: not well-formed XML: ${err.message}`);
  });
  parser.on('opentag', (tag) => {
    const plain = tag as SaxesTagPlain;
    switch (plain.name) {
      case 'osm':
      case 'osmChange':
        sawRoot = true;
        return;
      case 'node':
      case 'way':
      case 'relation': {
        if (!sawRoot) fail(`<${plain.name}> outside an <osm> element; this is not an OSM XML file`);
        const type = plain.name;
        const id = number(plain, 'id');
        if (!Number.isSafeInteger(id)) fail(`<${type}> has id=${JSON.stringify(plain.attributes.id)}; a whole number is expected`);
        const deleted = plain.attributes.action === 'delete' || plain.attributes.visible === 'false';
        draft = { type, id, lng: 0, lat: 0, refs: [], members: [], tags: {}, deleted };
        if (type === 'node' && types.has('node') && !deleted) {
          const lat = number(plain, 'lat');
          const lng = number(plain, 'lon');
          if (lat < -90 || lat > 90 || lng < -180 || lng > 180)
            fail(`node ${id} has lat=${lat} lon=${lng}; lat must be within ±90 and lon within ±180`);
          draft.lat = roundCoordinate(lat);
          draft.lng = roundCoordinate(lng);
        }
        return;
      }
      case 'tag':
        if (draft) {
          const k = plain.attributes.k;
          const v = plain.attributes.v;
          if (k === undefined || v === undefined) fail(`<tag> needs k and v attributes`);
          draft.tags[k!] = v!;
        }
        return;
      case 'nd':
        if (draft?.type === 'way') draft.refs.push(number(plain, 'ref'));
        return;
      case 'member':
        if (draft?.type === 'relation') {
          const type = plain.attributes.type ?? '';
          if (!MEMBER_TYPES.includes(type)) fail(`<member> has type=${JSON.stringify(type)}; expected node, way or relation`);
          draft.members.push({ type: type as OsmMember['type'], ref: number(plain, 'ref'), role: plain.attributes.role ?? '' });
        }
        return;
      default:
        return; // <bounds>, <changeset>, <note>, <meta>: nothing the import uses
    }
  });
  parser.on('closetag', (tag) => {
    if (!draft || tag.name !== draft.type) return;
    const d: Draft = draft;
    draft = null;
    if (d.deleted || !types.has(d.type)) return;
    switch (d.type) {
      case 'node':
        ready.push({ type: 'node', id: d.id, lng: d.lng, lat: d.lat, tags: d.tags });
        break;
      case 'way':
        ready.push({ type: 'way', id: d.id, refs: d.refs, tags: d.tags });
        break;
      case 'relation':
        ready.push({ type: 'relation', id: d.id, members: d.members, tags: d.tags });
        break;
    }
  });

  // The stream decodes UTF-8 across chunk boundaries (a character split between two reads).
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream) {
      parser.write(chunk as string);
      if (ready.length > 0) {
        yield* ready;
        ready.length = 0;
      }
    }
    parser.close();
    yield* ready;
    ready.length = 0;
  } finally {
    stream.destroy();
  }
  if (!sawRoot) throw new OsmXmlError(`${name}: no <osm> element; this is not an OSM XML file`);
}
