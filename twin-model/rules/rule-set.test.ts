import { describe, expect, it } from 'vitest';
import { DEFAULT_ALARM_RULES } from '../alarm-rules.ts';
import type { SensorSite } from '../city/city-types.ts';
import { SENSOR_KINDS } from '../vocabulary.ts';
import { compileRuleSet } from './rule-resolve.ts';
import { DEFAULT_RULE_SET, parseRuleSet, RuleSetError, upgradeRuleSetDoc, type RuleIssue } from './rule-set.ts';

const water = {
  staleAfterMs: 180_000,
  rules: {
    water_level_cm: {
      type: 'threshold',
      metric: 'water_level_cm',
      direction: 'above',
      warning: { enter: 15, exit: 10 },
      alarm: { enter: 30, exit: 25 },
    },
    rise: { type: 'rate', metric: 'water_level_cm', direction: 'rise', delta: 10, windowMs: 300_000, level: 'warning' },
    stuck: { type: 'flatline', metric: 'water_level_cm', epsilon: 0.2, forMs: 1_800_000, minReadings: 10, level: 'warning' },
  },
};

function issuesOf(doc: unknown): RuleIssue[] {
  try {
    parseRuleSet(doc, 'test');
  } catch (e) {
    if (e instanceof RuleSetError) return [...e.issues];
    throw e;
  }
  throw new Error('expected the rule set to be refused');
}

describe('the default rule set', () => {
  it("is today's thresholds: one threshold per metric, its id the metric, the same staleness", () => {
    for (const kind of SENSOR_KINDS) {
      const legacy = DEFAULT_ALARM_RULES[kind];
      const set = DEFAULT_RULE_SET.kinds[kind]!;
      expect(set.staleAfterMs).toBe(legacy.staleAfterMs);
      expect(Object.keys(set.rules)).toEqual(legacy.metrics.map((m) => m.metric));
      for (const m of legacy.metrics) expect(set.rules[m.metric]).toEqual({ type: 'threshold', ...m });
    }
    expect(DEFAULT_RULE_SET.assets).toBeUndefined();
    expect(DEFAULT_RULE_SET.sensors).toBeUndefined();
  });
});

describe('parseRuleSet', () => {
  it('takes threshold, rate and flatline rules and completes the kinds it does not list from the defaults', () => {
    const set = parseRuleSet({ schemaVersion: 1, kinds: { water_level: water } });
    expect(Object.keys(set.kinds.water_level!.rules)).toEqual(['water_level_cm', 'rise', 'stuck']);
    expect(set.kinds.rain_gauge).toEqual(DEFAULT_RULE_SET.kinds.rain_gauge);
    expect(Object.keys(set.kinds).sort()).toEqual([...SENSOR_KINDS].sort());
  });

  it('names the path, quotes the value and says what is allowed, for every problem at once', () => {
    const issues = issuesOf({
      schemaVersion: 1,
      kinds: {
        lava: { staleAfterMs: 60_000, rules: {} },
        water_level: {
          staleAfterMs: 180_000,
          rules: {
            rise: { ...water.rules.rise, delta: -3 },
            hyst: { ...water.rules.water_level_cm, warning: { enter: 15, exit: 20 } },
            wrong_metric: { ...water.rules.rise, metric: 'pm25' },
            spike: { type: 'spike', metric: 'water_level_cm' },
            typo: { ...water.rules.stuck, epsilonn: 1 },
          },
        },
      },
    });
    const lines = issues.map((i) => `${i.path}${i.value !== undefined ? ` = ${i.value}` : ''}: ${i.message}`);
    expect(lines).toEqual([
      expect.stringMatching(/^kinds\.lava: unknown sensor kind; allowed: rain_gauge, water_level, /),
      'kinds.water_level.rules.rise.delta = -3: above 0',
      'kinds.water_level.rules.hyst.warning.exit = 20: hysteresis: exit must be at or below enter (15) for direction above',
      'kinds.water_level.rules.wrong_metric.metric = "pm25": not a metric of water_level; allowed: water_level_cm',
      'kinds.water_level.rules.spike.type = "spike": a rule with "type": threshold, rate or flatline',
      'kinds.water_level.rules.typo.epsilonn: not a field of the format (misspelt?); see docs/rules.md for the fields',
    ]);
  });

  it('refuses another schema version and unknown top-level fields', () => {
    expect(issuesOf({ schemaVersion: 2, kinds: {} })).toEqual([
      { path: 'schemaVersion', value: '2', message: '1 (the version of this format)' },
    ]);
    expect(issuesOf({ schemaVersion: 1, kinds: {}, rulez: {} })[0]?.path).toBe('rulez');
  });

  it('checks overrides against the rule they change, and refuses a type change, an unknown id without a whole rule and a sensor of two kinds', () => {
    const issues = issuesOf({
      schemaVersion: 1,
      kinds: { water_level: water },
      assets: {
        'up-1': {
          water_level: {
            rules: { water_level_cm: { alarm: { enter: 10, exit: 8 } }, rise: { type: 'threshold' }, stuck: { metric: 'other' } },
          },
        },
      },
      sensors: {
        'wl-1': { water_level: { rules: { nosuch: { delta: 3 } } }, rain_gauge: {} },
      },
    });
    expect(issues.map((i) => i.path)).toEqual([
      'assets.up-1.water_level.rules.water_level_cm.alarm.enter',
      'assets.up-1.water_level.rules.rise.type',
      'assets.up-1.water_level.rules.stuck.metric',
      'sensors.wl-1',
      'sensors.wl-1.water_level.rules.nosuch',
    ]);
    expect(issues[0]!.message).toBe('the alarm level must be at or above the warning level (15)');
    expect(issues[1]!.message).toMatch(/cannot change the type/);
    expect(issues[2]!.message).toBe('the rule watches water_level_cm; an override cannot change the metric (add a rule with a new id)');
    expect(issues[4]!.message).toBe(
      'water_level has no rule "nosuch" to change (its rules: water_level_cm, rise, stuck); a new rule needs all its fields, "type" first',
    );
  });

  it("upgrades a city package's first format (schema version 0): thresholds by metric, ids from the metric", () => {
    const v0 = {
      water_level: {
        staleAfterMs: 60_000,
        metrics: [
          { metric: 'water_level_cm', direction: 'above', warning: { enter: 5, exit: 3 }, alarm: { enter: 9, exit: 7 } },
          {
            metric: 'water_level_cm',
            direction: 'above',
            warning: { enter: 50, exit: 40 },
            alarm: { enter: 60, exit: 55 },
            onDelayMs: 1000,
          },
        ],
      },
    };
    expect(upgradeRuleSetDoc(v0)).toEqual({
      schemaVersion: 1,
      kinds: {
        water_level: {
          staleAfterMs: 60_000,
          rules: {
            water_level_cm: { type: 'threshold', ...v0.water_level.metrics[0] },
            water_level_cm_2: { type: 'threshold', ...v0.water_level.metrics[1] },
          },
        },
      },
    });
    expect(parseRuleSet(v0).kinds.water_level!.staleAfterMs).toBe(60_000);
  });
});

describe('resolution per sensor: kind, then asset, then sensor, field by field', () => {
  const set = parseRuleSet({
    schemaVersion: 1,
    kinds: { water_level: water },
    assets: {
      'up-1': {
        water_level: {
          staleAfterMs: 60_000,
          rules: { water_level_cm: { alarm: { enter: 40, exit: 35 }, onDelayMs: 30_000 }, stuck: { enabled: false } },
        },
      },
    },
    sensors: {
      'wl-1': {
        water_level: {
          rules: { water_level_cm: { onDelayMs: 0 }, stuck: { enabled: true }, fast: { ...water.rules.rise, windowMs: 60_000, delta: 5 } },
        },
      },
    },
  });
  const rules = compileRuleSet(set);

  it('gives the kind its rules, shared by every sensor without overrides', () => {
    const a = rules.rulesFor('water_level', null, 'wl-9');
    expect(rules.rulesFor('water_level', 'up-2', 'wl-8')).toBe(a);
    expect(a.rules.map((r) => r.id)).toEqual(['water_level_cm', 'rise', 'stuck']);
    expect(a).toMatchObject({ key: 'water_level', staleAfterMs: 180_000, keepsHistory: true, hasFlatline: true });
  });

  it("applies the asset's fields over the kind's, and the sensor's over both", () => {
    const asset = rules.rulesFor('water_level', 'up-1', 'wl-2');
    expect(asset.staleAfterMs).toBe(60_000);
    expect(asset.rules.map((r) => r.id)).toEqual(['water_level_cm', 'rise']);
    expect(asset.rules[0]).toMatchObject({ warning: { enter: 15, exit: 10 }, alarm: { enter: 40, exit: 35 }, onDelayMs: 30_000 });

    const own = rules.rulesFor('water_level', 'up-1', 'wl-1');
    expect(own.staleAfterMs).toBe(60_000);
    expect(own.rules.map((r) => r.id)).toEqual(['water_level_cm', 'rise', 'stuck', 'fast']);
    expect(own.rules[0]).toMatchObject({ alarm: { enter: 40, exit: 35 }, onDelayMs: 0 });
    expect(own.rules[3]).toMatchObject({ type: 'rate', windowMs: 60_000, delta: 5 });
    expect(rules.rulesFor('rain_gauge', null, 'wl-1').key).toBe('rain_gauge');
  });

  it("refuses, when compiled with the city's sites, an asset's and a sensor's override that are no valid rule together", () => {
    const clash = parseRuleSet({
      schemaVersion: 1,
      kinds: { water_level: water },
      assets: { 'up-1': { water_level: { rules: { water_level_cm: { warning: { enter: 25, exit: 20 } } } } } },
      sensors: { 'wl-1': { water_level: { rules: { water_level_cm: { alarm: { enter: 20, exit: 18 } } } } } },
    });
    const site: SensorSite = {
      id: 'wl-1',
      kind: 'water_level',
      lng: 0,
      lat: 0,
      district: '',
      sourceId: '',
      nameZh: '',
      nameEn: '',
      lowness: 0,
      assetId: 'up-1',
    };
    expect(() => compileRuleSet(clash, { sites: [site] })).toThrow(
      'the overrides of asset up-1 and of sensor wl-1 together is not a valid rule set: sensors.wl-1.water_level.rules.water_level_cm.alarm.enter: the alarm level must be at or above the warning level (25)',
    );
  });
});
