/**
 * The one element model both OSM readers produce (XML `.osm` and binary `.osm.pbf`), so the
 * import never knows which format it reads. Coordinates are rounded to OSM's own precision
 * (1e-7 degree, the fixed-point grid of the OSM database and of PBF), so the same data gives
 * bit-identical numbers from either format.
 */

/** Tags of an element: key → value (OSM keys are unique per element). */
export type OsmTags = Readonly<Record<string, string>>;

export interface OsmNode {
  type: 'node';
  id: number;
  lng: number;
  lat: number;
  tags: OsmTags;
}

export interface OsmWay {
  type: 'way';
  id: number;
  /** Node ids in drawing order; a closed way repeats its first node at the end. */
  refs: readonly number[];
  tags: OsmTags;
}

export interface OsmMember {
  type: 'node' | 'way' | 'relation';
  ref: number;
  role: string;
}

export interface OsmRelation {
  type: 'relation';
  id: number;
  members: readonly OsmMember[];
  tags: OsmTags;
}

export type OsmElement = OsmNode | OsmWay | OsmRelation;
export type OsmElementType = OsmElement['type'];

/**
 * A readable OSM data set. `elements` may be called several times (the import reads the data
 * in passes, so it never holds the whole file); each call streams the elements again, in file
 * order. `types` is a hint: a reader may skip building elements of other types, and the
 * caller ignores them if it does not.
 */
export interface OsmSource {
  /** What to call the data in messages (usually the file name). */
  readonly name: string;
  elements(types: ReadonlySet<OsmElementType>): AsyncIterable<OsmElement>;
}

/** Rounds a coordinate to OSM's 1e-7 degree grid. */
export function roundCoordinate(value: number): number {
  return Math.round(value * 1e7) / 1e7;
}

/** An in-memory source (tests, small generated data). */
export function memorySource(name: string, elements: readonly OsmElement[]): OsmSource {
  return {
    name,
    async *elements(types) {
      for (const e of elements) if (types.has(e.type)) yield e;
    },
  };
}
