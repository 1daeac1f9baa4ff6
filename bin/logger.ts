/**
 * Structured logs through pino: one JSON object per line with the time, the level, the process
 * role, the component (broker, storage, ingest, twin, web, …) and, while an HTTP request is
 * handled, its request id; on a terminal the same records are pretty-printed (pino-pretty).
 * Records at `warn` and `error` go to stderr, the rest to stdout; `CITYTWIN_LOG_LEVEL` sets the
 * least level written (docs/observability.md).
 *
 * The rest of the code logs through {@link Log}, a plain function: it needs no logging library.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';
import type { LogFormat, LogLevel } from './config.ts';

/** What every part logs through. */
export type Log = (level: LogLevel, message: string) => void;

/** A {@link Log} whose records name their component; {@link Logger.component} gives one per part. */
export interface Logger extends Log {
  component(name: string): Logger;
}

export interface LoggerOptions {
  /** json, pretty, or null: pretty when stdout is a terminal. */
  format?: LogFormat | null;
  /** Where every record goes instead of stdout and stderr (tests). */
  destination?: DestinationStream;
}

/** The ids of the HTTP request being handled, for every record logged while it is. */
const currentRequest = new AsyncLocalStorage<RequestIds>();

/**
 * HTTP requests being handled. While there is none the request context is switched off: on Node
 * 20 an AsyncLocalStorage in use hooks every promise, timer and tick of the process (each MQTT
 * message's among them) to carry its store, and one request — a /metrics scrape — would keep
 * that cost on for good.
 */
let requestsInFlight = 0;

/** One request answered (or its connection gone): the context goes off with the last one. */
function requestEnded(): void {
  requestsInFlight--;
  if (requestsInFlight === 0) currentRequest.disable();
}

/** The server's own id of a request, and the client's (a proxy's) correlation id when it sent one. */
interface RequestIds {
  reqId: string;
  clientReqId?: string;
}

/** A correlation id a client or a proxy may send in `x-request-id` (anything else is not kept). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The answer header that returns the client's correlation id (web/server/app/internal-error.ts reads it). */
export const CORRELATION_HEADER = 'x-correlation-id';

/** A logger for a process of `role`; records below `min` are not written. */
export function createLogger(min: LogLevel, role: string, options: LoggerOptions = {}): Logger {
  const root = pino(
    {
      level: min,
      base: { pid: process.pid, hostname: hostname(), role },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => currentRequest.getStore() ?? {},
    },
    options.destination ?? standardStreams(options.format ?? null),
  );
  const wrap = (p: PinoLogger): Logger => {
    const log = ((level, message) => p[level](message)) as Logger;
    log.component = (name) => wrap(root.child({ component: name }));
    return log;
  };
  return wrap(root.child({ component: 'citytwin' }));
}

/** The logger of one part: a component of `log` when it has components, else `log` itself. */
export function componentLog(log: Log, name: string): Log {
  return 'component' in log && typeof log.component === 'function' ? (log as Logger).component(name) : log;
}

/**
 * Handles one HTTP request under its request id: always the server's own, a new UUID, unique to
 * this request, sent back in `x-request-id` and put on every record logged while the request is
 * handled (`reqId`). A client's (a proxy's) `x-request-id`, when 1–64 characters of
 * `[A-Za-z0-9._:-]`, is kept only as a correlation id: logged beside it (`clientReqId`) and sent
 * back in `x-correlation-id`; it never names a log record. The request itself is logged at
 * `debug` when its response is sent. A record logged after that, while no other request is
 * handled, carries no id: the context is off between requests ({@link requestsInFlight}).
 */
export function requestScope(log: Log): (req: IncomingMessage, res: ServerResponse, handle: () => void) => void {
  return (req, res, handle) => {
    const given = req.headers['x-request-id'];
    const ids: RequestIds = { reqId: randomUUID() };
    if (typeof given === 'string' && CLIENT_REQUEST_ID.test(given)) ids.clientReqId = given;
    res.setHeader('x-request-id', ids.reqId);
    if (ids.clientReqId !== undefined) res.setHeader(CORRELATION_HEADER, ids.clientReqId);
    const started = performance.now();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      requestEnded();
    };
    res.once('finish', () => {
      currentRequest.run(ids, () =>
        log('debug', `${req.method} ${(req.url ?? '').slice(0, 200)} ${res.statusCode} ${Math.round(performance.now() - started)} ms`),
      );
      end();
    });
    res.once('close', end);
    requestsInFlight++;
    currentRequest.run(ids, handle);
  };
}

/** stdout for debug and info, stderr for warn and error; pretty-printed when asked or on a terminal. */
function standardStreams(format: LogFormat | null): DestinationStream {
  const pretty = format === 'pretty' || (format === null && process.stdout.isTTY === true);
  const out = (fd: 1 | 2) => (pretty ? prettyStream(fd, format === 'pretty') : null) ?? pino.destination({ dest: fd, sync: true });
  return pino.multistream(
    [
      { level: 'debug', stream: out(1) },
      { level: 'warn', stream: out(2) },
    ],
    { dedupe: true },
  );
}

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

/**
 * pino-pretty writing to `fd`, or null when it is not installed (it is a development
 * dependency): then JSON, unless pretty was asked for by name.
 */
function prettyStream(fd: 1 | 2, required: boolean): DestinationStream | null {
  let factory: PrettyFactory;
  try {
    factory = createRequire(import.meta.url)('pino-pretty') as PrettyFactory;
  } catch {
    if (required)
      throw new Error('CITYTWIN_LOG_FORMAT=pretty needs the pino-pretty package (a development dependency): install it, or set json');
    return null;
  }
  return factory({
    destination: fd,
    sync: true,
    colorize: (fd === 1 ? process.stdout : process.stderr).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,role,component,reqId',
    messageFormat: '[{component}]{if reqId} {reqId}{end} {msg}',
  });
}
