/**
 * Registers imported at run time across two `citytwin web` nodes on the river-town package, as
 * deployed (test/support/web-cluster.ts: separate processes, a real Mosquitto and redis-server,
 * each node its own embedded ClickHouse). An import applied on node A is live on node B without a
 * restart: the vocabulary (`/api/vocabulary`, the kind's readings taken), the sensor register (a
 * new sensor registered, a retired one deregistered) and the fleet (`/api/units`: a unit added,
 * one moved, one retired) — each node checks the file against its own files in force.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/auth.ts';
import { waitFor } from './support/fixtures.ts';
import { RIVER_TOWN_DIR } from './support/make-city-fixtures.ts';
import { startWebCluster, type WebCluster } from './support/web-cluster.ts';

let cluster: WebCluster;
const on = (k: number, method: string, path: string, body?: unknown) => call(cluster.webs[k]!.url, cluster.admins[k]!, method, path, body);
const file = (name: string) => readFileSync(join(RIVER_TOWN_DIR, name), 'utf8');
const apply = (body: Record<string, unknown>) => on(0, 'POST', '/api/register/imports?dryRun=false', { reason: 'two nodes', ...body });

beforeAll(async () => {
  cluster = await startWebCluster({ name: 'register-cluster', env: { CITYTWIN_CITY: RIVER_TOWN_DIR } });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('an import applied on one web node is live on the other', () => {
  it('the vocabulary: a new kind is listed on B, and sensors of it registered on B take readings', async () => {
    const vocabulary = JSON.parse(file('vocabulary.json')) as { kinds: unknown[] };
    vocabulary.kinds.push({ kind: 'soil_moisture', label: { zh: '土壤湿度', en: 'Soil moisture' }, metrics: { soil_vwc: '%' } });
    const r = await apply({ entity: 'vocabulary', vocabulary });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const kindOnB = async () =>
      ((await on(1, 'GET', '/api/vocabulary')).body.sensorKinds as Array<{ kind: string; metrics: string[] }>).find(
        (k) => k.kind === 'soil_moisture',
      );
    expect(await waitFor('the kind on node B', kindOnB)).toMatchObject({ metrics: ['soil_vwc'] });

    const sensors = `${file('sensors.csv').trimEnd()}\nsm-markt,soil_moisture,15.6000000,48.2050000,env.noise,市场土壤湿度,Market soil moisture,,\n`;
    const s = await apply({ entity: 'sensor', csv: sensors });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body.counts).toMatchObject({ added: 1 });
    const registeredOnB = await waitFor('the sensor on node B', async () => {
      const b = await on(1, 'GET', '/api/sensors/sm-markt');
      return b.status === 200 && b.body.registered ? b.body : null;
    });
    expect(registeredOnB).toMatchObject({ kind: 'soil_moisture', lng: 15.6, lat: 48.205 });
    const client = await mqtt.connectAsync(cluster.mosquitto.url, { clientId: 'register-cluster' });
    try {
      await client.publishAsync('citytwin/v1/sensors/sm-markt/data', JSON.stringify({ ts: Date.now(), values: { soil_vwc: 31.5 } }), {
        qos: 1,
      });
    } finally {
      await client.endAsync();
    }
    const withValue = await waitFor('the reading on node B', async () => {
      const b = await on(1, 'GET', '/api/sensors/sm-markt');
      return b.body.latest?.soil_vwc !== undefined ? b.body : null;
    });
    expect(withValue.latest.soil_vwc).toMatchObject({ value: 31.5, unit: '%' });
    expect(withValue.state).not.toBe('unregistered');
  });

  it('the fleet: a unit added, one moved (it never sent a fix: it moves with its home) and one retired on A are so on B', async () => {
    const lines = file('units.csv')
      .trimEnd()
      .split('\n')
      .filter((l) => !l.startsWith('pol-2,'))
      .map((l) => (l.startsWith('amb-2,') ? l.replace('15.6121296,48.2098925', '15.6100000,48.2090000') : l));
    lines.push('fire-9,fire_engine,15.5959568,48.1955034,消防车 9,Fire engine 9,firefighting;rescue,fw-haupt,');
    const dry = await on(0, 'POST', '/api/register/imports?dryRun=true', { entity: 'unit', csv: lines.join('\n'), reason: 'two nodes' });
    expect(dry.body).toMatchObject({ ok: true, counts: { added: 1, moved: 1, retired: 1 } });
    const r = await apply({ entity: 'unit', csv: lines.join('\n') });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const unitsOn = async (k: number) => (await on(k, 'GET', '/api/units')).body as Array<{ id: string; lng: number }>;
    for (const k of [0, 1]) {
      const units = await waitFor(`the fleet on node ${k}`, async () => {
        const u = await unitsOn(k);
        return u.some((x) => x.id === 'fire-9') ? u : null;
      });
      expect(units.map((u) => u.id)).not.toContain('pol-2');
      expect(units.find((u) => u.id === 'amb-2')).toMatchObject({ lng: 15.61 });
    }
  });
});
