/**
 * The console's HTTP calls to its server (same origin). Failures are typed so that panels can
 * say exactly what went wrong: a 404 is "sensor not found", not a generic error.
 */
import type { ReadingsResponse, SensorDetail } from '../../shared/protocol.ts';
import { authHeaders } from './session.ts';

export type ApiFailure =
  | { kind: 'not-found'; status: 404 }
  | { kind: 'http'; status: number }
  | { kind: 'network'; message: string }
  | { kind: 'bad-response'; message: string };

export class ApiError extends Error {
  constructor(
    readonly failure: ApiFailure,
    readonly url: string,
  ) {
    super(`${url}: ${describeFailure(failure)}`);
    this.name = 'ApiError';
  }
}

function describeFailure(f: ApiFailure): string {
  switch (f.kind) {
    case 'not-found':
      return 'HTTP 404 (not found)';
    case 'http':
      return `HTTP ${f.status}`;
    case 'network':
      return `network error: ${f.message}`;
    case 'bad-response':
      return `malformed response: ${f.message}`;
  }
}

async function getJson<T>(url: string, signal: AbortSignal | undefined, check: (body: unknown) => body is T): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { accept: 'application/json', ...authHeaders() } });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError({ kind: 'network', message: err instanceof Error ? err.message : String(err) }, url);
  }
  if (res.status === 404) throw new ApiError({ kind: 'not-found', status: 404 }, url);
  if (!res.ok) throw new ApiError({ kind: 'http', status: res.status }, url);
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError({ kind: 'bad-response', message: 'not JSON' }, url);
  }
  if (!check(body)) throw new ApiError({ kind: 'bad-response', message: 'unexpected shape' }, url);
  return body;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isSensorDetail(v: unknown): v is SensorDetail {
  return isObject(v) && typeof v.id === 'string' && typeof v.state === 'string' && isObject(v.latest);
}

function isReadings(v: unknown): v is ReadingsResponse {
  return isObject(v) && Array.isArray(v.points);
}

/** `GET /api/sensors/{id}` */
export function fetchSensorDetail(id: string, signal?: AbortSignal): Promise<SensorDetail> {
  return getJson(`/api/sensors/${encodeURIComponent(id)}`, signal, isSensorDetail);
}

/** `GET /api/sensors/{id}/readings?metric=&from=&to=` (epoch ms). */
export function fetchReadings(id: string, metric: string, from: number, to: number, signal?: AbortSignal): Promise<ReadingsResponse> {
  const q = new URLSearchParams({ metric, from: String(Math.floor(from)), to: String(Math.ceil(to)) });
  return getJson(`/api/sensors/${encodeURIComponent(id)}/readings?${q}`, signal, isReadings);
}

/** True for the error an aborted fetch throws (a superseded request, not a failure). */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** `GET /api/vocabulary`: the kinds and metrics (v1 and declared) with labels and units. */
export function fetchVocabulary(signal?: AbortSignal): Promise<Record<string, unknown>> {
  return getJson('/api/vocabulary', signal, (v): v is Record<string, unknown> => isObject(v) && Array.isArray(v.sensorKinds));
}
