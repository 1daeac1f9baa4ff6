/**
 * `GET /api/search`: the console's one search box. Finds what the caller may see — districts,
 * named roads and assets (the city's map, for every signed-in role); sensors within the
 * caller's classification clearance (`live.read`); active incidents as the caller's clearance
 * sees them (`incidents.read`: a coarse place and no asset when evidence is withheld);
 * response units (`units.read`) — by id and by zh-CN or English names (search-index.ts).
 */
import { z } from 'zod';
import type { CityModel } from '../../../twin-model/index.ts';
import type { DispatchService } from '../dispatch/dispatch-service.ts';
import {
  SEARCH_DEFAULT_LIMIT,
  SEARCH_KINDS,
  SEARCH_MAX_LIMIT,
  SEARCH_MAX_QUERY,
  type SearchResponse,
} from '../../shared/search-protocol.ts';
import type { SameShape } from '../../../twin-model/schema-check.ts';
import { hasPermission } from '../auth/policy.ts';
import { HttpError, route, type Route } from '../app/http-router.ts';
import { incidentViewer } from '../incidents/incident-view.ts';
import type { TwinService } from '../live/twin-service.ts';
import { cityCandidates, incidentCandidate, search, sensorCandidate, unitCandidate, type SearchCandidate } from './search-index.ts';

const num = z.number();
/** The answer of `GET /api/search` (web/shared/search-protocol.ts), checked against its type below. */
export const searchResponseSchema = z.object({
  q: z.string(),
  hits: z.array(
    z.object({
      kind: z.enum(SEARCH_KINDS),
      id: z.string(),
      nameZh: z.string(),
      nameEn: z.string(),
      type: z.string().nullable(),
      district: z.string().nullable(),
      lng: num,
      lat: num,
      bbox: z.tuple([num, num, num, num]).nullable(),
      lines: z.array(z.array(z.tuple([num, num]))).nullable(),
    }),
  ),
  truncated: z.boolean(),
});
true satisfies SameShape<z.infer<typeof searchResponseSchema>, SearchResponse>;

export interface SearchRouteDeps {
  twin: TwinService;
  city: CityModel | null;
  /** The response units, or null where the server has no dispatch. */
  dispatch: DispatchService | null;
}

export function searchRoutes(deps: SearchRouteDeps): Route[] {
  let cityThings: SearchCandidate[] | null = null;
  const sites = new Map((deps.city?.sensorSites ?? []).map((s) => [s.id, s]));
  const districts = new Map((deps.city?.districts ?? []).map((d) => [d.code, d]));
  const assets = new Map((deps.city?.assets ?? []).map((a) => [a.id, a]));

  return [
    route({
      method: 'GET',
      path: '/api/search',
      permission: 'city.read',
      operationId: 'search',
      tag: 'city',
      summary: 'Find sensors, incidents, response units, districts, roads and assets by id or name (zh-CN or English)',
      description:
        "Every word of `q` must match an id or a name (or, ranked lower, a sensor's kind, an incident's district or asset); hits are ranked whole match, start, word start, inside. Only what the caller may see is searched: sensors within its classification clearance (`live.read`), active incidents (`incidents.read`), units (`units.read`); districts, named roads and assets for everyone signed in.",
      response: searchResponseSchema,
      returns: 'SearchResponse { q, hits: [{ kind, id, nameZh, nameEn, type, district, lng, lat, bbox, lines }], truncated }',
      query: z.object({
        q: z
          .string()
          .trim()
          .min(1, 'q is empty: give a few characters of an id or a name')
          .max(SEARCH_MAX_QUERY, `q is longer than ${SEARCH_MAX_QUERY} characters`),
        limit: z.coerce.number().int().min(1).max(SEARCH_MAX_LIMIT).default(SEARCH_DEFAULT_LIMIT),
      }),
      handler: ({ query, principal }): SearchResponse => {
        if (!principal) throw new HttpError(401, 'sign in first');
        const roles = principal.roles;
        const clearance = principal.clearance;
        const cleared = new Set(clearance);
        if (!cityThings) cityThings = deps.city ? cityCandidates(deps.city) : [];
        const things = cityThings;
        const { twin, dispatch } = deps;
        const kindLabel = (kind: string) => twin.vocabulary.kind(kind)?.label;
        function* candidates(): Generator<SearchCandidate> {
          yield* things;
          if (hasPermission(roles, 'live.read'))
            for (const s of twin.state.sensors) {
              if (!cleared.has(twin.stream.classify(s))) continue;
              const c = sensorCandidate(s, sites.get(s.id)?.nameEn ?? null, kindLabel);
              if (c) yield c;
            }
          if (hasPermission(roles, 'incidents.read')) {
            // As the caller sees it: with evidence withheld, its place is coarse and its asset unnamed.
            const view = incidentViewer(clearance, twin.classifyEvidence);
            for (const i of twin.activeIncidents()) {
              const v = view(i);
              const d = v.district ? districts.get(v.district) : undefined;
              const a = v.assetId ? assets.get(v.assetId) : undefined;
              const places = [d?.nameZh, d?.nameEn, a?.nameZh, a?.nameEn, v.assetId].filter((p): p is string => !!p);
              yield incidentCandidate(v, places);
            }
          }
          if (dispatch && hasPermission(roles, 'units.read')) for (const u of dispatch.units()) yield unitCandidate(u);
        }
        return { q: query.q, ...search(candidates(), query.q, query.limit) };
      },
    }),
  ];
}
