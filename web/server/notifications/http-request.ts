/**
 * One HTTP request with a deadline for the whole exchange, over a keep-alive agent per channel
 * (webhooks and SMS gateways). Redirects are not followed: a receiver that moved is a
 * configuration error, not something to chase with a signed body.
 */
import http from 'node:http';
import https from 'node:https';
import type { SendOutcome } from './channel-sender.ts';

export interface HttpRequest {
  /** A URL, or one parsed before (a channel's, parsed once by `parseUrl`). */
  url: string | URL;
  method: 'POST' | 'PUT' | 'GET';
  headers: Record<string, string>;
  body?: Buffer | string;
  timeoutMs: number;
}

/** Keeps up to `sockets` connections open to the receiver. */
export interface HttpAgents {
  http: http.Agent;
  https: https.Agent;
}

export function createAgents(sockets: number): HttpAgents {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets: sockets }),
    https: new https.Agent({ keepAlive: true, maxSockets: sockets }),
  };
}

/** The URL parsed, or the text as given when it is not one (the request then fails with it quoted). */
export function parseUrl(text: string): URL | string {
  try {
    return new URL(text);
  } catch {
    return text;
  }
}

/** Bytes of an error answer kept for the delivery log. */
const ERROR_BODY_BYTES = 512;

/** Sends the request; resolves with the outcome (never rejects). */
export function sendHttp(request: HttpRequest, agents: HttpAgents): Promise<SendOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (outcome: SendOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const url = typeof request.url === 'string' ? parseUrl(request.url) : request.url;
    if (typeof url === 'string') {
      done({ ok: false, retryable: false, error: `not a URL: ${JSON.stringify(url)}` });
      return;
    }
    const secure = url.protocol === 'https:';
    const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body);
    const headers: Record<string, string | number> = { ...request.headers };
    if (body) headers['Content-Length'] = body.length;
    const req = (secure ? https : http).request(
      url,
      { method: request.method, headers, agent: secure ? agents.https : agents.http },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < ERROR_BODY_BYTES) {
            chunks.push(c);
            kept += c.length;
          }
        });
        res.on('end', () => {
          if (status >= 200 && status < 300) return done({ ok: true });
          const text = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_BYTES).replace(/\s+/g, ' ').trim();
          const error = `HTTP ${status}${text ? `: ${text}` : ''}`;
          if (status >= 300 && status < 400) return done({ ok: false, retryable: false, error: `${error} (redirects are not followed)` });
          done({ ok: false, retryable: status >= 500 || status === 408 || status === 429, error });
        });
        res.on('error', (e) => done({ ok: false, retryable: true, error: `answer broken off: ${e.message}` }));
      },
    );
    timer = setTimeout(() => {
      done({ ok: false, retryable: true, error: `no answer within ${request.timeoutMs} ms` });
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) =>
      done({ ok: false, retryable: true, error: e.code ? `${e.code}: ${e.message}` : e.message }),
    );
    req.end(body);
  });
}
