/**
 * The answer to a request that failed inside the server (a store's engine error, a bug): the
 * client gets a generic worded error and an id, never the exception's text (it may hold SQL, file
 * paths, engine internals); the full error goes to the server's log under that same id, so an
 * operator finds it from what the user reports (docs/security.md, "Internal errors").
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where the failure is logged (the server's log function). */
export type ErrorLog = (level: 'error', message: string) => void;

/**
 * The server's id of `res`'s request: its `x-request-id` answer header (a new UUID set for every
 * request by the process's request scope, bin/logger.ts — never the client's), or a new UUID,
 * then set as that header.
 */
export function requestIdOf(res: ServerResponse): string {
  const given = res.getHeader('x-request-id');
  if (typeof given === 'string' && given) return given;
  const id = randomUUID();
  if (!res.headersSent) res.setHeader('x-request-id', id);
  return id;
}

/**
 * A failure inside the server that leaves a service unavailable for now (the case desk on the
 * twin writer …): answered 503 with {@link internalErrorBody}, logged in full like any internal
 * error — its message may hold an engine's error text, so it is never sent.
 */
export class ServiceUnavailableError extends Error {}

/** The body of a 500 answer: worded, with the id, nothing of the error itself. */
export function internalErrorBody(id: string): { error: string; code: 'internal_error'; requestId: string } {
  return {
    error: `internal error: the server could not complete this request; it logged the cause under the id ${id} (quote it when you report the problem)`,
    code: 'internal_error',
    requestId: id,
  };
}

/**
 * The client's correlation id of `res`'s request: its `x-correlation-id` answer header, set by
 * the request scope only from a well-formed `x-request-id` the client sent; else null.
 */
export function correlationIdOf(res: ServerResponse): string | null {
  const given = res.getHeader('x-correlation-id');
  return typeof given === 'string' && given ? given : null;
}

/**
 * Logs `err` in full (message and stack) under the server's id of the request, the client's
 * correlation id beside it, and returns the server's id (the one the answer quotes).
 */
export function logInternalError(log: ErrorLog, req: IncomingMessage, res: ServerResponse, err: unknown): string {
  const id = requestIdOf(res);
  const correlation = correlationIdOf(res);
  const ids = correlation === null ? `request id ${id}` : `request id ${id}, client's request id ${correlation}`;
  const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  log('error', `HTTP ${req.method} ${(req.url ?? '').slice(0, 200)} failed (${ids}): ${detail}`);
  return id;
}
