/**
 * The router's own refusals quote what the client sent the one way (quoteValue: cut at 80
 * characters with `…`, control and bidirectional characters escaped), on a real HTTP server on
 * loopback. The guard is the project's interface, answered by hand (every caller is let in).
 */
import { once } from 'node:events';
import { createServer, IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect, Socket } from 'node:net';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonBody, Router, route, timeParam } from './http-router.ts';

/** A line break and a right-to-left override early, then 500 characters in all. */
const HOSTILE = `ab\n\u202ecd${'x'.repeat(494)}`;
/** HOSTILE as quoteValue writes it: quoted, escaped, cut at 80 characters. */
const QUOTED = `"ab\\n\\u202ecd${'x'.repeat(67)}…`;

let server: Server;
let port = 0;

beforeAll(async () => {
  const router = new Router(
    [
      route({
        method: 'POST',
        path: '/echo',
        operationId: 'echo',
        permission: 'public',
        summary: 'echo',
        tag: 'test',
        body: z.object({ a: z.number() }),
        response: z.object({ a: z.number() }),
        returns: 'the body',
        handler: ({ body }) => body,
      }),
      route({
        method: 'GET',
        path: '/since',
        operationId: 'since',
        permission: 'public',
        summary: 'since',
        tag: 'test',
        query: z.object({ from: timeParam }),
        response: z.object({ from: z.number() }),
        returns: 'the time',
        handler: ({ query }) => query,
      }),
    ],
    async () => null,
  );
  server = createServer((req, res) => void router.handle(req, res, new URL(req.url ?? '/', 'http://localhost')));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

/**
 * A POST whose content-type header is the given bytes, written on a TCP socket by hand (an HTTP
 * client would refuse them), as HTTP/1.0 so the answer is the bytes up to the close.
 */
async function postWithType(type: Buffer, body: string): Promise<{ status: number; body: { error: string } }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const head = `POST /echo HTTP/1.0\r\nhost: localhost\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncontent-type: `;
  socket.end(Buffer.concat([Buffer.from(head), type, Buffer.from(`\r\n\r\n${body}`)]));
  const chunks: Buffer[] = [];
  for await (const c of socket) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return { status: Number(text.slice(9, 12)), body: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) };
}

describe('the router quotes what the client sent', () => {
  it('names a content type that is not JSON quoted, cut and escaped', async () => {
    // A header carries no line break; its bytes beyond ASCII arrive as Latin-1 characters, so a
    // NEL (0x85) and the UTF-8 bytes of U+202E (E2 80 AE) reach the router as C1 controls.
    const type = Buffer.concat([Buffer.from('ab'), Buffer.from([0x85]), Buffer.from('\u202e'), Buffer.from('cd'), Buffer.alloc(492, 'x')]);
    expect(type.length).toBe(500);
    const r = await postWithType(type, '{"a":1}');
    expect(r.status).toBe(415);
    expect(r.body.error).toBe(`the body must be JSON (content-type: application/json), got "ab\\u0085â\\u0080®cd${'x'.repeat(61)}…`);
  });

  it('quotes a content type with a line break and an override as readJsonBody is given it', async () => {
    const req = new IncomingMessage(new Socket());
    req.headers['content-type'] = HOSTILE;
    await expect(readJsonBody(req)).rejects.toThrow(`the body must be JSON (content-type: application/json), got ${QUOTED}`);
  });

  it('names a time in the query that is neither epoch ms nor RFC 3339 quoted, cut and escaped', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/since?from=${encodeURIComponent(HOSTILE)}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: Array<{ message: string }> };
    expect(body.issues[0]!.message).toBe(`${QUOTED} is neither epoch ms nor an RFC 3339 time`);
    expect(body.error).toContain(QUOTED);
    expect(body.error).not.toMatch(/[\n\u202e]/);
  });
});
