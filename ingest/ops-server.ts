/**
 * The small HTTP server of a `citytwin ingest` worker: `GET /api/health` and `GET /metrics`
 * (the same contract as the console server, contracts.md), so that an orchestrator can probe
 * each worker and Prometheus can scrape it. Everything else is a JSON 404/405; the worker
 * serves no console and no data.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Health answer (sent whole as JSON): 200 when `status` is ok or degraded, 503 when down. */
export interface OpsHealth {
  status: 'ok' | 'degraded' | 'down';
}

export interface OpsServerOptions {
  host: string;
  port: number;
  health: () => Promise<OpsHealth>;
  /** The Prometheus text exposition (the process's metrics registry). */
  metricsText: () => Promise<string>;
  /**
   * CITYTWIN_PROBE_TOKEN: off loopback, requests must carry `Authorization: Bearer <token>`
   * (the console server's rule for its probe routes, docs/security.md). Null: loopback only.
   */
  probeToken?: string | null;
  /** Runs the handling of each request (the process gives each its request id for the log). */
  aroundRequest?: (req: IncomingMessage, res: ServerResponse, handle: () => void) => void;
  /** Where a failure inside the worker is logged in full, under the id its answer carries. */
  log?: (level: 'error', message: string) => void;
}

export interface OpsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Thrown when the port is taken; the message names the variable that moves it. */
export class OpsPortInUseError extends Error {}

function isLoopback(address: string | undefined): boolean {
  return (
    address === '::1' || address === '127.0.0.1' || (address?.startsWith('127.') ?? false) || (address?.startsWith('::ffff:127.') ?? false)
  );
}

/** Loopback, or the probe token compared in constant time. */
function allowed(req: IncomingMessage, probeToken: string | null): boolean {
  if (isLoopback(req.socket.remoteAddress)) return true;
  const header = req.headers.authorization;
  if (!probeToken || !header) return false;
  const a = Buffer.from(header);
  const b = Buffer.from(`Bearer ${probeToken}`);
  return a.length === b.length && timingSafeEqual(a, b);
}

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(text);
}

/**
 * A failure inside the worker (the metrics registry, the health check): logged in full under the
 * server's id of the request (`x-request-id` as the request scope set it, or a new one), the
 * client's correlation id (`x-correlation-id`) beside it; the answer words it and gives the
 * server's id, never the error's text (docs/security.md, "Internal errors").
 */
function failureId(options: OpsServerOptions, req: IncomingMessage, res: ServerResponse, err: Error): string {
  const given = res.getHeader('x-request-id');
  const id = typeof given === 'string' && given ? given : randomUUID();
  res.setHeader('x-request-id', id);
  const correlation = res.getHeader('x-correlation-id');
  const ids = typeof correlation === 'string' && correlation ? `request id ${id}, client's request id ${correlation}` : `request id ${id}`;
  options.log?.('error', `HTTP ${req.method} ${(req.url ?? '').slice(0, 200)} failed (${ids}): ${err.stack ?? err.message}`);
  return id;
}

/** `GET /metrics`: the registry's text exposition, or a worded 500 with the request id. */
function answerMetrics(options: OpsServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const head = { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' };
  if (req.method === 'HEAD') {
    res.writeHead(200, head);
    res.end();
    return;
  }
  options
    .metricsText()
    .then((text) => {
      res.writeHead(200, head);
      res.end(text);
    })
    .catch((err: Error) => {
      const id = failureId(options, req, res, err);
      json(res, 500, { error: `internal error: the metrics could not be read; logged under the request id ${id}`, requestId: id });
    });
}

/** `GET /api/health`: 200 when ok or degraded, 503 when down or when the check itself failed (worded, with the id). */
function answerHealth(options: OpsServerOptions, req: IncomingMessage, res: ServerResponse): void {
  options
    .health()
    .then((h) => json(res, h.status === 'down' ? 503 : 200, h))
    .catch((err: Error) => {
      const id = failureId(options, req, res, err);
      json(res, 503, { status: 'down', error: `the health check failed; logged under the request id ${id}`, requestId: id });
    });
}

/** Starts the worker's HTTP server on `host:port` (0 = a free port). */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    // Bodies are never read: drain them so keep-alive connections stay usable.
    req.resume();
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      json(res, 400, { error: `malformed request URL ${JSON.stringify((req.url ?? '').slice(0, 200))}` });
      return;
    }
    const known = path === '/api/health' || path === '/metrics';
    if (!known) {
      json(res, 404, { error: `not found: ${path.slice(0, 200)}; an ingest worker serves GET /api/health and GET /metrics only` });
      return;
    }
    if (!allowed(req, options.probeToken ?? null)) {
      json(
        res,
        401,
        { error: `${path} needs the probe token (Authorization: Bearer <CITYTWIN_PROBE_TOKEN>) or a loopback connection` },
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, { error: `method ${req.method} not allowed on ${path}; use GET` }, { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/metrics') answerMetrics(options, req, res);
    else answerHealth(options, req, res);
  };
  const around = options.aroundRequest;
  const server: Server = createServer((req, res) => (around ? around(req, res, () => handle(req, res)) : handle(req, res)));
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(
          new OpsPortInUseError(`HTTP port ${options.port} on ${options.host} is already in use; set CITYTWIN_HTTP_PORT to another port`),
        );
      else reject(err);
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const shownHost = options.host === '0.0.0.0' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
