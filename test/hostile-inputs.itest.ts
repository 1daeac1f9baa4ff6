/**
 * Hostile inputs and identity abuse on the running product (`citytwin all` in this process on the
 * river town package, the embedded broker and ClickHouse, real HTTP, socket.io and MQTT on
 * loopback): bodies over each route's limit (413 worded, memory bounded, the server keeps
 * serving), malformed bodies (wrong type, invalid UTF-8, JSON nested 10,000 levels, NUL bytes,
 * prototype keys), spreadsheet formulas in an imported register, crews, departments, wall
 * displays, revoked, disabled and demoted credentials acting beyond what they hold, a reserved
 * MQTT client id, and webhook URLs aimed at the server itself, link-local or file: addresses.
 * What each attack gets is in docs/security.md ("Hostile input and identity abuse").
 */
import { cpSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { call, login, mintToken, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { RIVER_TOWN_DIR } from './support/make-city-fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('hostile-inputs');
const pkg = join(dir.path, 'flusstal');
let app: RunningCityTwin;
let base = '';
let admin = '';
const tokens: Record<string, string> = {};
const MB = 1024 * 1024;
/** What RSS may grow by while the server refuses or reads one hostile body. */
const RSS_BOUND = 256 * MB;

async function user(name: string, roles: string[]): Promise<string> {
  const password = `pw-${name}-long-1`;
  const made = await call(base, admin, 'POST', '/api/users', { username: name, roles, password });
  expect(made.status, JSON.stringify(made.body)).toBe(200);
  return login(base, name, password);
}

/** A raw POST: bytes as given, the content type as given (fetch would fix what a hostile client breaks). */
async function rawPost(path: string, token: string, body: Buffer | string, type = 'application/json') {
  const res = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    // stays text
  }
  return { status: res.status, body: json };
}

/** A chunked POST without content-length: the server only learns the size by reading. */
function chunkedPost(path: string, token: string, totalBytes: number): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.setHeader('authorization', `Bearer ${token}`);
    req.setHeader('content-type', 'application/json');
    req.on('error', reject);
    const chunk = Buffer.alloc(MB, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    req.write('{"entity":"sensor","csv":"');
    pump();
  });
}

const health = async () => (await fetch(new URL('/api/health', base))).status;

function openSocket(token: string): Promise<Socket> {
  const socket = connectSocket(base, { transports: ['websocket'], reconnection: false, auth: { token } });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

beforeAll(async () => {
  cpSync(RIVER_TOWN_DIR, pkg, { recursive: true });
  app = await startTestCity(join(dir.path, 'data'), { CITYTWIN_CITY: pkg, CITYTWIN_BATCH_MAX_DELAY_MS: '50' });
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  tokens.operator = await user('op-hostile', ['operator']);
  tokens.demoted = await user('op-demoted', ['operator']);
  tokens.leaver = await user('op-leaver', ['operator']);
  tokens.desk = await user('desk-hostile', ['dispatcher']);
  tokens.hotline = await user('hotline-hostile', ['hotline']);
  tokens.crewA = await user('crew-a', ['field']);
  tokens.crewB = await user('crew-b', ['field']);
  tokens.deptA = await user('dept-a', ['department']);
  tokens.deptB = await user('dept-b', ['department']);
  tokens.display = await mintToken(base, admin, TEST_ADMIN_PASSWORD, { name: 'hall wall', kind: 'display' });
}, 180_000);

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('bodies over the limit', () => {
  it('refuses a register import over 32 MB with 413 (declared or streamed), memory bounded, and keeps serving', async () => {
    const before = process.memoryUsage().rss;
    const csv = `id,kind,lng,lat,source,name_zh,name_en,asset,external_ids\n${'x'.repeat(33 * MB)}`;
    const declared = await call(base, admin, 'POST', '/api/register/imports?dryRun=true', { entity: 'sensor', csv });
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatch(/^the body is \d+ bytes; at most 33619968 are accepted$/);
    const streamed = await chunkedPost('/api/register/imports?dryRun=true', admin, 40 * MB);
    expect(streamed.status).toBe(413);
    expect(streamed.body.error).toBe('the body is over 33619968 bytes');
    const growth = process.memoryUsage().rss - before;
    console.log(`RSS growth while refusing a 33 MB and a streamed 40 MB import: ${(growth / MB).toFixed(1)} MB`);
    expect(growth).toBeLessThan(RSS_BOUND);
    expect(await health()).toBe(200);
  });

  it('checks a 20 MB CSV of invalid rows within the limit: the answer and the stored import stay bounded', async () => {
    const before = process.memoryUsage().rss;
    const rows = ['id,kind,lng,lat,source,name_zh,name_en,asset,external_ids'];
    for (let i = 0; rows.length * 40 < 20 * MB; i++) rows.push(`bad-${i},rain_gage,15.6,48.2,hydro.rain,甲,A,,`);
    const started = Date.now();
    const r = await call(base, admin, 'POST', '/api/register/imports?dryRun=true', { entity: 'sensor', csv: rows.join('\n') });
    const growth = process.memoryUsage().rss - before;
    console.log(
      `20 MB CSV of ${rows.length - 1} invalid rows: ${r.status}, ${JSON.stringify(r.body).length} bytes of answer, ${Date.now() - started} ms, RSS growth ${(growth / MB).toFixed(1)} MB`,
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: false, errors: rows.length - 1 });
    expect(r.body.problems).toHaveLength(2000);
    expect(JSON.stringify(r.body).length).toBeLessThan(2 * MB);
    // The package checker holds every row and every problem of the file while it checks (about
    // 1 GB of RSS for this file, this test's own copies included): bounded by the 32 MiB limit,
    // not small (docs/security.md, "Hostile input and identity abuse").
    expect(growth).toBeLessThan(1536 * MB);
    const stored = await call(base, admin, 'GET', `/api/register/imports/${r.body.id}`);
    expect(stored.body.problems).toBe(500);
    expect(await health()).toBe(200);
  }, 300_000);

  it('refuses 1 MB of JSON where a few KB are expected, on every route under attack, with 413 and the limit', async () => {
    const big = { padding: 'p'.repeat(MB) };
    const cases: Array<[string, string]> = [
      [tokens.crewA!, '/api/field/status'],
      [tokens.deptA!, '/api/cases/case-20260101-00001/commands'],
      [tokens.hotline!, '/api/cases'],
      [admin, '/api/notifications/channels/hook/test'],
      [admin, '/api/notifications/channels'],
      [admin, '/api/users'],
      [admin, '/api/users/op-hostile'],
      [admin, '/api/auth/tokens'],
      [admin, '/api/field-units/crew-a'],
      [admin, '/api/case-departments/dept-a'],
      [admin, '/api/cap/alerts/x/edit'],
    ];
    const before = process.memoryUsage().rss;
    for (const [token, path] of cases) {
      const r = await call(base, token, 'POST', path, big);
      expect(r.status, path).toBe(413);
      expect(r.body.error, path).toMatch(
        path === '/api/notifications/channels' ? /at most 262144 are accepted/ : /at most 16384 are accepted/,
      );
    }
    const growth = process.memoryUsage().rss - before;
    console.log(`RSS growth over ${cases.length} refused 1 MB bodies: ${(growth / MB).toFixed(1)} MB`);
    expect(growth).toBeLessThan(RSS_BOUND);
    expect(await health()).toBe(200);
  });
});

describe('malformed bodies', () => {
  it('refuses a body that is not declared JSON with 415, quoting the type', async () => {
    const r = await rawPost('/api/register/imports', admin, 'id,kind\n', 'text/csv');
    expect(r.status).toBe(415);
    expect(r.body.error).toBe('the body must be JSON (content-type: application/json), got "text/csv"');
  });

  it('refuses invalid UTF-8 with 400 instead of replacing the bytes', async () => {
    const head = Buffer.from('{"entity":"sensor","csv":"id,kind\\nrg-');
    const bad = Buffer.concat([head, Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const r = await rawPost('/api/register/imports?dryRun=true', admin, bad);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('the body is not valid UTF-8 (first bad byte at offset 38: 0xc328ff22); send JSON encoded as UTF-8');
    const field = await rawPost('/api/field/status', tokens.crewA!, Buffer.from([0x7b, 0x22, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
    expect(field.status).toBe(400);
  });

  it('refuses JSON nested 10,000 levels with 400 naming the depth (no 500, no stack overflow), and keeps serving', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const vocab = await rawPost('/api/register/imports?dryRun=true', admin, `{"entity":"vocabulary","vocabulary":${deep}}`);
    expect(vocab.status, JSON.stringify(vocab.body).slice(0, 200)).toBe(400);
    expect(vocab.body.error).toBe('the body is nested deeper than 64 levels (objects and arrays); at most 64 are accepted');
    const arrays = await rawPost('/api/users', admin, `{"roles":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(arrays.status).toBe(400);
    expect(arrays.body.error).toMatch(/nested deeper than 64 levels/);
    // Deep nesting inside a string is text, not structure.
    const inString = await rawPost('/api/field/status', tokens.crewA!, JSON.stringify({ status: '['.repeat(5000) }));
    expect(inString.status).toBe(400);
    expect(inString.body.error).toMatch(/status .* is not one of/);
    expect(await health()).toBe(200);
  });

  it('answers NUL bytes with a worded refusal, never a 5xx', async () => {
    const loginNul = await call(base, null, 'POST', '/api/auth/login', { username: 'ad\u0000min', password: 'x\u0000' });
    expect([400, 401]).toContain(loginNul.status);
    expect(typeof loginNul.body.error).toBe('string');
    const userNul = await call(base, admin, 'POST', '/api/users', {
      username: 'nul\u0000user',
      roles: ['analyst'],
      password: 'long-password-with-nul',
    });
    expect(userNul.status).toBe(400);
    expect(userNul.body.error).toMatch(/body\.username/);
    const search = await call(base, admin, 'GET', `/api/search?q=${encodeURIComponent('rg\u0000alt')}`);
    expect(search.status).toBe(200);
    const importNul = await call(base, admin, 'POST', '/api/register/imports?dryRun=true', {
      entity: 'sensor',
      csv: 'id,kind,lng,lat,source,name_zh,name_en,asset,external_ids\nrg\u0000x,rain_gauge,15.6,48.2,hydro.rain,甲\u0000,A,,',
    });
    expect(importNul.status).toBe(200);
    expect(importNul.body.ok).toBe(false);
    expect(importNul.body.problems.length).toBeGreaterThan(0);
  });

  it('refuses prototype keys in strict bodies and never pollutes Object.prototype', async () => {
    const proto = await rawPost('/api/field/status', tokens.crewA!, '{"__proto__":{"polluted":"yes"},"status":"en_route"}');
    expect(proto.status).toBe(400);
    expect(proto.body.error).toMatch(/__proto__/);
    const ctor = await rawPost('/api/users', admin, '{"constructor":{"prototype":{"polluted":"yes"}},"username":"proto-x"}');
    expect(ctor.status).toBe(400);
    // A free-form part (an SMS gateway's body template) keeps such keys as data or drops them.
    const sms = await rawPost(
      '/api/notifications/channels',
      admin,
      '{"id":"proto-sms","kind":"sms","url":"http://127.0.0.1:9/sms","body":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"to":"{to}"}}',
    );
    expect(sms.status).toBeLessThan(500);
    const vocab = await rawPost(
      '/api/register/imports?dryRun=true',
      admin,
      '{"entity":"vocabulary","vocabulary":{"__proto__":{"polluted":"yes"}}}',
    );
    expect(vocab.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });
});

describe('spreadsheet formulas in an imported register', () => {
  const FORMULA = "=cmd|' /C calc'!A0";

  it('keeps a formula-like name as data in the diff, and no CSV export lets a cell start a formula', async () => {
    const csv = [
      'id,kind,lng,lat,source,name_zh,name_en,asset,external_ids',
      `rg-formula,rain_gauge,15.6000000,48.2100000,hydro.rain,"${FORMULA}",+1+1,,`,
    ].join('\n');
    const dry = await call(base, admin, 'POST', '/api/register/imports?dryRun=true', { entity: 'sensor', csv });
    expect(dry.status).toBe(200);
    const row = [...dry.body.added, ...dry.body.changed].find((r: { id: string }) => r.id === 'rg-formula');
    expect(row).toMatchObject({ nameZh: FORMULA, nameEn: '+1+1' });
    // Every CSV the product exports: the open datasets (the readings export carries ids, kinds and numbers only).
    const catalogue = await call(base, null, 'GET', '/api/open/datasets');
    expect(catalogue.status).toBe(200);
    const ids = (catalogue.body.datasets as Array<{ id: string }>).map((d) => d.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const res = await fetch(new URL(`/api/open/datasets/${id}/data?format=csv`, base));
      expect(res.status, id).toBe(200);
      const cells = (await res.text()).replace(/^\uFEFF/, '').split(/\r\n|,/);
      for (const cell of cells) expect(/^"?[=+@\t\r]/.test(cell), `${id}: ${cell}`).toBe(false);
    }
  });
});

describe('identity abuse', () => {
  it('a crew reads and moves only its own unit, whatever unit its request names', async () => {
    const units = (await call(base, admin, 'GET', '/api/units')).body as Array<{ id: string }>;
    expect(units.length).toBeGreaterThan(1);
    const [a, b] = [units[0]!.id, units[1]!.id];
    for (const [name, unitId] of [
      ['crew-a', a],
      ['crew-b', b],
    ] as const)
      expect((await call(base, admin, 'POST', `/api/field-units/${name}`, { unitId })).status).toBe(200);
    const mine = await call(base, tokens.crewA!, 'GET', `/api/field/assignment?unitId=${b}`);
    expect(mine.status).toBe(200);
    expect(mine.body.unit.id).toBe(a);
    const other = await call(base, tokens.crewA!, 'POST', '/api/field/status', { status: 'en_route', unitId: b });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatch(/unitId/);
    expect((await call(base, tokens.crewA!, 'GET', `/api/units/${b}`)).status).toBe(403);
    expect((await call(base, tokens.crewA!, 'POST', `/api/units/${b}/status`, { status: 'available' })).status).toBe(403);
    expect((await call(base, tokens.crewA!, 'POST', '/api/field-units/crew-a', { unitId: b })).status).toBe(403);
  });

  it("a department's handler neither sees nor acts on another department's case", async () => {
    const deps = (await call(base, admin, 'GET', '/api/case-departments')).body.departments as string[];
    expect(deps.length).toBeGreaterThan(1);
    const [mine, theirs] = [deps[0]!, deps[1]!];
    expect((await call(base, admin, 'POST', '/api/case-departments/dept-a', { department: mine })).status).toBe(200);
    expect((await call(base, admin, 'POST', '/api/case-departments/dept-b', { department: theirs })).status).toBe(200);
    const made = await call(base, tokens.hotline!, 'POST', '/api/cases', {
      externalId: `HOSTILE-${Date.now().toString(36)}`,
      category: 'waterlogging',
      text: '积水',
      lng: 15.6,
      lat: 48.2,
      receivedAt: Date.now(),
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const caseId = made.body.caseId as string;
    const assigned = await call(base, tokens.desk!, 'POST', `/api/cases/${caseId}/commands`, {
      command: 'assign',
      department: theirs,
      reason: 'test',
    });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect((await call(base, tokens.deptA!, 'GET', `/api/cases?department=${encodeURIComponent(theirs)}`)).status).toBe(403);
    expect((await call(base, tokens.deptA!, 'GET', `/api/cases/${caseId}`)).status).toBe(404);
    for (const body of [{ command: 'accept' }, { command: 'reply', text: 'x' }, { command: 'close' }, { command: 'return', reason: 'x' }]) {
      const r = await call(base, tokens.deptA!, 'POST', `/api/cases/${caseId}/commands`, body);
      expect(r.status, body.command).toBe(404);
    }
    expect((await call(base, tokens.deptB!, 'POST', `/api/cases/${caseId}/commands`, { command: 'accept' })).status).toBe(200);
  });

  it('a wall display token is refused by every write route', async () => {
    const writes: Array<[string, unknown]> = [
      ['/api/register/imports', { entity: 'sensor', csv: 'id' }],
      ['/api/notifications/channels/hook/test', {}],
      ['/api/notifications/channels', { id: 'x', kind: 'webhook', url: 'http://127.0.0.1:9/', secret: 'x'.repeat(16) }],
      ['/api/users', { username: 'wall-made', roles: ['admin'], password: 'long-password-1234' }],
      ['/api/users/admin', { roles: ['display'] }],
      ['/api/auth/tokens', { name: 'wall', password: 'x' }],
      ['/api/field-units/crew-a', { unitId: null }],
      ['/api/field/status', { status: 'available' }],
      ['/api/cases', { externalId: 'x' }],
      ['/api/cases/case-20260101-00001/commands', { command: 'close' }],
      ['/api/case-departments/dept-a', { department: null }],
      ['/api/cap/alerts/x/approve', {}],
      ['/api/security/unlock', { username: 'admin' }],
    ];
    for (const [path, body] of writes) expect((await call(base, tokens.display!, 'POST', path, body)).status, path).toBe(403);
    expect((await call(base, tokens.display!, 'GET', '/api/register/imports')).status).toBe(403);
    expect((await call(base, tokens.display!, 'GET', '/api/auth/tokens?all=1')).status).toBe(403);
  });

  it("drops a revoked token's socket and a disabled user's session socket at once", async () => {
    const apiToken = await mintToken(base, tokens.operator!, 'pw-op-hostile-long-1', { name: 'script' });
    const viaToken = await openSocket(apiToken);
    let tokenDropped = false;
    viaToken.on('disconnect', () => (tokenDropped = true));
    const tokenId = (await call(base, admin, 'GET', '/api/auth/tokens?all=1')).body.find(
      (t: { name: string; owner: string }) => t.name === 'script' && t.owner === 'op-hostile',
    ).id as string;
    expect((await call(base, admin, 'DELETE', `/api/auth/tokens/${tokenId}`)).status).toBe(200);
    await waitFor('the revoked token socket to drop', () => tokenDropped, 10_000);
    await expect(openSocket(apiToken)).rejects.toThrow(/revoked/);

    const session = await openSocket(tokens.leaver!);
    let sessionDropped = false;
    session.on('disconnect', () => (sessionDropped = true));
    expect((await call(base, admin, 'POST', '/api/users/op-leaver', { disabled: true })).status).toBe(200);
    await waitFor("the disabled user's socket to drop", () => sessionDropped, 10_000);
    expect((await call(base, tokens.leaver!, 'GET', '/api/auth/me')).status).toBe(401);
  });

  it("a lowered role takes effect at once: over HTTP and on the user's open socket", async () => {
    expect((await call(base, tokens.demoted!, 'GET', '/api/incidents')).status).toBe(200);
    const socket = await openSocket(tokens.demoted!);
    const refused: string[] = [];
    let dropped = false;
    socket.on('refused', (r: { reason: string }) => refused.push(r.reason));
    socket.on('disconnect', () => (dropped = true));
    expect((await call(base, admin, 'POST', '/api/users/op-demoted', { roles: ['field'] })).status).toBe(200);
    expect((await call(base, tokens.demoted!, 'GET', '/api/incidents')).status).toBe(403);
    await waitFor("the demoted user's socket to be closed (it carried the old roles)", () => dropped, 10_000);
    expect(refused.some((r) => /roles of op-demoted changed/.test(r))).toBe(true);
    // Its next handshake carries the new roles: the field role has no live stream.
    const again = await openSocket(tokens.demoted!);
    const refusedAgain: Array<{ event: string; permission?: string }> = [];
    let snapshots = 0;
    again.on('refused', (r: { event: string; permission?: string }) => refusedAgain.push(r));
    again.on('snapshot', () => snapshots++);
    again.emit('resume', { epoch: null, lastSeq: null });
    await waitFor('the resume of a field account to be refused', () => refusedAgain.find((r) => r.event === 'resume'), 10_000);
    expect(refusedAgain.find((r) => r.event === 'resume')?.permission).toBe('live.read');
    expect(snapshots).toBe(0);
    again.close();
  });

  it("refuses an MQTT client id in CityTwin's reserved prefix, so no one can take over an internal client's session", async () => {
    const attempt = mqtt.connectAsync(app.mqttUrl, { clientId: 'citytwin-ingest', reconnectPeriod: 0, connectTimeout: 5000 });
    await expect(attempt).rejects.toThrow(/[Nn]ot authorized|[Bb]ad|refused/);
    const honest = await mqtt.connectAsync(app.mqttUrl, { clientId: 'hostile-honest', reconnectPeriod: 0 });
    await honest.endAsync();
    expect(await health()).toBe(200);
  });
});

describe('webhook URLs (SSRF)', () => {
  it('refuses file:, ftp: and unparsable URLs quoting the field; takes loopback and link-local http as documented', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/', 'gopher://127.0.0.1:6379/_x', 'javascript:alert(1)', 'http//no']) {
      const r = await call(base, admin, 'POST', '/api/notifications/channels', {
        id: 'ssrf',
        kind: 'webhook',
        url,
        secret: 'x'.repeat(16),
      });
      expect(r.status, url).toBe(400);
      expect(r.body.error, url).toMatch(/url.*http:\/\/ or https:\/\/ URL/);
    }
    const linkLocal = await call(base, admin, 'POST', '/api/notifications/channels', {
      id: 'ssrf-metadata',
      kind: 'webhook',
      url: 'http://169.254.169.254/latest/meta-data/',
      secret: 'x'.repeat(16),
    });
    expect(linkLocal.status).toBe(200);
  });

  it("a webhook aimed at the server's own admin routes carries no credentials: refused there, nothing changes", async () => {
    const hook = new URL('/api/users', base).href;
    expect(
      (
        await call(base, admin, 'POST', '/api/notifications/channels', {
          id: 'ssrf-self',
          kind: 'webhook',
          url: hook,
          secret: 'x'.repeat(16),
          timeoutMs: 5000,
        })
      ).status,
    ).toBe(200);
    const usersBefore = (await call(base, admin, 'GET', '/api/users')).body.length as number;
    const sent = await call(base, admin, 'POST', '/api/notifications/channels/ssrf-self/test', {});
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ delivered: false, status: 'failed' });
    expect(sent.body.error).toMatch(/40[13]/);
    expect((await call(base, admin, 'GET', '/api/users')).body.length).toBe(usersBefore);
    // The operator may not point a channel anywhere at all.
    const byOperator = await call(base, tokens.operator!, 'POST', '/api/notifications/channels', {
      id: 'op-hook',
      kind: 'webhook',
      url: hook,
      secret: 'x'.repeat(16),
    });
    expect(byOperator.status).toBe(403);
  });
});
