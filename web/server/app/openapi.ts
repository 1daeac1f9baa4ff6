/**
 * The OpenAPI 3.1 document of the route tables: every operation with its id, summary, tag,
 * access, parameters, body and 200 answer, the answers' schemas generated from the same zod
 * schemas the handlers' return types come from (so a client generated from
 * `/api/openapi.json` reads what the server sends), the security schemes, the licence and the
 * server. Checked against Redocly's recommended rules by test/openapi-lint.itest.ts.
 */
import { z } from 'zod';
import { API_SCHEMAS } from '../../shared/api-schemas.ts';
import type { Route } from './http-router.ts';

export interface ApiInfo {
  title: string;
  version: string;
  description: string;
}

/** What each tag of the document is about, in the order the docs list them. */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  system: 'Health, metrics and the live figures of the status strip',
  auth: 'Sign-in, sessions, API and display tokens',
  users: 'Accounts and roles (admins)',
  security: 'Security events and sign-in throttling',
  city: 'The city: vocabulary, districts, data sources, base maps',
  sensors: "The twin's sensors, their latest values and stored history",
  ingest: 'What the ingest rejected',
  incidents: 'Fused incidents, their evidence and history, operator actions',
  dispatch: 'Response units, recommendations, assignments and the hash-chained dispatch log',
  replay: 'The flight recorder: past state, events, after-action reports and exports',
  kpi: "The leader screen's figures and their rows",
  audit: 'The tamper-evident audit record',
};

const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'What is wrong, quoting the bad value' },
    issues: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } }, required: ['path', 'message'] },
    },
  },
  required: ['error'],
} as const;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The media types whose bodies are text (the others are bytes). */
const isText = (type: string) => /^text\/|json|xml/.test(type);

/** `listIncidents` → `ListIncidentsResponse`. */
const responseId = (operationId: string) => `${operationId[0]!.toUpperCase()}${operationId.slice(1)}Response`;

/** JSON Schema of the inputs (path and query parameters, bodies): what a caller sends. */
function inputSchema(schema: z.ZodTypeAny): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

function parameters(r: Route): unknown[] {
  const list: unknown[] = [];
  for (const [schema, where] of [
    [r.params, 'path'],
    [r.query, 'query'],
  ] as const) {
    if (!schema) continue;
    const json = inputSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(json.properties ?? {})) {
      list.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s });
    }
  }
  return list;
}

/**
 * The 200 answers' schemas and the named shapes they share, as `components.schemas`: one
 * registry, so a shape used by several answers (an incident, a unit) is one component.
 */
function responseSchemas(routes: readonly Route[]): { schemas: Record<string, unknown>; refOf: (r: Route) => string | null } {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(API_SCHEMAS)) registry.add(schema, { id });
  const ids = new Map<Route, string>();
  for (const r of routes) {
    if (r.response instanceof z.ZodNever) continue;
    const id = registry.get(r.response)?.id ?? responseId(r.operationId);
    if (!registry.has(r.response)) registry.add(r.response, { id });
    ids.set(r, id);
  }
  const json = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Record<string, unknown>> };
  const schemas: Record<string, unknown> = {};
  for (const [id, { $schema: _s, $id: _i, ...schema }] of Object.entries(json.schemas)) schemas[id] = schema;
  return { schemas, refOf: (r) => (ids.has(r) ? `#/components/schemas/${ids.get(r)}` : null) };
}

function okResponse(r: Route, ref: string | null): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (ref) content['application/json'] = { schema: { $ref: ref } };
  for (const type of r.media ?? []) content[type] = { schema: isText(type) ? { type: 'string' } : { type: 'string', format: 'binary' } };
  return { description: r.returns, content };
}

/** OpenAPI 3.1 document from the route tables. */
export function openApiDocument(routes: readonly Route[], info: ApiInfo): Record<string, unknown> {
  const { schemas, refOf } = responseSchemas(routes);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    paths[r.path] ??= {};
    paths[r.path]![r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      'x-citytwin-access': r.permission,
      ...(r.permission === 'public' ? { security: [] } : {}),
      parameters: parameters(r),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: inputSchema(r.body) } } } } : {}),
      responses: {
        200: okResponse(r, refOf(r)),
        400: errorResponse('Invalid parameters or body: `error` says what is wrong, `issues` lists each field'),
        ...(r.permission === 'public'
          ? {}
          : {
              401: errorResponse('Not signed in, or a malformed, unknown, expired or revoked token'),
              403: errorResponse('Signed in, but the role may not do this (or the data is above its classification clearance)'),
            }),
        404: errorResponse('Not found'),
      },
    };
  }
  const used = new Set(routes.map((r) => r.tag));
  return {
    openapi: '3.1.0',
    info: { ...info, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
    servers: [{ url: '/', description: 'The server this document is served by' }],
    tags: Object.entries(TAG_DESCRIPTIONS)
      .filter(([name]) => used.has(name))
      .map(([name, description]) => ({ name, description })),
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from POST /api/auth/login or POST /api/auth/tokens' },
        session: { type: 'apiKey', in: 'cookie', name: 'citytwin_session', description: "The console's session cookie" },
      },
      schemas: { Error: ERROR_SCHEMA, ...schemas },
    },
  };
}
