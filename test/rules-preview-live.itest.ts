/**
 * "Try it" tells the truth: the alarm episodes the preview (`POST /api/rules/alarms/preview`)
 * counts for a draft rule over one gauge's stored readings equal the episodes the same rule, once
 * saved (`POST /api/rules/alarms/apply`), raises in the live twin when a second gauge sends the
 * same readings — each state read back over HTTP (`GET /api/sensors/{id}`) after each reading.
 * The running product (`citytwin all`, embedded broker and ClickHouse), nothing substituted.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('rules-preview-live');
let app: RunningCityTwin;
let base: string;
let admin: string;
let publisher: mqtt.MqttClient;

/** Water depths (cm) around the draft's thresholds: in and out of warning, once up to alarm, hysteresis held. */
const DEPTHS = [5, 22, 18, 14, 25, 41, 36, 30, 12, 21, 16, 10, 17, 45, 9];
const DRAFT = { warning: { enter: 20, exit: 15 }, alarm: { enter: 40, exit: 35 } };

beforeAll(async () => {
  app = await startTestCity(dir.path, { CITYTWIN_SENSORS: '50' });
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'rules-preview-live' });
}, 120_000);

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

const sensor = async (id: string) =>
  (await call(base, admin, 'GET', `/api/sensors/${id}`)).body as {
    state: string;
    latest: Record<string, { ts: number }>;
  };

/** Registers a gauge and sends it DEPTHS one by one, each waited for; the state after each, as HTTP answers it. */
async function feed(id: string, firstTs: number): Promise<string[]> {
  const site = app.city!.sensorSites.find((s) => s.kind === 'water_level')!;
  const meta = { kind: 'water_level', lng: site.lng, lat: site.lat, name: id, source: site.sourceId };
  await publisher.publishAsync(`citytwin/v1/sensors/${id}/meta`, JSON.stringify(meta), { qos: 1, retain: true });
  const states: string[] = [];
  for (const [i, depth] of DEPTHS.entries()) {
    const ts = firstTs + i * 1000;
    await publisher.publishAsync(`citytwin/v1/sensors/${id}/data`, JSON.stringify({ ts, values: { water_level_cm: depth } }), { qos: 1 });
    const s = await waitFor(`reading ${i} of ${id} in the twin`, async () => {
      const got = await sensor(id);
      return got.latest?.water_level_cm?.ts === ts ? got : null;
    });
    states.push(s.state);
  }
  return states;
}

/** Episodes as the preview counts them: entering warning or alarm from neither; those that reached alarm. */
function episodesOf(states: string[]): { episodes: number; alarmEpisodes: number } {
  let episodes = 0;
  let alarmEpisodes = 0;
  let inEpisode = false;
  let reached = false;
  for (const s of states) {
    const raised = s === 'warning' || s === 'alarm';
    if (raised && !inEpisode) {
      episodes++;
      reached = false;
    }
    if (s === 'alarm' && !reached) {
      alarmEpisodes++;
      reached = true;
    }
    inEpisode = raised;
  }
  return { episodes, alarmEpisodes };
}

describe('the preview and the saved rule', () => {
  it('count the same alarm episodes on the same readings', async () => {
    const current = (await call(base, admin, 'GET', '/api/rules/alarms')).body;
    const rules = current.ruleSet.kinds.water_level.rules as Record<string, Record<string, unknown>>;
    const ruleId = Object.keys(rules).find((k) => rules[k]!.metric === 'water_level_cm')!;
    const draft = { ...rules[ruleId], ...DRAFT };

    // Gauge A's readings, stored under the rules in force; then the draft tried on them.
    await feed('preview-live-a', Date.now() - 10 * 60_000);
    const preview = await waitFor('gauge A stored', async () => {
      const res = await call(base, admin, 'POST', '/api/rules/alarms/preview', { kind: 'water_level', ruleId, rule: draft });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.readings >= DEPTHS.length ? res.body : null;
    });
    const a = preview.top.find((t: { sensorId: string }) => t.sensorId === 'preview-live-a');
    expect(a).toBeDefined();

    // Saved, then gauge B sends the same readings to the live twin.
    const ruleSet = structuredClone(current.ruleSet);
    ruleSet.kinds.water_level.rules[ruleId] = draft;
    const applied = await call(base, admin, 'POST', '/api/rules/alarms/apply', { ruleSet, reason: 'tried on gauge A first' });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const live = episodesOf(await feed('preview-live-b', Date.now() - 60_000));

    expect(live).toEqual({ episodes: 4, alarmEpisodes: 2 });
    expect({ episodes: a.episodes, alarmEpisodes: a.alarmEpisodes }).toEqual(live);
    expect({ episodes: preview.episodes, alarmEpisodes: preview.alarmEpisodes }).toEqual(live);
  }, 120_000);
});
