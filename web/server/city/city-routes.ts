/**
 * The city's own routes: the city itself (names, time zone, initial view), the districts, and
 * the data sources with what the ingest did with their messages. All need `city.read`. (The
 * vocabulary has its own module: vocabulary-routes.ts.)
 */
import type { CityModel } from '../../../twin-model/index.ts';
import { cityTimeZone } from '../../../twin-model/local-time.ts';
import { z } from 'zod';
import { cityInfoSchema, sourceListingSchema } from '../../shared/api-schemas.ts';
import type { CityInfo, SourceIngestCounts, SourceListing } from '../../shared/protocol.ts';
import { UNCLASSIFIED_AS } from '../auth/policy.ts';
import { HttpError, route, type Route } from '../app/http-router.ts';

export interface CityRoutesDeps {
  city: CityModel | null;
  /** The ingest's counts per source (received, stored, rejected, pending), or absent without an ingest. */
  sourceCounts?: () => ReadonlyMap<string, SourceIngestCounts>;
}

export function cityRoutes(deps: CityRoutesDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/city',
      operationId: 'getCity',
      response: cityInfoSchema,
      permission: 'city.read',
      tag: 'city',
      summary: 'The city the server runs: id, names, IANA time zone, initial map view (center, zoom) and extent',
      description:
        'From the city package (`city.json`); the console names the city in its header and KPI title, starts its map at `center`/`zoom`, and shows every local time in `timezone`.',
      returns: 'CityInfo (web/shared/protocol.ts)',
      handler: (): CityInfo => {
        const city = deps.city;
        if (!city) throw new HttpError(404, 'no city model is loaded');
        return cityInfo(city);
      },
    }),
    route({
      method: 'GET',
      path: '/api/city/districts',
      operationId: 'listDistricts',
      response: z.array(z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string(), seat: z.tuple([z.number(), z.number()]) })),
      permission: 'city.read',
      tag: 'city',
      summary: 'Districts with codes and names',
      returns: 'Array of {code, nameZh, nameEn, seat}',
      handler: () => (deps.city?.districts ?? []).map((d) => ({ code: d.code, nameZh: d.nameZh, nameEn: d.nameEn, seat: d.seat })),
    }),
    route({
      method: 'GET',
      path: '/api/sources',
      operationId: 'listSources',
      response: z.array(sourceListingSchema),
      permission: 'city.read',
      tag: 'city',
      summary:
        'Data sources with their department and classification, and what the ingest did with their messages (received = stored + rejected + pending)',
      returns: 'Array of SourceListing',
      handler: (): SourceListing[] => sourceListing(deps.city?.sources ?? [], deps.sourceCounts?.() ?? null),
    }),
  ];
}

/** The registered sources with their counts, then the sources the ingest saw that the city does not register. */
export function sourceListing(registered: CityModel['sources'], counts: ReadonlyMap<string, SourceIngestCounts> | null): SourceListing[] {
  const listed: SourceListing[] = registered.map((s) => ({
    ...s,
    registered: true,
    ingest: counts ? (counts.get(s.id) ?? { received: 0, stored: 0, rejected: 0, pending: 0 }) : null,
  }));
  const known = new Set(registered.map((s) => s.id));
  for (const [id, c] of counts ?? []) {
    if (!known.has(id))
      listed.push({
        id,
        nameZh: id,
        nameEn: id,
        departmentZh: '',
        departmentEn: '',
        classification: UNCLASSIFIED_AS,
        registered: false,
        ingest: c,
      });
  }
  return listed;
}

/** The city as `GET /api/city` describes it. */
export function cityInfo(city: CityModel): CityInfo {
  const [w, s, e, n] = city.bbox;
  const id = city.id ?? 'city';
  return {
    id,
    name: city.name ?? { zh: id, en: id },
    timezone: cityTimeZone(city),
    center: city.center ?? [(w + e) / 2, (s + n) / 2],
    zoom: city.zoom ?? 10,
    bbox: [w, s, e, n],
  };
}
