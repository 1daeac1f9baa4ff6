import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CORRELATION_HEADER, componentLog, createLogger, requestScope } from './logger.ts';

/** A logger writing its records into an array, parsed. */
function capture(level: Parameters<typeof createLogger>[0] = 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger(level, 'all', { destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
  return { log, lines };
}

/** A request and a response with just what the request scope uses. */
function exchange(headers: Record<string, string>) {
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    headers: {} as Record<string, string>,
    setHeader(name: string, value: string) {
      this.headers[name] = value;
    },
  });
  const req = { method: 'GET', url: '/api/stats', headers } as unknown as IncomingMessage;
  return { req, res, response: res as unknown as ServerResponse };
}

describe('createLogger', () => {
  it('writes one JSON record with time, level, role, component and message', () => {
    const { log, lines } = capture();
    log.component('broker')('warn', 'embedded MQTT broker on mqtt://127.0.0.1:1883');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      role: 'all',
      component: 'broker',
      msg: 'embedded MQTT broker on mqtt://127.0.0.1:1883',
    });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  it('leaves out records below the configured level', () => {
    const { log, lines } = capture('warn');
    log('info', 'not written');
    log('debug', 'not written');
    log('error', 'written');
    expect(lines.map((l) => l.msg)).toEqual(['written']);
  });

  it('names the component of a part, and leaves a plain log function as it is', () => {
    const { log, lines } = capture();
    componentLog(log, 'ingest')('info', 'replayed');
    expect(lines[0]).toMatchObject({ component: 'ingest' });
    const plain = (_level: string, _message: string) => undefined;
    expect(componentLog(plain, 'ingest')).toBe(plain);
  });
});

describe('requestScope', () => {
  it("gives every request the server's own id, on the response and on what is logged; the client's id beside it", () => {
    const { log, lines } = capture();
    const web = log.component('web');
    const { req, res, response } = exchange({ 'x-request-id': 'proxy-7f3a.1' });
    requestScope(web)(req, response, () => web('error', 'failed'));
    web('info', 'outside');
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers[CORRELATION_HEADER]).toBe('proxy-7f3a.1');
    expect(lines[0]).toMatchObject({ msg: 'failed', reqId: id, clientReqId: 'proxy-7f3a.1' });
    expect(lines[1]).not.toHaveProperty('reqId');
    expect(lines[1]).not.toHaveProperty('clientReqId');
    res.emit('finish');
    expect(lines[2]).toMatchObject({
      level: 'debug',
      reqId: id,
      clientReqId: 'proxy-7f3a.1',
      msg: expect.stringMatching(/^GET \/api\/stats 200 \d+ ms$/),
    });
  });

  it('gives two requests with the same client id two different ids', () => {
    const { log, lines } = capture();
    const ids = [1, 2].map(() => {
      const { req, res, response } = exchange({ 'x-request-id': 'same-id' });
      requestScope(log)(req, response, () => log('error', 'failed'));
      res.emit('close');
      return res.headers['x-request-id'];
    });
    expect(new Set(ids).size).toBe(2);
    expect(lines.map((l) => [l.reqId, l.clientReqId])).toEqual(ids.map((id) => [id, 'same-id']));
  });

  it('keeps no client id that is not 1-64 characters of [A-Za-z0-9._:-]', () => {
    const { log, lines } = capture();
    const { req, res, response } = exchange({ 'x-request-id': 'evil\n{"level":"error"}' });
    requestScope(log)(req, response, () => log('info', 'handled'));
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers).not.toHaveProperty(CORRELATION_HEADER);
    expect(lines[0]!.reqId).toBe(res.headers['x-request-id']);
    expect(lines[0]).not.toHaveProperty('clientReqId');
    res.emit('close');
  });

  it("keeps a request's id across its awaits while another request comes and goes", async () => {
    const { log, lines } = capture();
    const a = exchange({});
    const b = exchange({});
    let resume!: () => void;
    const gate = new Promise<void>((r) => (resume = r));
    let handledA: Promise<void> | null = null;
    requestScope(log)(a.req, a.response, () => {
      handledA = gate.then(() => log('info', 'a after an await'));
    });
    requestScope(log)(b.req, b.response, () => log('info', 'b'));
    b.res.emit('finish');
    resume();
    await handledA;
    expect(lines.find((l) => l.msg === 'b')).toMatchObject({ reqId: b.res.headers['x-request-id'] });
    expect(lines.find((l) => l.msg === 'a after an await')).toMatchObject({ reqId: a.res.headers['x-request-id'] });
    a.res.emit('finish');
    a.res.emit('close');
    b.res.emit('close');
  });

  it('switches the request context off once no request is handled (an answered or a dropped one)', async () => {
    const { log, lines } = capture();
    for (const how of ['finish', 'close'] as const) {
      const { req, res, response } = exchange({});
      let resume!: () => void;
      const gate = new Promise<void>((r) => (resume = r));
      let late: Promise<void> | null = null;
      requestScope(log)(req, response, () => {
        log('info', `${how}: handled`);
        late = gate.then(() => log('info', `${how}: after the answer`));
      });
      res.emit(how);
      resume();
      await late;
      expect(lines.find((l) => l.msg === `${how}: handled`)).toMatchObject({ reqId: res.headers['x-request-id'] });
      expect(lines.find((l) => l.msg === `${how}: after the answer`)).not.toHaveProperty('reqId');
    }
  });
});
