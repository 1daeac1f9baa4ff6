/**
 * The case desks' live updates across two `citytwin web` nodes, as deployed: separate processes
 * on a real Mosquitto and a real redis-server (socket.io's adapter, the writer lease, the cluster
 * bus). A case taken in on either node reaches the desk's sockets on both nodes, as each may see
 * it; a department's handler, on either node, hears only of its department's cases.
 *
 * Each node has its own embedded ClickHouse, so accounts and department bindings are made on each.
 */
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseUpdateMessage } from '../web/shared/case-protocol.ts';
import { call, login } from './support/auth.ts';
import type { CityTwinProcess } from './support/citytwin-process.ts';
import { waitFor } from './support/fixtures.ts';
import { startWebCluster, type WebCluster } from './support/web-cluster.ts';

const WATER = '武汉市水务局';
let cluster: WebCluster;
let webs: CityTwinProcess[] = [];
let admins: string[] = [];
const RUN = Date.now().toString(36);

/** A socket and every `case` event it received. */
interface Follower {
  name: string;
  socket: Socket;
  updates: CaseUpdateMessage[];
}
const followers: Follower[] = [];

function follow(name: string, base: string, token: string): Follower {
  const socket = connectSocket(base, { transports: ['websocket'], reconnection: false, auth: { token } });
  const f: Follower = { name, socket, updates: [] };
  socket.on('case', (msg: CaseUpdateMessage) => f.updates.push(msg));
  followers.push(f);
  return f;
}

beforeAll(async () => {
  cluster = await startWebCluster({ name: 'cases-cluster' });
  ({ webs, admins } = cluster);
  for (const [k, w] of webs.entries()) {
    const user = { username: 'water-li', roles: ['department'], password: 'water-li password 1' };
    expect((await call(w.url, admins[k]!, 'POST', '/api/users', user)).status).toBe(200);
    expect((await call(w.url, admins[k]!, 'POST', '/api/case-departments/water-li', { department: WATER })).status).toBe(200);
    follow(`desk on node ${k}`, w.url, admins[k]!);
    follow(`water on node ${k}`, w.url, await login(w.url, 'water-li', 'water-li password 1'));
  }
  await waitFor('sockets', () => followers.every((f) => f.socket.connected));
}, 180_000);

afterAll(async () => {
  for (const f of followers) f.socket.close();
  await cluster?.stop();
});

async function submit(k: number, externalId: string, category: string, text: string): Promise<string> {
  const res = await call(webs[k]!.url, admins[k]!, 'POST', '/api/cases', {
    externalId,
    category,
    text,
    caller: { name: '刘先生', phone: '13911112222' },
    lng: 114.2712,
    lat: 30.6012,
    receivedAt: Date.now() - 1000,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.caseId as string;
}

const heard = (f: Follower, caseId: string) => f.updates.filter((u) => u.caseId === caseId);

describe('case desks on two web nodes', () => {
  it("a case taken in on either node updates every node's desk, and only its department's handlers", async () => {
    // A socket joins its case room once its department is read: warm up until every socket hears a case.
    const warm: string[] = [];
    for (let i = 0; i < 5 && !followers.every((f) => warm.some((id) => heard(f, id).length > 0)); i++) {
      warm.push(await submit(i % 2, `warm-${i}-${RUN}`, 'waterlogging', '预热'));
      await waitFor('the warm-up case heard', () => followers.every((f) => warm.some((id) => heard(f, id).length > 0)), 5000).catch(
        () => undefined,
      );
    }
    expect(followers.filter((f) => !warm.some((id) => heard(f, id).length > 0)).map((f) => f.name)).toEqual([]);

    for (const k of [0, 1]) {
      // The traffic case first: once the water case is heard, the traffic case's event has passed every socket.
      const traffic = await submit(k, `traffic-${k}-${RUN}`, 'traffic', `信号灯坏了-${k}`);
      const water = await submit(k, `water-${k}-${RUN}`, 'waterlogging', `涵洞积水-${k}`);
      await waitFor(`the water case taken in on node ${k} heard everywhere`, () => followers.every((f) => heard(f, water).length > 0));
      for (const f of followers) {
        const desk = f.name.startsWith('desk');
        // The desk hears of the traffic case (and of its link to the incident it opens); the water authority never.
        expect(heard(f, traffic)[0]?.happened ?? [], `${f.name}: traffic case`).toEqual(desk ? ['case_received', 'case_assigned'] : []);
        const update = heard(f, water)[0]!;
        // Both see the caller: the dispatch desk and the department the case is with.
        expect(update.case).toMatchObject({ id: water, department: WATER, level: 'full', text: `涵洞积水-${k}` });
        expect(update.case!.caller?.phone).toBe('13911112222');
        expect(update.happened).toEqual(['case_received', 'case_assigned']);
      }
    }
  }, 120_000);
});
