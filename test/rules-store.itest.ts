/**
 * The rules store on the embedded ClickHouse engine: rule versions saved and read back (who,
 * when, why, the diff, the version in force at a time), stored JSON validated and upgraded on
 * read, two saves racing for one version; and the "try it" preview against the issue's
 * acceptance test — the preview count equals the alarms the rule then raises on the same data:
 * 24 h of a water-level network's readings are stored (with duplicate deliveries, readings
 * before the range, a deregistered sensor), and each draft's preview is compared with a real
 * twin that holds the saved rule and is fed the same readings in arrival order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClickHouseSink,
  createClickHouse,
  MIGRATIONS,
  queryRows,
  registryRowOf,
  RuleVersionConflictError,
  RulesStore,
  runMigrations,
  type StorageClient,
} from '../storage/index.ts';
import { emptyBatch, readingRow } from '../storage/storage-batch.ts';
import {
  applyDraft,
  applyTwinInput,
  compileRuleSet,
  createRandom,
  createTwinChanges,
  createTwinState,
  DEFAULT_INCIDENT_RULE_SET,
  DEFAULT_RULE_SET,
  formatRuleChange,
  parseRuleSet,
  previewPlan,
  RuleSetError,
  SensorStateCode,
  versionAt,
  type DraftRule,
  type RuleSet,
  type SensorSite,
} from '../twin-model/index.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('rules-store');
const client = createClickHouse({ url: null, dataDir: dir.path });
const store = new RulesStore(client);
const MIN = 60_000;
const HOUR = 60 * MIN;
const now = Math.floor(Date.now() / MIN) * MIN;
const from = now - 24 * HOUR;

beforeAll(async () => {
  expect(await runMigrations(client)).toContain(15);
  expect(MIGRATIONS.find((m) => m.version === 15)?.name).toBe('rule versions (alarm and incident rules, versioned)');
});

afterAll(async () => {
  await client.close();
  dir.remove();
});

function edited(edit: (doc: RuleSet) => void): RuleSet {
  const doc = structuredClone(DEFAULT_RULE_SET);
  edit(doc);
  return parseRuleSet(doc);
}

describe('rule versions', () => {
  const t0 = now - 10 * HOUR;
  const v1Set = edited((d) => {
    d.kinds.rain_gauge!.staleAfterMs = 600_000;
  });
  const v2Set = edited((d) => {
    d.kinds.rain_gauge!.staleAfterMs = 600_000;
    d.assets = { 'up-1': { water_level: { rules: { water_level_cm: { onDelayMs: 60_000 } } } } };
  });

  it('saves versions per scope and reads them back validated, with who, when, why and the diff', async () => {
    const v1 = await store.saveAlarmRules(v1Set, { author: 'li.wei', at: t0, reason: 'gauges report every 5 min' });
    const v2 = await store.saveAlarmRules(v2Set, { author: 'zhang.min', at: t0 + HOUR, reason: 'the underpass floods in gusts' });
    const i1Set = structuredClone(DEFAULT_INCIDENT_RULE_SET);
    i1Set.rules.fire!.windowS = 1200;
    const i1 = await store.saveIncidentRules(i1Set, { author: 'li.wei', at: t0 + 2 * HOUR, reason: 'smoke lingers' });

    const alarms = await store.alarmVersions();
    expect(alarms).toEqual([v1, v2]);
    expect(alarms.map((v) => [v.version, v.author, v.reason, v.diff.map(formatRuleChange)])).toEqual([
      [1, 'li.wei', 'gauges report every 5 min', ['kinds.rain_gauge.staleAfterMs: 300000 → 600000']],
      [
        2,
        'zhang.min',
        'the underpass floods in gusts',
        ['assets: added {"up-1":{"water_level":{"rules":{"water_level_cm":{"onDelayMs":60000}}}}}'],
      ],
    ]);
    expect(await store.incidentVersions()).toEqual([i1]);
    expect(i1.diff.map(formatRuleChange)).toEqual([`rules.fire.windowS: ${DEFAULT_INCIDENT_RULE_SET.rules.fire!.windowS} → 1200`]);

    // Replay at T: the version in force then.
    expect(versionAt(alarms, t0 - 1)).toBeNull();
    expect(versionAt(alarms, t0 + 30 * MIN)?.version).toBe(1);
    expect(versionAt(alarms, now)?.version).toBe(2);
  });

  it('refuses to save an unchanged set, naming the version', async () => {
    await expect(store.saveAlarmRules(v2Set, { author: 'a', at: now, reason: 'again' })).rejects.toThrow(
      'nothing changed against version 2',
    );
  });

  it('upgrades a stored set of an older schema version on read, and refuses a stored set that is not valid, naming the version', async () => {
    const insert = (version: number, ruleSet: unknown) =>
      client.insert({
        table: 'rule_versions',
        values: [
          {
            scope: 'alarms',
            version,
            save_id: `raw-${version}`,
            at: now - 60_000,
            author: 'import',
            reason: 'old',
            rule_set: JSON.stringify(ruleSet),
          },
        ],
        format: 'JSONEachRow',
      });
    // Schema version 0: a city package's first rules/alarms.json format.
    await insert(3, {
      water_level: {
        staleAfterMs: 60_000,
        metrics: [{ metric: 'water_level_cm', direction: 'above', warning: { enter: 5, exit: 3 }, alarm: { enter: 9, exit: 7 } }],
      },
    });
    const v3 = (await store.alarmVersions()).at(-1)!;
    expect(v3.ruleSet.kinds.water_level!.rules.water_level_cm).toMatchObject({ type: 'threshold', warning: { enter: 5, exit: 3 } });
    await insert(4, { schemaVersion: 1, kinds: { water_level: { staleAfterMs: -1, rules: {} } } });
    const refused = await store.alarmVersions().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RuleSetError);
    expect(String((refused as Error).message)).toBe(
      'stored alarms rules version 4 is not a valid rule set: kinds.water_level.staleAfterMs = -1: at least 1000 ms',
    );
    await client.command({ query: "ALTER TABLE rule_versions DELETE WHERE scope = 'alarms' AND version >= 3 SETTINGS mutations_sync = 1" });
    expect((await store.alarmVersions()).map((v) => v.version)).toEqual([1, 2]);
  });

  it('tells the later of two saves racing for one version number that it lost; the earlier is the version', async () => {
    // The other save lands between this save's read of the versions and its insert.
    const racing = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'insert') return Reflect.get(target, prop, receiver);
        return async (params: Parameters<StorageClient['insert']>[0]) => {
          await target.insert({
            table: 'rule_versions',
            values: [
              {
                scope: 'alarms',
                version: 3,
                save_id: 'other',
                at: now - 2000,
                author: 'wang.fang',
                reason: 'first',
                rule_set: JSON.stringify(v1Set),
              },
            ],
            format: 'JSONEachRow',
          });
          return target.insert(params);
        };
      },
    });
    const late = new RulesStore(racing);
    await expect(late.saveAlarmRules(DEFAULT_RULE_SET, { author: 'li.wei', at: now - 1000, reason: 'second' })).rejects.toThrow(
      new RuleVersionConflictError(
        'version 3 of the alarms rules was saved by wang.fang meanwhile; reload the rules and apply the change again',
      ),
    );
    const versions = await store.alarmVersions();
    expect(versions.map((v) => [v.version, v.author])).toEqual([
      [1, 'li.wei'],
      [2, 'zhang.min'],
      [3, 'wang.fang'],
    ]);
    const [stored] = await queryRows<{ n: number | string }>(
      client,
      "SELECT count() AS n FROM rule_versions WHERE scope = 'alarms' AND version = 3",
    );
    // Both saves stay stored; the later one is left out when read.
    expect(Number(stored!.n)).toBe(2);
  });
});

// --- The preview ------------------------------------------------------------------------------

interface Reading {
  id: string;
  ts: number;
  value: number;
}

const SENSORS = Array.from({ length: 40 }, (_, i) => `wl-${String(i).padStart(2, '0')}`);
const ASSET_OF = new Map(SENSORS.slice(0, 10).map((id) => [id, 'up-1']));
const assetOf = (id: string) => ASSET_OF.get(id) ?? null;
const sensorsOf = (asset: string) => [...ASSET_OF].filter(([, a]) => a === asset).map(([id]) => id);

/** A day of one gauge: a dry base with noise, storms hovering around the thresholds, one-reading spikes, stuck stretches. */
function gaugeDay(id: string, index: number): Reading[] {
  const rnd = createRandom(1000 + index);
  const out: Reading[] = [];
  const calm = index % 5 === 4;
  const storms = calm
    ? []
    : Array.from({ length: 1 + rnd.int(3) }, () => ({
        at: rnd.range(0, 24 * HOUR),
        len: rnd.range(20, 120) * MIN,
        peak: rnd.range(12, 45),
      }));
  const stuck = index % 3 === 0 ? { at: rnd.range(0, 22 * HOUR), len: rnd.range(20, 90) * MIN, value: rnd.range(2, 20) } : null;
  // From an hour before the range, so readings outside it exist (and must not count).
  for (let t = -HOUR; t < 24 * HOUR; t += MIN) {
    const ts = Math.round(from + t + rnd.range(0, 20_000));
    let v = 3 + rnd.normal() * 0.4;
    for (const s of storms) {
      const x = (t - s.at) / s.len;
      if (x >= 0 && x <= 1) v += s.peak * Math.sin(Math.PI * x) + rnd.normal() * 2.5;
    }
    if (!calm && rnd.next() < 0.01) v += rnd.range(15, 40);
    if (stuck && t >= stuck.at && t < stuck.at + stuck.len) v = stuck.value + rnd.range(-0.1, 0.1);
    if (t < 0 && index % 2 === 0) v = 50;
    out.push({ id, ts, value: Math.round(v * 100) / 100 });
  }
  return out;
}

const day = SENSORS.flatMap((id, i) => gaugeDay(id, i));
const gone = gaugeDay('wl-gone', 1);

async function storeReadings(): Promise<void> {
  const sink = new ClickHouseSink(client);
  const batch = emptyBatch('rules-preview-registry');
  for (const id of [...SENSORS, 'wl-gone'])
    batch.sensors.push(registryRowOf(id, { kind: 'water_level', lng: 114.3, lat: 30.5 }, from - 2 * HOUR));
  batch.sensors.push(registryRowOf('wl-gone', null, from - HOUR));
  batch.sensors.push(registryRowOf('rg-1', { kind: 'rain_gauge', lng: 114.3, lat: 30.5 }, from - 2 * HOUR));
  await sink.write(batch);
  const all = [...day, ...gone];
  for (let i = 0; i < all.length; i += 20_000) {
    const b = emptyBatch(`rules-preview-${i}`);
    for (const r of all.slice(i, i + 20_000)) b.readings.push(readingRow('sensor', r.id, 'water_level_cm', r.ts, r.value, r.ts + 500));
    await sink.write(b);
  }
  // Delivered twice (another batch): stored once.
  const again = emptyBatch('rules-preview-again');
  for (const r of day.filter((_, i) => i % 7 === 0))
    again.readings.push(readingRow('sensor', r.id, 'water_level_cm', r.ts, r.value, r.ts + 900));
  await sink.write(again);
}

/** The alarm episodes a twin holding `rules` raises when the day's readings in [from, now] arrive, one message each, in time order. */
function twinEpisodes(
  rules: RuleSet,
  sensors: readonly string[],
): { episodes: number; alarmEpisodes: number; perSensor: Record<string, number> } {
  const sites = new Map<string, SensorSite>(
    sensors.map((id) => {
      const site: SensorSite = {
        id,
        kind: 'water_level',
        lng: 114.3,
        lat: 30.5,
        district: '420106',
        sourceId: 'swj',
        nameZh: id,
        nameEn: id,
        lowness: 1,
      };
      const asset = assetOf(id);
      if (asset) site.assetId = asset;
      return [id, site];
    }),
  );
  const twin = createTwinState({ rules: compileRuleSet(rules), sites });
  let t = from;
  const ctx = { now: () => t };
  const changes = createTwinChanges({ collectAlarms: true });
  for (const id of sensors) applyTwinInput(twin, { type: 'meta', id, meta: { kind: 'water_level', lng: 114.3, lat: 30.5 } }, ctx, changes);
  changes.alarms!.length = 0;
  const arriving = day
    .filter((r) => sensors.includes(r.id) && r.ts >= from && r.ts <= now)
    .sort((a, b) => a.ts - b.ts || a.id.localeCompare(b.id));
  for (const r of arriving) {
    t = r.ts;
    applyTwinInput(twin, { type: 'readings', id: r.id, readings: [{ metric: 'water_level_cm', ts: r.ts, value: r.value }] }, ctx, changes);
  }
  const hot = (c: SensorStateCode) => c === SensorStateCode.warning || c === SensorStateCode.alarm;
  const perSensor: Record<string, number> = {};
  let alarmEpisodes = 0;
  const reached = new Set<string>();
  for (const a of changes.alarms!) {
    if (!hot(a.from) && hot(a.to)) {
      perSensor[a.sensorId] = (perSensor[a.sensorId] ?? 0) + 1;
      reached.delete(a.sensorId);
    }
    if (a.to === SensorStateCode.alarm && !reached.has(a.sensorId)) {
      reached.add(a.sensorId);
      alarmEpisodes++;
    }
    if (!hot(a.to)) reached.delete(a.sensorId);
  }
  return { episodes: Object.values(perSensor).reduce((n, e) => n + e, 0), alarmEpisodes, perSensor };
}

/** The rule set a twin holds once the rule is saved: water levels with that rule alone (and any overrides given). */
function savedWith(rules: Record<string, unknown>, overrides: Record<string, unknown> = {}): RuleSet {
  return parseRuleSet({ schemaVersion: 1, kinds: { water_level: { staleAfterMs: 180_000, rules } }, ...overrides });
}

const threshold = {
  type: 'threshold',
  metric: 'water_level_cm',
  direction: 'above',
  warning: { enter: 15, exit: 10 },
  alarm: { enter: 30, exit: 25 },
  onDelayMs: 2 * MIN,
} as const;
const rise = {
  type: 'rate',
  metric: 'water_level_cm',
  direction: 'rise',
  delta: 8,
  exitDelta: 5,
  windowMs: 10 * MIN,
  level: 'alarm',
  onDelayMs: MIN,
} as const;
const stuck = { type: 'flatline', metric: 'water_level_cm', epsilon: 0.3, forMs: 30 * MIN, minReadings: 20, level: 'warning' } as const;

describe('the preview ("try it") equals the alarms the rule then raises on the same data', () => {
  beforeAll(storeReadings, 120_000);

  const cases: { name: string; current: RuleSet; draft: DraftRule; saved: RuleSet; sensors: string[] }[] = [
    {
      name: 'a threshold with hysteresis and an on-delay, for the kind',
      current: DEFAULT_RULE_SET,
      draft: { scope: { kind: 'water_level' }, ruleId: 'water_level_cm', rule: threshold },
      saved: savedWith({ water_level_cm: threshold }),
      sensors: SENSORS,
    },
    {
      name: 'a rate of change (+8 cm in 10 min) with an exit delta and an on-delay',
      current: DEFAULT_RULE_SET,
      draft: { scope: { kind: 'water_level' }, ruleId: 'rise', rule: rise },
      saved: savedWith({ rise }),
      sensors: SENSORS,
    },
    {
      name: 'a flatline (±0.3 for 30 min, 20 readings)',
      current: DEFAULT_RULE_SET,
      draft: { scope: { kind: 'water_level' }, ruleId: 'stuck', rule: stuck },
      saved: savedWith({ stuck }),
      sensors: SENSORS,
    },
    {
      name: "an asset's override of the kind's threshold",
      current: applyDraft(DEFAULT_RULE_SET, { scope: { kind: 'water_level' }, ruleId: 'water_level_cm', rule: threshold }),
      draft: {
        scope: { kind: 'water_level', assetId: 'up-1' },
        ruleId: 'water_level_cm',
        rule: { warning: { enter: 12, exit: 11 }, onDelayMs: 0 },
      },
      saved: savedWith(
        { water_level_cm: threshold },
        { assets: { 'up-1': { water_level: { rules: { water_level_cm: { warning: { enter: 12, exit: 11 }, onDelayMs: 0 } } } } } },
      ),
      sensors: sensorsOf('up-1'),
    },
    {
      name: "one sensor's own rate rule",
      current: DEFAULT_RULE_SET,
      draft: { scope: { kind: 'water_level', sensorId: 'wl-03' }, ruleId: 'jump', rule: { ...rise, windowMs: 2 * MIN, delta: 5 } },
      saved: savedWith({}, { sensors: { 'wl-03': { water_level: { rules: { jump: { ...rise, windowMs: 2 * MIN, delta: 5 } } } } } }),
      sensors: ['wl-03'],
    },
  ];

  it.each(cases)('$name', async ({ current, draft, saved, sensors }) => {
    const preview = await store.preview(current, draft, { to: now, assetOf, sensorsOf });
    const twin = twinEpisodes(saved, sensors);
    expect(twin.episodes).toBeGreaterThan(0);
    expect({ episodes: preview.episodes, alarmEpisodes: preview.alarmEpisodes }).toEqual({
      episodes: twin.episodes,
      alarmEpisodes: twin.alarmEpisodes,
    });
    expect(preview.sensorsWithEpisodes).toBe(Object.keys(twin.perSensor).length);
    for (const top of preview.top) expect(top.episodes).toBe(twin.perSensor[top.sensorId]);
    expect(preview).toMatchObject({ from, to: now });
    expect(preview.candidates).toBeLessThanOrEqual(sensors.length);
    process.stdout.write(
      `  preview ${draft.ruleId} @${JSON.stringify(draft.scope)}: ${preview.episodes} episodes (${preview.alarmEpisodes} reached alarm) on ${preview.sensorsWithEpisodes} sensors; ${preview.candidates} of ${sensors.length} sensors read, ${preview.readings} readings\n`,
    );
  });

  it('reads only the sensors whose day can reach the rule, their readings in the range, each once; a deregistered sensor is not of the kind', async () => {
    const { draft } = cases[0]!;
    const candidates = await store.previewCandidates(previewPlan(applyDraft(DEFAULT_RULE_SET, draft), draft), from, now);
    // wl-04 is calm (never 15 cm in the range; 50 cm only the hour before it).
    expect(candidates).not.toContain('wl-04');
    expect(candidates).not.toContain('wl-gone');
    expect(candidates.length).toBeLessThan(SENSORS.length);
    const preview = await store.preview(DEFAULT_RULE_SET, draft, { to: now });
    expect(preview.candidates).toBe(candidates.length);
    expect(preview.readings).toBe(day.filter((r) => candidates.includes(r.id) && r.ts >= from && r.ts <= now).length);
  });
});
