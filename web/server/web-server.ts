/**
 * The web server: the console's static files, the HTTP API and the socket.io live stream.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { Server as SocketServer } from 'socket.io';
import type { ClientToServerEvents, ResumeRequest, ServerToClientEvents } from '../shared/protocol.ts';
import { apiRoutes, type ApiDeps } from './api-routes.ts';
import { openApiDocument, Router, sendJson } from './http-router.ts';
import { renderApiDocs } from './api-docs.ts';

export interface WebServerOptions extends ApiDeps {
  host: string;
  port: number;
  /** Built console (dist/web), or null to serve the API only. */
  staticDir: string | null;
  /** Delta cadence in ms. */
  deltaIntervalMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface WebServer {
  url: string;
  port: number;
  http: HttpServer;
  io: SocketServer<ClientToServerEvents, ServerToClientEvents>;
  connectedClients(): number;
  close(): Promise<void>;
}

export class HttpPortInUseError extends Error {}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * No inline scripts; maplibre starts its worker from a blob: URL (worker-src blob:); the
 * console talks only to its own origin (the map is offline).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self' ws: wss:; font-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

async function serveStatic(root: string, url: URL, res: ServerResponse): Promise<boolean> {
  let path = decodeURIComponent(url.pathname);
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  if (!file.startsWith(root)) return false;
  let target = file;
  try {
    if (!(await stat(target)).isFile()) return false;
  } catch {
    // Unknown non-API paths get the console (client-side views).
    if (extname(path) !== '') return false;
    target = join(root, 'index.html');
  }
  const body = await readFile(target);
  const immutable = target.includes(`${join(root, 'assets')}`);
  res.writeHead(200, {
    'content-type': MIME[extname(target)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(body);
  return true;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const log = options.log ?? (() => undefined);
  const routes = apiRoutes(options);
  const openapi = openApiDocument(routes, {
    title: 'CityTwin API',
    version: '1',
    description: 'HTTP API of the CityTwin console server. The live stream is socket.io (see web/shared/protocol.ts).',
  });
  const router = new Router(routes);
  const staticRoot = options.staticDir ? resolve(options.staticDir) : null;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, { error: 'malformed request URL' });
      return;
    }
    if (url.pathname === '/api/openapi.json') return sendJson(res, 200, openapi);
    if (url.pathname === '/api/docs') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(renderApiDocs(routes));
      return;
    }
    if (await router.handle(req, res, url)) return;
    if (url.pathname.startsWith('/api/')) return sendJson(res, 404, { error: `no API route ${req.method} ${url.pathname}; see /api/docs` });
    if (req.method === 'GET' && staticRoot && (await serveStatic(staticRoot, url, res))) return;
    sendJson(res, 404, { error: staticRoot ? `not found: ${url.pathname}` : 'the console is not built: run `npm run build:web`' });
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      log('error', `HTTP ${req.method} ${req.url}: ${err.message}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  http.headersTimeout = 20_000;
  http.requestTimeout = 30_000;
  http.maxHeadersCount = 100;

  const io = new SocketServer<ClientToServerEvents, ServerToClientEvents>(http, {
    serveClient: false,
    transports: ['websocket', 'polling'],
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 10_000,
    pingTimeout: 10_000,
  });
  const stream = options.twin.stream;
  io.on('connection', (socket) => {
    socket.on('resume', (req: ResumeRequest) => {
      const valid =
        req !== null &&
        typeof req === 'object' &&
        (req.epoch === null || (typeof req.epoch === 'string' && req.epoch.length < 64)) &&
        (req.lastSeq === null || Number.isSafeInteger(req.lastSeq));
      const answer = stream.resume(valid ? req : { epoch: null, lastSeq: null });
      if (answer.type === 'snapshot') socket.emit('snapshot', answer.snapshot);
      else for (const d of answer.deltas) socket.emit('delta', d);
      // Joined after the catch-up, so broadcast deltas follow it in order.
      void socket.join('live');
    });
  });

  const deltaTimer = setInterval(() => {
    const delta = stream.nextDelta();
    if (delta) io.to('live').emit('delta', delta);
  }, options.deltaIntervalMs ?? 100);
  const statsTimer = setInterval(() => io.emit('stats', options.stats()), 1000);

  await new Promise<void>((resolveListen, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new HttpPortInUseError(`HTTP port ${options.port} on ${options.host} is already in use; set CITYTWIN_HTTP_PORT to another port`));
      else reject(err);
    });
    http.listen(options.port, options.host, () => resolveListen());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = options.host === '0.0.0.0' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    http,
    io,
    connectedClients: () => io.engine.clientsCount,
    close: async () => {
      clearInterval(deltaTimer);
      clearInterval(statsTimer);
      await io.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
