import { describe, expect, it } from 'vitest';
import { DEFAULT_INCIDENT_RULE_SET } from '../incidents/incident-rules.ts';
import { diffRuleSets, formatRuleChange } from './rule-diff.ts';
import { DEFAULT_RULE_SET, parseRuleSet, type RuleSet } from './rule-set.ts';
import { nextRuleVersion, RuleVersionError, versionAt, withDiffs, type RuleVersion } from './rule-versions.ts';

const T0 = Date.UTC(2026, 6, 1);

function edited(edit: (doc: RuleSet) => void): RuleSet {
  const doc = structuredClone(DEFAULT_RULE_SET);
  edit(doc);
  return parseRuleSet(doc);
}

describe('diffRuleSets', () => {
  it('lists added, removed and changed paths with old and new values, in document order', () => {
    const after = edited((d) => {
      const wl = d.kinds.water_level!.rules.water_level_cm!;
      if (wl.type === 'threshold') wl.alarm.enter = 35;
      d.kinds.water_level!.rules.rise = {
        type: 'rate',
        metric: 'water_level_cm',
        direction: 'rise',
        delta: 10,
        windowMs: 300_000,
        level: 'warning',
      };
      delete d.kinds.air_quality!.rules.pm25;
      d.sensors = { 'wl.1': { water_level: { staleAfterMs: 60_000 } } };
    });
    const diff = diffRuleSets(DEFAULT_RULE_SET, after);
    expect(diff.map(formatRuleChange)).toEqual([
      'kinds.water_level.rules.water_level_cm.alarm.enter: 30 → 35',
      'kinds.water_level.rules.rise: added {"type":"rate","metric":"water_level_cm","direction":"rise","delta":10,"windowMs":300000,"level":"warning"}',
      'kinds.air_quality.rules.pm25: removed (was {"type":"threshold","metric":"pm25","direction":"above","warning":{"enter":115,"exit":105},"alarm":{"enter":150,"exit":140},"onDelayMs":300000})',
      'sensors: added {"wl.1":{"water_level":{"staleAfterMs":60000}}}',
    ]);
    expect(diff[0]).toMatchObject({
      keys: ['kinds', 'water_level', 'rules', 'water_level_cm', 'alarm', 'enter'],
      change: 'changed',
      old: 30,
      new: 35,
    });
    expect(diffRuleSets(after, after)).toEqual([]);
  });

  it('compares arrays of items with ids item by id (incident signals), other arrays as one value, and quotes keys that are not plain names', () => {
    const before = {
      signals: [
        { id: 'a', weight: 0.5 },
        { id: 'b', weight: 0.2 },
      ],
      kinds: ['x', 'y'],
      ids: { 'wl.1': 1 },
    };
    const after = {
      signals: [
        { id: 'b', weight: 0.3 },
        { id: 'c', weight: 0.1 },
      ],
      kinds: ['y', 'x'],
      ids: { 'wl.1': 2 },
    };
    expect(diffRuleSets(before, after).map(formatRuleChange)).toEqual([
      'signals.a: removed (was {"id":"a","weight":0.5})',
      'signals.b.weight: 0.2 → 0.3',
      'signals.c: added {"id":"c","weight":0.1}',
      'kinds: ["x","y"] → ["y","x"]',
      'ids["wl.1"]: 1 → 2',
    ]);
  });
});

describe('versions', () => {
  const v1Set = edited((d) => {
    d.kinds.rain_gauge!.staleAfterMs = 600_000;
  });
  const v2Set = edited((d) => {
    d.kinds.rain_gauge!.staleAfterMs = 900_000;
  });

  it('numbers versions per scope, with who, when, why and the diff against the one before (the defaults for the first)', () => {
    const v1 = nextRuleVersion('alarms', [], v1Set, { author: 'li.wei', at: T0, reason: 'gauges report every 5 min' }, DEFAULT_RULE_SET);
    expect(v1).toMatchObject({ scope: 'alarms', version: 1, author: 'li.wei', at: T0, reason: 'gauges report every 5 min' });
    expect(v1.diff.map(formatRuleChange)).toEqual(['kinds.rain_gauge.staleAfterMs: 300000 → 600000']);
    const v2 = nextRuleVersion(
      'alarms',
      [v1],
      v2Set,
      { author: 'zhang.min', at: T0 + 1000, reason: 'fewer stale flashes' },
      DEFAULT_RULE_SET,
    );
    expect(v2.version).toBe(2);
    expect(v2.diff.map(formatRuleChange)).toEqual(['kinds.rain_gauge.staleAfterMs: 600000 → 900000']);
    // As stored (without diffs), the diffs come back the same.
    expect(
      withDiffs(
        [v1, v2].map(({ diff: _d, ...rest }) => rest),
        DEFAULT_RULE_SET,
      ),
    ).toEqual([v1, v2]);
  });

  it('refuses a save without author or reason, back in time, or with nothing changed, saying what is wrong', () => {
    const v1 = nextRuleVersion('alarms', [], v1Set, { author: 'li.wei', at: T0, reason: 'r' }, DEFAULT_RULE_SET);
    const save = (set: RuleSet, meta: { author: string; at: number; reason: string }) => () =>
      nextRuleVersion('alarms', [v1], set, meta, DEFAULT_RULE_SET);
    expect(save(v2Set, { author: ' ', at: T0, reason: 'r' })).toThrow('author = " ": who saves the rules, 1-128 characters');
    expect(save(v2Set, { author: 'a', at: T0, reason: '' })).toThrow('reason = "": why the rules change, 1-2000 characters');
    expect(save(v2Set, { author: 'a', at: T0 - 1, reason: 'r' })).toThrow(
      `at = ${T0 - 1}: before version 1 (at ${T0}); a new version comes after the last`,
    );
    expect(save(v1Set, { author: 'a', at: T0 + 1, reason: 'r' })).toThrow(new RuleVersionError('nothing changed against version 1'));
  });

  it('versions incident rule sets the same way', () => {
    const set = structuredClone(DEFAULT_INCIDENT_RULE_SET);
    set.rules.fire!.windowS = 1200;
    const v1 = nextRuleVersion('incidents', [], set, { author: 'a', at: T0, reason: 'smoke lingers' }, DEFAULT_INCIDENT_RULE_SET);
    expect(v1.diff.map(formatRuleChange)).toEqual([`rules.fire.windowS: ${DEFAULT_INCIDENT_RULE_SET.rules.fire!.windowS} → 1200`]);
  });

  it('finds the version in force at a time: the newest at or before it, none before the first', () => {
    const v = (version: number, at: number) => ({ version, at }) as RuleVersion<RuleSet>;
    const versions = [v(1, T0), v(2, T0 + 10), v(3, T0 + 10), v(4, T0 + 50)];
    expect(versionAt(versions, T0 - 1)).toBeNull();
    expect(versionAt(versions, T0)?.version).toBe(1);
    expect(versionAt(versions, T0 + 9)?.version).toBe(1);
    expect(versionAt(versions, T0 + 10)?.version).toBe(3);
    expect(versionAt(versions, T0 + 49)?.version).toBe(3);
    expect(versionAt(versions, T0 + 1e9)?.version).toBe(4);
    expect(versionAt([], T0)).toBeNull();
  });
});
