/**
 * The open-data portal's API (docs/open-data.md): the catalogue and its downloads need no login
 * (`public`), each request taken from a token bucket — the API key's (header `x-api-key`) or,
 * without a key, the client address's (a low limit) — answered 429 with Retry-After when empty.
 * Administrators create and revoke keys (`opendata.keys`); a key is shown once and stored as its
 * SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { quoteValue, type CityModel } from '../../../twin-model/index.ts';
import type { SameShape } from '../../../twin-model/schema-check.ts';
import type { OpenDataKeyRow, OpenDataStore } from '../../../storage/index.ts';
import type { AuditRecorder } from '../audit/audit-routes.ts';
import { clientAddress } from '../auth/auth-routes.ts';
import { HttpError, route, type RawResponse, type Route } from '../app/http-router.ts';
import { DATASETS, listing, type Dataset, type DatasetListing } from './catalogue.ts';
import { FORMATS, toCsv, toGeoJson } from './formats.ts';
import { TokenBuckets } from '../app/token-bucket.ts';

/** Longest time range of one download. */
export const MAX_RANGE_DAYS = 31;
/** Most rows of one download. */
export const MAX_ROWS = 10_000;
/** How long a node trusts its copy of the keys (a revocation elsewhere reaches it within this). */
export const KEY_CACHE_MS = 5_000;

export interface OpenDataOptions {
  /** Requests per minute of a client without a key, per address. */
  anonPerMinute: number;
  /** Requests per minute of a key created without its own limit. */
  keyPerMinute: number;
  /** The clock of the rate limits (tests). */
  now?: () => number;
}

export interface OpenDataDeps {
  store: OpenDataStore;
  city: CityModel | null;
  options: OpenDataOptions;
  /** The audit record: key creation and revocation are written to it (stream `config`); null records nothing. */
  audit?: AuditRecorder | null;
}

/** A dataset of the catalogue (catalogue.ts `DatasetListing`). */
const datasetListingSchema = z.object({
  id: z.string(),
  titleZh: z.string(),
  titleEn: z.string(),
  descriptionZh: z.string(),
  descriptionEn: z.string(),
  licence: z.string(),
  updateFrequency: z.enum(['hourly', 'daily']),
  timeSeries: z.boolean().describe('whether from/to apply (a time series) or the dataset is a current list'),
  fields: z.array(
    z.object({
      name: z.string(),
      type: z.enum(['string', 'number', 'integer', 'datetime']),
      unit: z.string().nullable().describe('the SenML unit of a value, or null'),
      descriptionZh: z.string(),
      descriptionEn: z.string(),
    }),
  ),
});
const listingChecked: SameShape<z.infer<typeof datasetListingSchema>, DatasetListing> = true;
void listingChecked;
/** An API key as listed: never the key or its hash. */
const keyListingSchema = z.object({
  keyId: z.string(),
  owner: z.string(),
  perMinute: z.number(),
  createdBy: z.string(),
  createdAt: z.number(),
  revoked: z.boolean(),
});

const KEY_PATTERN = /^od_([0-9a-f]{16})_([0-9A-Za-z_-]{43})$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

const isoTime = (name: string) =>
  z
    .string()
    .max(40)
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const ms = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
      if (Number.isNaN(ms)) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} ${JSON.stringify(v)} is not a time; use ISO 8601 such as 2026-06-01 or 2026-06-01T08:00:00+08:00`,
        });
        return z.NEVER;
      }
      return ms;
    });

const DataQuery = z
  .object({
    format: z.enum(FORMATS).optional(),
    from: isoTime('from'),
    to: isoTime('to'),
    district: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_ROWS).optional(),
  })
  .strict();

/** What the routes share: the store, the city's districts and zone, the rate limits and the key table. */
interface OpenDataContext {
  store: OpenDataStore;
  options: OpenDataOptions;
  audit: AuditRecorder | null;
  districts: Map<string, [number, number]>;
  /** The districts' names, for the portal to show a row's district by name (the data keeps codes). */
  districtNames: Array<{ code: string; nameZh: string; nameEn: string }>;
  timeZone: string;
  /** Takes a token for the request, or throws 401 (a bad key) or 429. */
  admit(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The dataset of that id, or 404 naming the known ids. */
  dataset(id: string): Dataset;
  /** The keys by id, read again when older than KEY_CACHE_MS. */
  keyTable(): Promise<Map<string, OpenDataKeyRow>>;
  /** Forgets the node's copy of the keys (after a change, or before a listing). */
  forgetKeys(): void;
}

export function openDataRoutes(deps: OpenDataDeps): Route[] {
  const ctx = openDataContext(deps);
  return [...openCatalogueRoutes(ctx), openDataDownloadRoute(ctx), ...openDataKeyRoutes(ctx)];
}

function openDataContext(deps: OpenDataDeps): OpenDataContext {
  const { store, options } = deps;
  const buckets = new TokenBuckets(options.now ?? Date.now);
  let keys: { at: number; byId: Map<string, OpenDataKeyRow> } | null = null;
  const keyTable = async (): Promise<Map<string, OpenDataKeyRow>> => {
    if (!keys || Date.now() - keys.at > KEY_CACHE_MS)
      keys = { at: Date.now(), byId: new Map((await store.keys()).map((k) => [k.keyId, k])) };
    return keys.byId;
  };
  const admit = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const header = req.headers['x-api-key'];
    let bucket: string;
    let perMinute: number;
    if (header === undefined) {
      bucket = `addr:${clientAddress(req)}`;
      perMinute = options.anonPerMinute;
    } else {
      const given = Array.isArray(header) ? header.join(',') : header;
      const m = KEY_PATTERN.exec(given);
      const key = m ? (await keyTable()).get(m[1]!) : undefined;
      if (!m || !key || key.revoked || key.keyHash !== hashKey(given))
        throw new HttpError(
          401,
          `the x-api-key ${quoteValue(given.slice(0, 12))}… is not a valid key; leave it out for anonymous access or ask the city for a key`,
        );
      bucket = `key:${key.keyId}`;
      perMinute = key.perMinute;
    }
    const taken = buckets.take(bucket, perMinute);
    res.setHeader('x-ratelimit-limit', String(perMinute));
    res.setHeader('x-ratelimit-remaining', String(taken.remaining));
    if (!taken.ok)
      throw new HttpError(429, `rate limit of ${perMinute} requests per minute reached; retry after ${taken.retryAfterS} s`, {
        retryAfterS: taken.retryAfterS,
      });
  };
  return {
    store,
    options,
    audit: deps.audit ?? null,
    districts: new Map((deps.city?.districts ?? []).map((d) => [d.code, d.seat as [number, number]])),
    districtNames: (deps.city?.districts ?? []).map((d) => ({ code: d.code, nameZh: d.nameZh, nameEn: d.nameEn })),
    timeZone: deps.city?.timezone ?? 'Asia/Shanghai',
    admit,
    dataset: (id) => {
      const d = DATASETS.find((x) => x.id === id);
      if (!d) throw new HttpError(404, `no dataset ${JSON.stringify(id)}; the datasets are ${DATASETS.map((x) => x.id).join(', ')}`);
      return d;
    },
    keyTable,
    forgetKeys: () => {
      keys = null;
    },
  };
}

/** The catalogue and one dataset of it. */
function openCatalogueRoutes(ctx: OpenDataContext): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/open/datasets',
      operationId: 'listOpenDatasets',
      response: z.object({
        datasets: z.array(datasetListingSchema),
        formats: z.array(z.enum(FORMATS)).readonly(),
        maxRangeDays: z.number(),
        maxRows: z.number(),
        timeZone: z.string(),
        districts: z.array(z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string() })),
      }),
      permission: 'public',
      tag: 'open data',
      summary: 'The open-data catalogue: every dataset with its description, licence, update frequency and fields (no login)',
      returns: '{datasets: DatasetListing[], formats, maxRangeDays, maxRows, timeZone, districts: {code, nameZh, nameEn}[]}',
      handler: async ({ req, res }) => {
        await ctx.admit(req, res);
        return {
          datasets: DATASETS.map(listing),
          formats: FORMATS,
          maxRangeDays: MAX_RANGE_DAYS,
          maxRows: MAX_ROWS,
          timeZone: ctx.timeZone,
          districts: ctx.districtNames,
        };
      },
    }),
    route({
      method: 'GET',
      path: '/api/open/datasets/{datasetId}',
      operationId: 'getOpenDataset',
      response: datasetListingSchema,
      permission: 'public',
      tag: 'open data',
      summary: 'One dataset of the open-data catalogue (no login)',
      params: z.object({ datasetId: z.string().max(64) }),
      returns: 'DatasetListing',
      handler: async ({ params, req, res }) => {
        await ctx.admit(req, res);
        return listing(ctx.dataset(params.datasetId));
      },
    }),
  ];
}

/** The rows of a dataset, in the format asked for. */
function openDataDownloadRoute(ctx: OpenDataContext): Route {
  return route({
    method: 'GET',
    path: '/api/open/datasets/{datasetId}/data',
    operationId: 'getOpenDatasetData',
    response: z.never(),
    media: ['application/json; charset=utf-8', 'text/csv; charset=utf-8', 'application/geo+json; charset=utf-8'],
    permission: 'public',
    tag: 'open data',
    summary: `Rows of a dataset as JSON, CSV or GeoJSON (no login): from/to (ISO 8601, at most ${MAX_RANGE_DAYS} days, default the last 24 h), district, limit (at most ${MAX_ROWS})`,
    params: z.object({ datasetId: z.string().max(64) }),
    query: DataQuery,
    returns: 'JSON {dataset, from, to, rows}, CSV with a header line, or a GeoJSON FeatureCollection',
    handler: async ({ params, query, req, res }): Promise<RawResponse> => {
      await ctx.admit(req, res);
      const d = ctx.dataset(params.datasetId);
      const to = query.to ?? Date.now();
      const from = query.from ?? to - 24 * 3600_000;
      if (from >= to) throw new HttpError(400, `from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`);
      if (to - from > MAX_RANGE_DAYS * 86_400_000)
        throw new HttpError(
          400,
          `the range from ${new Date(from).toISOString()} to ${new Date(to).toISOString()} is over ${MAX_RANGE_DAYS} days; ask for at most ${MAX_RANGE_DAYS} days at a time`,
        );
      if (query.district !== undefined && !ctx.districts.has(query.district))
        throw new HttpError(
          400,
          `unknown district ${JSON.stringify(query.district)}; the districts are ${[...ctx.districts.keys()].join(', ')}`,
        );
      const rows = await d.rows(
        ctx.store,
        { from, to, district: query.district ?? null, limit: query.limit ?? MAX_ROWS, timeZone: ctx.timeZone },
        ctx.districts,
      );
      const format = query.format ?? 'json';
      const name = `${d.id}.${format === 'geojson' ? 'geojson' : format}`;
      res.setHeader('content-disposition', `inline; filename="${name}"`);
      res.setHeader('access-control-allow-origin', '*');
      if (format === 'csv') return { raw: true, contentType: 'text/csv; charset=utf-8', body: toCsv(d.fields, rows) };
      if (format === 'geojson')
        return { raw: true, contentType: 'application/geo+json; charset=utf-8', body: JSON.stringify(toGeoJson(rows)) };
      const body = {
        dataset: d.id,
        licence: d.licence,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        truncated: rows.length >= (query.limit ?? MAX_ROWS),
        rows: rows.map((r) => r.values),
      };
      return { raw: true, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
    },
  });
}

/** API keys: listed, created (shown once) and revoked by administrators; creation and revocation are audited. */
function openDataKeyRoutes(ctx: OpenDataContext): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/open/keys',
      operationId: 'listOpenDataKeys',
      response: z.array(keyListingSchema),
      permission: 'opendata.keys',
      tag: 'open data',
      summary: 'The open-data API keys (owner, limit, created, revoked; never the key or its hash)',
      returns: 'Array of {keyId, owner, perMinute, createdBy, createdAt, revoked}',
      handler: async () => {
        ctx.forgetKeys();
        return [...(await ctx.keyTable()).values()].map(({ keyHash: _h, ...k }) => k);
      },
    }),
    route({
      method: 'POST',
      path: '/api/open/keys',
      operationId: 'createOpenDataKey',
      response: z.object({
        keyId: z.string(),
        key: z.string().describe('the key itself, in this answer only'),
        owner: z.string(),
        perMinute: z.number(),
      }),
      permission: 'opendata.keys',
      tag: 'open data',
      summary: 'Creates an open-data API key for a developer; the key is in this answer only',
      body: z.object({
        owner: z.string().trim().min(1).max(120),
        perMinute: z.number().int().min(1).max(100_000).optional(),
      }),
      returns: '{keyId, key, owner, perMinute}',
      handler: async ({ body, principal }) => {
        const keyId = randomBytes(8).toString('hex');
        const key = `od_${keyId}_${randomBytes(32).toString('base64url')}`;
        const row: OpenDataKeyRow = {
          keyId,
          keyHash: hashKey(key),
          owner: body.owner,
          perMinute: body.perMinute ?? ctx.options.keyPerMinute,
          createdBy: principal?.username ?? '',
          createdAt: Date.now(),
          revoked: false,
        };
        await ctx.store.saveKey(row);
        ctx.forgetKeys();
        ctx.audit?.record({
          at: row.createdAt,
          actor: row.createdBy,
          stream: 'config',
          action: 'opendata_key_created',
          object: keyId,
          detail: `open-data key for ${row.owner}, ${row.perMinute} requests per minute`,
          data: { keyId, owner: row.owner, perMinute: row.perMinute },
        });
        return { keyId, key, owner: row.owner, perMinute: row.perMinute };
      },
    }),
    openDataKeyRevokeRoute(ctx),
  ];
}

/** Revokes a key: refused on every node within KEY_CACHE_MS. */
function openDataKeyRevokeRoute(ctx: OpenDataContext): Route {
  return route({
    method: 'DELETE',
    path: '/api/open/keys/{keyId}',
    operationId: 'revokeOpenDataKey',
    response: z.object({ keyId: z.string(), revoked: z.boolean() }),
    permission: 'opendata.keys',
    tag: 'open data',
    summary: 'Revokes an open-data API key (refused on every node within 5 s)',
    params: z.object({ keyId: z.string().max(64) }),
    returns: '{keyId, revoked: true}',
    handler: async ({ params, principal }) => {
      ctx.forgetKeys();
      const key = (await ctx.keyTable()).get(params.keyId);
      if (!key) throw new HttpError(404, `no open-data key ${JSON.stringify(params.keyId)}`);
      await ctx.store.saveKey({ ...key, revoked: true });
      ctx.forgetKeys();
      ctx.audit?.record({
        at: Date.now(),
        actor: principal?.username ?? '',
        stream: 'config',
        action: 'opendata_key_revoked',
        object: key.keyId,
        detail: `open-data key of ${key.owner}`,
        data: { keyId: key.keyId, owner: key.owner, wasRevoked: key.revoked },
      });
      return { keyId: key.keyId, revoked: true };
    },
  });
}
