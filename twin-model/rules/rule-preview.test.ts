import { describe, expect, it } from 'vitest';
import { applyDraft, isolateRule, previewPlan, RulePreview, type DraftRule } from './rule-preview.ts';
import { DEFAULT_RULE_SET, RuleSetError } from './rule-set.ts';

const T0 = Date.UTC(2026, 6, 1);
const MIN = 60_000;
const threshold = {
  type: 'threshold',
  metric: 'water_level_cm',
  direction: 'above',
  warning: { enter: 15, exit: 10 },
  alarm: { enter: 30, exit: 25 },
  onDelayMs: 2 * MIN,
} as const;
const draft: DraftRule = { scope: { kind: 'water_level' }, ruleId: 'water_level_cm', rule: threshold };

function preview(d: DraftRule, series: Record<string, number[]>, assetOf?: (id: string) => string | null) {
  const set = applyDraft(DEFAULT_RULE_SET, d);
  const p = new RulePreview(set, 'water_level', d.ruleId, 'water_level_cm', assetOf);
  for (const [id, values] of Object.entries(series)) {
    for (const [i, v] of values.entries()) p.feed(id, T0 + i * MIN, v);
  }
  return p.finish();
}

describe('applyDraft and isolateRule', () => {
  it('puts a draft at kind, asset or sensor scope and validates the result, naming the path', () => {
    expect(applyDraft(DEFAULT_RULE_SET, draft).kinds.water_level!.rules.water_level_cm).toEqual(threshold);
    const asset = applyDraft(DEFAULT_RULE_SET, {
      scope: { kind: 'water_level', assetId: 'up-1' },
      ruleId: 'water_level_cm',
      rule: { onDelayMs: 0 },
    });
    expect(asset.assets).toEqual({ 'up-1': { water_level: { rules: { water_level_cm: { onDelayMs: 0 } } } } });
    expect(() => applyDraft(DEFAULT_RULE_SET, { ...draft, rule: { ...threshold, warning: { enter: 15, exit: 16 } } })).toThrow(
      RuleSetError,
    );
    expect(() => applyDraft(DEFAULT_RULE_SET, { ...draft, rule: { ...threshold, warning: { enter: 15, exit: 16 } } })).toThrow(
      'kinds.water_level.rules.water_level_cm.warning.exit = 16: hysteresis',
    );
  });

  it('keeps only the rule counted, in the kind and in every override', () => {
    const set = applyDraft(DEFAULT_RULE_SET, {
      scope: { kind: 'water_level', sensorId: 'wl-1' },
      ruleId: 'water_level_cm',
      rule: { onDelayMs: 0 },
    });
    const only = isolateRule(set, 'water_level', 'water_level_cm');
    expect(Object.keys(only.kinds)).toEqual(['water_level']);
    expect(only.sensors).toEqual({ 'wl-1': { water_level: { rules: { water_level_cm: { onDelayMs: 0 } } } } });
  });
});

describe('RulePreview', () => {
  it('counts episodes as the twin raises them: hysteresis, on-delay, episodes that reached alarm', () => {
    const result = preview(draft, {
      // 16 for 3 readings (the on-delay of 2 min passes at the third): one episode; hovering
      // between exit and enter keeps it; below exit ends it; a one-minute spike is not one.
      'wl-1': [5, 16, 16, 16, 12, 14, 9, 5, 20, 5, 5],
      // up to alarm and back: one episode that reached alarm; then a second, warning only.
      'wl-2': [5, 20, 20, 35, 35, 35, 5, 20, 20, 20, 5],
      'wl-3': [1, 2, 3],
    });
    expect(result).toEqual({
      episodes: 3,
      alarmEpisodes: 1,
      sensorsWithEpisodes: 2,
      sensorsEvaluated: 3,
      readings: 25,
      top: [
        { sensorId: 'wl-2', episodes: 2, alarmEpisodes: 1 },
        { sensorId: 'wl-1', episodes: 1, alarmEpisodes: 0 },
      ],
      // Each episode starts where the on-delay of 2 min has passed: the third reading above 15.
      samples: [
        { sensorId: 'wl-1', startTs: T0 + 3 * MIN, reachedAlarm: false },
        { sensorId: 'wl-2', startTs: T0 + 3 * MIN, reachedAlarm: true },
        { sensorId: 'wl-2', startTs: T0 + 9 * MIN, reachedAlarm: false },
      ],
    });
  });

  it("applies an asset's override to that asset's sensors only", () => {
    const atAsset = applyDraft(applyDraft(DEFAULT_RULE_SET, draft), {
      scope: { kind: 'water_level', assetId: 'up-1' },
      ruleId: 'water_level_cm',
      rule: { onDelayMs: 0 },
    });
    const p = new RulePreview(atAsset, 'water_level', 'water_level_cm', 'water_level_cm', (id) => (id === 'wl-1' ? 'up-1' : null));
    for (const id of ['wl-1', 'wl-2']) {
      for (const [i, v] of [5, 16, 5].entries()) p.feed(id, T0 + i * MIN, v);
    }
    expect(p.finish().top).toEqual([{ sensorId: 'wl-1', episodes: 1, alarmEpisodes: 0 }]);
  });
});

describe('previewPlan', () => {
  it('bounds what a sensor must reach to raise anything, over every version of the rule in scope', () => {
    const set = applyDraft(applyDraft(DEFAULT_RULE_SET, draft), {
      scope: { kind: 'water_level', assetId: 'up-1' },
      ruleId: 'water_level_cm',
      rule: { warning: { enter: 12, exit: 10 } },
    });
    expect(previewPlan(set, draft)).toEqual({
      kind: 'water_level',
      metric: 'water_level_cm',
      sensorIds: null,
      reach: { type: 'above', value: 12 },
    });
    const rate: DraftRule = {
      scope: { kind: 'water_level', assetId: 'up-1' },
      ruleId: 'rise',
      rule: { type: 'rate', metric: 'water_level_cm', direction: 'rise', delta: 10, windowMs: 300_000, level: 'warning' },
    };
    expect(() => previewPlan(applyDraft(DEFAULT_RULE_SET, rate), rate)).toThrow(
      "a preview at asset scope needs the asset's sensors (sensorsOf)",
    );
    expect(previewPlan(applyDraft(DEFAULT_RULE_SET, rate), rate, () => ['wl-1', 'wl-7'])).toEqual({
      kind: 'water_level',
      metric: 'water_level_cm',
      sensorIds: ['wl-1', 'wl-7'],
      reach: { type: 'span', value: 10 },
    });
  });
});
