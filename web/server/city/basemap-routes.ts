/**
 * The base map routes (web/shared/basemap-protocol.ts): the city's GeoJSON layers, its PMTiles
 * archive by byte ranges, and the bundled style to draw the archive with. All three need
 * `city.read`, like every city route; a wall display's token carries it.
 */
import { z } from 'zod';
import type { CityBasemap } from '../../../twin-model/index.ts';
import { BASEMAP_PMTILES_PATH, BASEMAP_VARIANTS, type BasemapPayload } from '../../shared/basemap-protocol.ts';
import { basemapPayloadSchema } from '../../shared/api-schemas.ts';
import { buildVectorStyle } from '../../shared/vector-basemap-style.ts';
import { HttpError, route, type Route, type RouteContext } from '../app/http-router.ts';
import type { BasemapArchive } from './pmtiles-archive.ts';
import { sendFileRange } from './range-file.ts';

export interface BasemapRoutesDeps {
  /** The city model's GeoJSON base map, or null when no city model is loaded. */
  basemap: () => CityBasemap | null;
  /** The city's PMTiles basemap, or null. */
  archive: () => BasemapArchive | null;
}

/** Recommended media type of PMTiles (spec/v3/spec.md §1). */
const PMTILES_TYPE = 'application/vnd.pmtiles';
/** Private: the archive needs a sign-in. A changed archive changes its ETag, which the reader checks. */
const PMTILES_CACHE = 'private, max-age=300';

const NO_ARCHIVE = 'this city has no PMTiles basemap; the console draws the GeoJSON layers of /api/city/basemap';

const styleQuery = z.object({
  variant: z
    .enum(BASEMAP_VARIANTS, {
      error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 40))} is not a style; accepted: ${BASEMAP_VARIANTS.join(', ')}`,
    })
    .default('dark'),
  lang: z
    .enum(['zh', 'en'], { error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 40))} is not a language; accepted: zh, en` })
    .default('zh'),
});

/** A maplibre style (v8), described by its top level: the style specification defines the rest. */
const styleSchema = z.looseObject({
  version: z.literal(8),
  name: z.string().optional(),
  sources: z.record(z.string(), z.looseObject({ type: z.string() })),
  layers: z.array(z.looseObject({ id: z.string(), type: z.string() })),
});

export function basemapRoutes(deps: BasemapRoutesDeps): Route[] {
  const serveArchive = async ({ req, res }: RouteContext<unknown, unknown>): Promise<undefined> => {
    const archive = deps.archive();
    if (!archive) throw new HttpError(404, NO_ARCHIVE);
    try {
      await sendFileRange(req, res, archive.path, { contentType: PMTILES_TYPE, cacheControl: PMTILES_CACHE });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Gone since start-up (a package being replaced): say so without the server's paths.
      if (!res.headersSent && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR'))
        throw new HttpError(404, `the PMTiles basemap is configured but cannot be read (${code})`);
      throw err;
    }
    return undefined;
  };
  return [
    route({
      method: 'GET',
      path: '/api/city/basemap',
      operationId: 'getCityBasemap',
      response: basemapPayloadSchema,
      permission: 'city.read',
      tag: 'city',
      summary:
        'The city base map: GeoJSON layers (districts, zones, water, roads, labels, assets, buildings when the model has them) and the PMTiles basemap, if any',
      description:
        "`vector` describes the city's PMTiles basemap (URL, zoom range, bounds, attribution, styles) or is null: then the console draws the GeoJSON layers.",
      returns: 'BasemapPayload (web/shared/basemap-protocol.ts)',
      handler: (): BasemapPayload => {
        const map = deps.basemap();
        if (!map) throw new HttpError(404, 'no city model is loaded');
        return { ...map, vector: deps.archive()?.info ?? null };
      },
    }),
    route({
      method: 'GET',
      path: BASEMAP_PMTILES_PATH,
      operationId: 'getCityBasemapArchive',
      response: z.never(),
      permission: 'city.read',
      tag: 'city',
      summary: "The city's PMTiles basemap archive, by byte ranges (HEAD gives its length and validators)",
      description:
        'Byte ranges (RFC 9110): `Range: bytes=FIRST-LAST` (or `FIRST-`, `-SUFFIX`) answers 206 with Content-Range; a range past the end or malformed answers 416 with `Content-Range: bytes */SIZE`; several ranges answer the whole file. Strong ETag and Last-Modified; If-Range, If-Match (412), If-None-Match and If-Modified-Since (304). 404 when the city has no PMTiles basemap.',
      returns: 'application/vnd.pmtiles (the archive or the bytes asked for)',
      media: [PMTILES_TYPE],
      handler: serveArchive,
    }),
    route({
      method: 'GET',
      path: '/api/city/style',
      operationId: 'getCityStyle',
      response: styleSchema,
      permission: 'city.read',
      tag: 'city',
      summary: "The maplibre style (bundled, OpenMapTiles schema) that draws the city's PMTiles basemap: variant dark (default) or light",
      description: `Labels in \`lang\` (zh default, en). The source URL is \`pmtiles:///api/city/basemap.pmtiles\`, relative to this server; the console makes it absolute. 404 when the city has no PMTiles basemap. No glyphs, no sprite, no other URL (docs/basemaps.md).`,
      query: styleQuery,
      returns: 'StyleSpecification (maplibre style v8)',
      handler: ({ query }) => {
        if (!deps.archive()) throw new HttpError(404, NO_ARCHIVE);
        return buildVectorStyle(query.variant, query.lang);
      },
    }),
  ];
}
