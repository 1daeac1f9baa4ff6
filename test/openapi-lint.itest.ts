/**
 * The OpenAPI document of a started server (`GET /api/openapi.json`) through Redocly's linter
 * with its recommended rules (`redocly lint --extends=recommended`, @redocly/cli run as a child
 * process on a temporary file): any error or warning fails, with the linter's report. Then what
 * a client generated from the document relies on: every operation has an id, a summary, a tag
 * and a 200 answer with a schema, and a JSON answer's schema is a component generated from the
 * route's zod schema. Real parts: `citytwin all` on the embedded broker and ClickHouse.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { startTestCity } from './support/test-city.ts';

const run = promisify(execFile);
const REDOCLY = resolve('node_modules/.bin/redocly');

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

describe('the OpenAPI document', () => {
  let dir: string;
  let app: RunningCityTwin;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'citytwin-openapi-'));
    app = await startTestCity(join(dir, 'data'));
    const res = await fetch(new URL('/api/openapi.json', app.url!));
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
    file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const { stdout } = await run(REDOCLY, ['lint', '--extends=recommended', '--format=json', file], {
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: Array<{ ruleId: string; severity: string; message: string; location?: Array<{ pointer?: string }> }>;
    };
    const listed = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location?.[0]?.pointer ?? '?'}: ${p.message}`);
    expect(listed).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('gives every operation an id, a summary, a tag and a 200 answer with a schema', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { at, op } of operations) {
      expect(op.operationId, at).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary, at).toBeTruthy();
      expect(op.tags?.length, at).toBe(1);
      const content = op.responses['200']?.content ?? {};
      expect(Object.keys(content).length, `${at}: a 200 answer with content`).toBeGreaterThan(0);
      const ref = content['application/json']?.schema?.$ref;
      if (ref) expect(doc.components.schemas[ref.replace('#/components/schemas/', '')], `${at}: ${ref}`).toBeDefined();
    }
  });

  it('describes the answers from the zod schemas the handlers return', () => {
    const incidents = doc.paths['/api/incidents']!.get!.responses['200']!.content!['application/json']!.schema!.$ref!;
    expect(doc.components.schemas[incidents.split('/').at(-1)!]).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/IncidentView' },
    });
    const view = doc.components.schemas.IncidentView as { properties: Record<string, unknown>; required: string[] };
    expect(view.required).toEqual(expect.arrayContaining(['id', 'type', 'status', 'evidence', 'hiddenEvidence', 'coarse']));
    expect(view.properties.type).toMatchObject({ enum: expect.arrayContaining(['waterlogging', 'fire']) });
    // A route that answers only another media type has no JSON answer.
    expect(Object.keys(doc.paths['/metrics']!.get!.responses['200']!.content!)).toEqual(['text/plain; version=0.0.4']);
  });
});
