/**
 * The API's documentation, generated from the route table: `/api/openapi.json` (OpenAPI 3.1)
 * and `/api/docs`, a self-contained HTML page (no external viewer, no scripts), so the console
 * and its docs work offline. Both are open to anyone, like the console's static files.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { sendJson, type Route } from './http-router.ts';
import { openApiDocument, type ApiInfo } from './openapi.ts';

/** The paths the documentation is served at. */
export const OPENAPI_PATH = '/api/openapi.json';
export const API_DOCS_PATH = '/api/docs';

/**
 * The documentation of `routes`, built once: `serve` answers a request for one of its paths
 * (returns true) and leaves every other path to the caller (returns false).
 */
export function apiDocs(
  routes: readonly Route[],
  info: ApiInfo,
): { openapi: unknown; serve(pathname: string, res: ServerResponse): boolean } {
  const openapi = openApiDocument(routes, info);
  return {
    openapi,
    serve(pathname, res) {
      if (pathname === OPENAPI_PATH) {
        sendJson(res, 200, openapi);
        return true;
      }
      if (pathname !== API_DOCS_PATH) return false;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(renderApiDocs(routes));
      return true;
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function paramRows(schema: z.ZodTypeAny | undefined, where: string): string {
  if (!schema) return '';
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {})
    .map(([name, s]) => {
      const type = s.enum ? (s.enum as unknown[]).join(' | ') : String(s.type ?? 'string');
      const required = where === 'path' || (json.required ?? []).includes(name) ? 'required' : 'optional';
      const def = s.default !== undefined ? ` (default ${JSON.stringify(s.default)})` : '';
      return `<tr><td><code>${escapeHtml(name)}</code></td><td>${where}</td><td>${escapeHtml(type)}${escapeHtml(def)}</td><td>${required}</td></tr>`;
    })
    .join('');
}

export function renderApiDocs(routes: readonly Route[]): string {
  const sections = routes
    .map((r) => {
      const params = paramRows(r.params, 'path') + paramRows(r.query, 'query');
      return `<section id="${escapeHtml(r.operationId)}"><h2><span class="m">${r.method}</span> <code>${escapeHtml(r.path)}</code></h2>
<p>${escapeHtml(r.summary)}</p>${r.description ? `<p>${escapeHtml(r.description)}</p>` : ''}
${params ? `<table><tr><th>name</th><th>in</th><th>type</th><th></th></tr>${params}</table>` : ''}
<p><b>200</b>: ${escapeHtml(r.returns)}. Errors: 4xx JSON <code>{"error": "..."}</code>.</p></section>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>CityTwin API</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#1d2733}
code{background:#eef2f6;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}.m{color:#fff;background:#2f6fb0;padding:1px 6px;border-radius:3px;font-size:12px}
table{border-collapse:collapse}td,th{border:1px solid #d5dde6;padding:2px 8px;text-align:left}section{border-top:1px solid #e3e8ee;padding-top:.5em}</style></head>
<body><h1>CityTwin API</h1><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).
Live stream: socket.io events <code>snapshot</code>, <code>delta</code>, <code>stats</code> and <code>resume</code> (web/shared/protocol.ts).</p>
${sections}</body></html>`;
}
