/**
 * A small typed router over node:http. Each route declares its path parameters and query
 * as zod schemas; the same table drives validation, dispatch and the OpenAPI document, so
 * the docs cannot drift from what the server accepts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { quoteValue } from '../../../twin-model/quote-value.ts';
import type { Principal } from '../auth/auth-service.ts';
import type { Access } from '../auth/policy.ts';
import { firstInvalidUtf8, jsonDepth, MAX_JSON_DEPTH } from './body-checks.ts';
import { type ErrorLog, internalErrorBody, logInternalError, ServiceUnavailableError } from './internal-error.ts';

/** Largest JSON request body accepted (413 beyond). */
export const MAX_BODY_BYTES = 16 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface RouteContext<P, Q, B = unknown> {
  params: P;
  query: Q;
  /** The parsed JSON body (routes with a `body` schema). */
  body: B;
  /** Who is asking; null only on `public` and `probe` routes. */
  principal: Principal | null;
  req: IncomingMessage;
  res: ServerResponse;
}

/** A handler returns a JSON-able value (sent as 200 JSON), or a RawResponse, or handles `res` itself and returns undefined. */
export interface RawResponse {
  raw: true;
  status?: number;
  contentType: string;
  body: string | Buffer;
}

/**
 * What a handler gives back: a value of its route's response schema (sent as 200 JSON), a
 * RawResponse (another media type), or nothing when it wrote `res` itself.
 */
export type RouteResult<R extends z.ZodTypeAny> = z.input<R> | RawResponse | undefined;

export interface Route<
  P extends z.ZodTypeAny = z.ZodTypeAny,
  Q extends z.ZodTypeAny = z.ZodTypeAny,
  B extends z.ZodTypeAny = z.ZodTypeAny,
  R extends z.ZodTypeAny = z.ZodTypeAny,
> {
  /** A GET route answers HEAD too (RFC 9110 §9.3.2; Node sends no body for HEAD). */
  method: 'GET' | 'POST' | 'DELETE';
  /**
   * Who may call it (auth/policy.ts): a permission, `public` or `probe`. Required, so a new
   * route cannot be added without a decision; the router enforces it before anything else.
   */
  permission: Access;
  /** Path with `{name}` parameters, e.g. `/api/sensors/{sensorId}`. */
  path: string;
  /** The operation's unique name in the OpenAPI document (what generated clients call it), e.g. `listIncidents`. */
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  /** JSON body schema (POST); bodies over {@link MAX_BODY_BYTES} (or `maxBodyBytes`) get 413. */
  body?: B;
  /** A larger body limit for this route (whole documents such as a rule set). @default MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /**
   * The 200 answer's JSON body: the handler returns this schema's type, and the OpenAPI document
   * describes it from the same schema. `z.never()` for a route that answers only `media`.
   */
  response: R;
  /** Media types the 200 answer has instead of JSON (a RawResponse, or written to `res`). */
  media?: readonly string[];
  /** The 200 answer in words, for the docs. */
  returns: string;
  handler: (ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<RouteResult<R>> | RouteResult<R>;
}

/** Declares a route with inferred parameter, body and response types. */
export function route<
  P extends z.ZodTypeAny = z.ZodObject<Record<never, never>>,
  Q extends z.ZodTypeAny = z.ZodObject<Record<never, never>>,
  B extends z.ZodTypeAny = z.ZodUnknown,
  R extends z.ZodTypeAny = z.ZodTypeAny,
>(r: Route<P, Q, B, R>): Route {
  return r as unknown as Route;
}

/**
 * Decides whether a request may use a route: returns the principal (null for `public` and
 * anonymous `probe` access) or throws an HttpError (401 not signed in, 403 not allowed).
 */
export type RouteGuard = (req: IncomingMessage, route: Route) => Promise<Principal | null>;

/** Reads a JSON body of at most `limit` bytes; 415 unless it is declared JSON (which also keeps cross-site forms out). */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new HttpError(415, `the body must be JSON (content-type: application/json), got ${quoteValue(String(type))}`);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new HttpError(413, `the body is ${declared} bytes; at most ${limit} are accepted`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the body is over ${limit} bytes`);
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0)
    throw new HttpError(
      400,
      `the body is not valid UTF-8 (first bad byte at offset ${bad}: 0x${bytes.subarray(bad, bad + 4).toString('hex')}); send JSON encoded as UTF-8`,
    );
  if (jsonDepth(bytes) > MAX_JSON_DEPTH)
    throw new HttpError(
      400,
      `the body is nested deeper than ${MAX_JSON_DEPTH} levels (objects and arrays); at most ${MAX_JSON_DEPTH} are accepted`,
    );
  const text = bytes.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
}

interface Compiled {
  route: Route;
  regex: RegExp;
  names: string[];
}

function compile(r: Route): Compiled {
  const names: string[] = [];
  const escapeRegExp = (text: string) => text.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  let pattern = '';
  let last = 0;
  for (const m of r.path.matchAll(/\{(\w+)\}/g)) {
    pattern += `${escapeRegExp(r.path.slice(last, m.index))}([^/]+)`;
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  pattern += escapeRegExp(r.path.slice(last));
  return { route: r, regex: new RegExp(`^${pattern}$`), names };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function zodMessage(error: z.ZodError, where: string): { error: string; issues: Array<{ path: string; message: string }> } {
  const issues = error.issues.map((i) => ({ path: `${where}.${i.path.join('.')}`, message: i.message }));
  return { error: `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues };
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(
    readonly routes: readonly Route[],
    private readonly guard: RouteGuard,
    /** Where an internal error is logged in full; the client gets only a worded error and its id. */
    private readonly log: ErrorLog = () => undefined,
  ) {
    this.compiled = routes.map(compile);
  }

  /** Handles the request if a route matches its path; returns false when none does. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const matches = this.compiled.filter((c) => c.regex.test(url.pathname));
    if (matches.length === 0) return false;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const match = matches.find((c) => c.route.method === method);
    if (!match) {
      res.setHeader('allow', matches.map((m) => m.route.method).join(', '));
      sendJson(res, 405, { error: `method ${req.method} not allowed on ${url.pathname}` });
      return true;
    }
    try {
      // Access first: an unauthorised caller learns nothing from validation errors.
      const principal = await this.guard(req, match.route);
      const groups = match.regex.exec(url.pathname)!.slice(1);
      const rawParams: Record<string, string> = {};
      match.names.forEach((n, i) => {
        try {
          rawParams[n] = decodeURIComponent(groups[i] ?? '');
        } catch {
          throw new HttpError(400, `path parameter ${n} is not valid percent-encoding`);
        }
      });
      const rawQuery: Record<string, string> = {};
      for (const [k, v] of url.searchParams) {
        if (k in rawQuery) throw new HttpError(400, `query parameter ${k} is given more than once`);
        rawQuery[k] = v;
      }
      const params = match.route.params ? match.route.params.safeParse(rawParams) : { success: true as const, data: rawParams };
      if (!params.success) throw new HttpError(400, zodMessage(params.error, 'path').error, zodMessage(params.error, 'path').issues);
      const query = match.route.query ? match.route.query.safeParse(rawQuery) : { success: true as const, data: {} };
      if (!query.success) throw new HttpError(400, zodMessage(query.error, 'query').error, zodMessage(query.error, 'query').issues);
      let body: unknown;
      if (match.route.body) {
        const parsed = match.route.body.safeParse(await readJsonBody(req, match.route.maxBodyBytes ?? MAX_BODY_BYTES));
        if (!parsed.success) throw new HttpError(400, zodMessage(parsed.error, 'body').error, zodMessage(parsed.error, 'body').issues);
        body = parsed.data;
      }
      const result = await match.route.handler({ params: params.data, query: query.data, body, principal, req, res });
      if (res.headersSent || res.writableEnded) return true;
      if (result && typeof result === 'object' && (result as RawResponse).raw === true) {
        const raw = result as RawResponse;
        res.writeHead(raw.status ?? 200, { 'content-type': raw.contentType, 'cache-control': 'no-store' });
        res.end(raw.body);
      } else {
        sendJson(res, 200, result);
      }
    } catch (err) {
      if (res.headersSent) {
        res.end();
      } else if (err instanceof HttpError) {
        if (err.status === 429 && err.details && typeof (err.details as { retryAfterS?: number }).retryAfterS === 'number') {
          res.setHeader('retry-after', String((err.details as { retryAfterS: number }).retryAfterS));
        }
        sendJson(
          res,
          err.status,
          err.details
            ? { error: err.message, ...(Array.isArray(err.details) ? { issues: err.details } : (err.details as object)) }
            : { error: err.message },
        );
      } else {
        const status = err instanceof ServiceUnavailableError ? 503 : 500;
        sendJson(res, status, internalErrorBody(logInternalError(this.log, req, res, err)));
      }
    }
    return true;
  }
}

/** Epoch ms or RFC 3339 in a query string. */
export const timeParam = z.string().transform((v, ctx) => {
  const ms = /^\d{1,15}$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `${quoteValue(v)} is neither epoch ms nor an RFC 3339 time` });
    return z.NEVER;
  }
  return ms;
});
