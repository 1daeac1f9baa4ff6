/**
 * OpenStreetMap import into a city package (docs/osm-import.md): read `.osm` or `.osm.pbf`,
 * map roads, water, districts, assets and buildings, write the package folder.
 *
 * ```ts
 * const { layers, report } = await importOsm(openOsmFile('town.osm.pbf'), { adminLevel: 8, timezone: 'Europe/Berlin' });
 * await writeCityPackage('packages/town', layers);
 * ```
 */
import { osmPbfSource } from './osm-pbf-reader.ts';
import { osmXmlSource } from './osm-xml-reader.ts';
import type { OsmSource } from './osm-element.ts';

export type { OsmElement, OsmElementType, OsmMember, OsmNode, OsmRelation, OsmSource, OsmTags, OsmWay } from './osm-element.ts';
export { memorySource } from './osm-element.ts';
export { OsmXmlError, osmXmlSource } from './osm-xml-reader.ts';
export { OsmPbfError, osmPbfSource } from './osm-pbf-reader.ts';
export {
  OsmImportError,
  baseNameOf,
  importOsm,
  isTimeZone,
} from './import-osm.ts';
export type * from './osm-package-types.ts';
export type { RoadProperties } from './road-network.ts';
export type { Bbox } from './city-view.ts';
export { PACKAGE_FILES, PackageWriteError, checkOutputFolder, writeCityPackage } from './package-writer.ts';
export { formatImportReport } from './import-summary.ts';

/** Thrown for a file name that is neither `.osm` nor `.osm.pbf`. */
export class OsmFormatError extends Error {}

/** A source for an OSM file, chosen by its extension: `.osm.pbf`/`.pbf` binary, `.osm`/`.xml` XML. */
export function openOsmFile(path: string): OsmSource {
  if (/\.pbf$/i.test(path)) return osmPbfSource(path);
  if (/\.(osm|xml)$/i.test(path)) return osmXmlSource(path);
  throw new OsmFormatError(`${JSON.stringify(path)} is not an OSM file name; expected FILE.osm.pbf (binary) or FILE.osm (XML)`);
}
