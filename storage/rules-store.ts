/**
 * `rule_versions` (migration 15) and the "try it" preview over `readings` (docs/rules.md).
 *
 * Versions: one row per save and scope (`alarms`, `incidents`); the rule set is stored as
 * versioned JSON and validated (and upgraded) on read through the domain's parsers, so a
 * stored set always comes back as a valid one. Each version's diff is computed on read
 * against the one before (the defaults for version 1).
 *
 * Preview: exact, by running the stored readings through the twin's own evaluation
 * (twin-model/rules/rule-preview.ts). ClickHouse narrows the sensors first — the per-minute
 * rollup says which sensors' 24 h range can reach the rule at all — and then hands over their
 * raw readings page by page in (sensor, time) order, so memory stays bounded whatever the range.
 */
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  applyDraft,
  DEFAULT_INCIDENT_RULE_SET,
  DEFAULT_RULE_SET,
  nextRuleVersion,
  parseIncidentRuleSet,
  parseRuleSet,
  previewPlan,
  RulePreview,
  withDiffs,
  type DraftRule,
  type IncidentRuleSet,
  type PreviewPlan,
  type PreviewResult,
  type RuleSaveMeta,
  type RuleScope,
  type RuleSet,
  type RuleVersion,
} from '../twin-model/index.ts';
import { queryRows } from './query-rows.ts';

/** One row of `rule_versions`. */
export interface RuleVersionRow {
  scope: RuleScope;
  version: number;
  /** Random per save: tells two saves that raced for one version number apart. */
  saveId: string;
  /** Epoch ms. */
  at: number;
  author: string;
  reason: string;
  /** The rule set as JSON, with its `schemaVersion`. */
  ruleSet: string;
}

interface StoredRuleVersion {
  scope: string;
  version: number | string;
  save_id: string;
  ms: number | string;
  author: string;
  reason: string;
  rule_set: string;
}

export function ruleVersionRowOf(r: StoredRuleVersion): RuleVersionRow {
  return {
    scope: r.scope === 'incidents' ? 'incidents' : 'alarms',
    version: Number(r.version),
    saveId: r.save_id,
    at: Number(r.ms),
    author: r.author,
    reason: r.reason,
    ruleSet: r.rule_set,
  };
}

/** Another save took the version number first; reload the versions and apply the change again. */
export class RuleVersionConflictError extends Error {}

/** The preview range: the last 24 h by default. */
export const PREVIEW_RANGE_MS = 24 * 3600_000;
/** Raw readings fetched per page. */
const PAGE_ROWS = 50_000;
/** Sensors per page query (the `IN` list). */
const SENSORS_PER_QUERY = 2_000;

export interface PreviewOptions {
  /** End of the range (epoch ms); the caller's clock. */
  to: number;
  /** @default to − 24 h */
  from?: number;
  /** The asset a sensor watches (the city's register), for asset overrides. */
  assetOf?: (sensorId: string) => string | null;
  /** The sensors watching an asset (the city's register), for a draft at asset scope. */
  sensorsOf?: (assetId: string) => string[];
}

export interface PreviewReport extends PreviewResult {
  from: number;
  to: number;
  /** Sensors in scope whose stored readings of the metric could reach the rule (the others cannot raise it). */
  candidates: number;
}

const SCOPE_PARSERS = {
  alarms: { parse: (doc: unknown, what: string) => parseRuleSet(doc, what), defaults: DEFAULT_RULE_SET },
  incidents: {
    parse: (doc: unknown, what: string) => parseIncidentRuleSet(doc, what, DEFAULT_INCIDENT_RULE_SET),
    defaults: DEFAULT_INCIDENT_RULE_SET,
  },
} as const;

const VERSION_SELECT = `SELECT scope, version, save_id, toUnixTimestamp64Milli(at) AS ms, author, reason, rule_set FROM rule_versions`;

export class RulesStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Every version of the alarm rules, in order, with diffs. */
  async alarmVersions(): Promise<RuleVersion<RuleSet>[]> {
    return this.versions('alarms') as Promise<RuleVersion<RuleSet>[]>;
  }

  /** Every version of the incident rules, in order, with diffs. */
  async incidentVersions(): Promise<RuleVersion<IncidentRuleSet>[]> {
    return this.versions('incidents') as Promise<RuleVersion<IncidentRuleSet>[]>;
  }

  /** Saves a validated alarm rule set as the next version (RuleVersionError, RuleVersionConflictError). */
  async saveAlarmRules(ruleSet: RuleSet, meta: RuleSaveMeta): Promise<RuleVersion<RuleSet>> {
    return this.save('alarms', ruleSet, meta) as Promise<RuleVersion<RuleSet>>;
  }

  /** Saves a validated incident rule set as the next version. */
  async saveIncidentRules(ruleSet: IncidentRuleSet, meta: RuleSaveMeta): Promise<RuleVersion<IncidentRuleSet>> {
    return this.save('incidents', ruleSet, meta) as Promise<RuleVersion<IncidentRuleSet>>;
  }

  /** The stored rows of a scope, one per version (a save that lost a race left out), in order. */
  async rows(scope: RuleScope): Promise<RuleVersionRow[]> {
    const rows = await queryRows<StoredRuleVersion>(
      this.client,
      `${VERSION_SELECT} WHERE scope = {scope:String} ORDER BY version, at, save_id LIMIT 1 BY version`,
      { scope },
    );
    return rows.map(ruleVersionRowOf);
  }

  private async versions(scope: RuleScope): Promise<RuleVersion<RuleSet | IncidentRuleSet>[]> {
    const { parse, defaults } = SCOPE_PARSERS[scope];
    const stored = (await this.rows(scope)).map((r) => ({
      scope,
      version: r.version,
      ruleSet: parse(JSON.parse(r.ruleSet) as unknown, `stored ${scope} rules version ${r.version}`),
      author: r.author,
      at: r.at,
      reason: r.reason,
    }));
    return withDiffs<RuleSet | IncidentRuleSet>(stored, defaults);
  }

  private async save(
    scope: RuleScope,
    ruleSet: RuleSet | IncidentRuleSet,
    meta: RuleSaveMeta,
  ): Promise<RuleVersion<RuleSet | IncidentRuleSet>> {
    const next = nextRuleVersion(scope, await this.versions(scope), ruleSet, meta, SCOPE_PARSERS[scope].defaults);
    const saveId = randomUUID();
    await this.client.insert({
      table: 'rule_versions',
      values: [
        {
          scope,
          version: next.version,
          save_id: saveId,
          at: next.at,
          author: next.author,
          reason: next.reason,
          rule_set: JSON.stringify(next.ruleSet),
        },
      ],
      format: 'JSONEachRow',
    });
    const [winner] = await queryRows<StoredRuleVersion>(
      this.client,
      `${VERSION_SELECT} WHERE scope = {scope:String} AND version = {version:UInt32} ORDER BY at, save_id LIMIT 1`,
      { scope, version: next.version },
    );
    if (winner && winner.save_id !== saveId)
      throw new RuleVersionConflictError(
        `version ${next.version} of the ${scope} rules was saved by ${winner.author} meanwhile; reload the rules and apply the change again`,
      );
    return next;
  }

  /**
   * Keeps a version another web node saved (heard on the cluster bus) when this store does not
   * hold it yet — web nodes with their own stores then hold the same history; on a shared store
   * the version is there already and nothing is written. Returns whether it was written.
   */
  async recordVersion(version: Omit<RuleVersion<RuleSet | IncidentRuleSet>, 'diff'>): Promise<boolean> {
    const held = await this.rows(version.scope);
    if (held.some((r) => r.version === version.version)) return false;
    await this.client.insert({
      table: 'rule_versions',
      values: [
        {
          scope: version.scope,
          version: version.version,
          save_id: randomUUID(),
          at: version.at,
          author: version.author,
          reason: version.reason,
          rule_set: JSON.stringify(version.ruleSet),
        },
      ],
      format: 'JSONEachRow',
    });
    return true;
  }

  /**
   * "Try it": the alarm episodes `draft` would have raised over stored readings (the last 24 h
   * by default), counted by the twin's own code. `current` is the rule set in force; the draft
   * is put into it (RuleSetError names the draft's bad field).
   */
  async preview(current: RuleSet, draft: DraftRule, options: PreviewOptions): Promise<PreviewReport> {
    const to = options.to;
    const from = options.from ?? to - PREVIEW_RANGE_MS;
    if (!(from < to)) throw new RangeError(`from = ${from}, to = ${to}: the range must start before it ends`);
    const draftSet = applyDraft(current, draft);
    const plan = previewPlan(draftSet, draft, options.sensorsOf);
    const candidates = await this.previewCandidates(plan, from, to);
    const preview = new RulePreview(draftSet, plan.kind, draft.ruleId, plan.metric, options.assetOf);
    for (let i = 0; i < candidates.length; i += SENSORS_PER_QUERY) {
      await this.readingsInOrder(candidates.slice(i, i + SENSORS_PER_QUERY), plan.metric, from, to, (id, ts, v) => preview.feed(id, ts, v));
    }
    return { ...preview.finish(), from, to, candidates: candidates.length };
  }

  /** Sensors in the plan's scope whose per-minute range in [from, to] reaches the rule, by id. */
  async previewCandidates(plan: PreviewPlan, from: number, to: number): Promise<string[]> {
    if (plan.sensorIds !== null && plan.sensorIds.length === 0) return [];
    const having = {
      above: 'max(max_v) >= {reach:Float64}',
      below: 'min(min_v) <= {reach:Float64}',
      span: 'max(max_v) - min(min_v) >= {reach:Float64}',
      readings: 'sum(n) >= {reach:Float64}',
    }[plan.reach.type];
    const inScope =
      plan.sensorIds === null
        ? 'sensor_id IN (SELECT sensor_id FROM sensors FINAL WHERE kind = {kind:String} AND deleted = 0)'
        : 'sensor_id IN {ids:Array(String)}';
    const rows = await queryRows<{ sensor_id: string }>(
      this.client,
      `SELECT sensor_id FROM readings_1m
       WHERE entity = 'sensor' AND metric = {metric:String} AND ${inScope}
         AND minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64})) AND minute <= fromUnixTimestamp64Milli({to:Int64})
       GROUP BY sensor_id HAVING ${having} ORDER BY sensor_id`,
      { metric: plan.metric, kind: plan.kind, ids: plan.sensorIds ?? [], from, to, reach: plan.reach.value },
    );
    return rows.map((r) => r.sensor_id);
  }

  /**
   * The raw readings of `metric` of these sensors in [from, to], sensor by sensor in time order
   * (duplicates collapsed), page by page on the table's key: at most PAGE_ROWS rows in memory.
   */
  async readingsInOrder(
    sensorIds: readonly string[],
    metric: string,
    from: number,
    to: number,
    onReading: (sensorId: string, ts: number, value: number) => void,
  ): Promise<void> {
    let afterId = '';
    let afterTs = from - 1;
    for (;;) {
      const page = await queryRows<{ sensor_id: string; ms: number | string; value: number }>(
        this.client,
        `SELECT sensor_id, toUnixTimestamp64Milli(ts) AS ms, value FROM readings FINAL
         WHERE entity = 'sensor' AND metric = {metric:String} AND sensor_id IN {ids:Array(String)}
           AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64})
           AND (sensor_id > {afterId:String} OR (sensor_id = {afterId:String} AND ts > fromUnixTimestamp64Milli({afterTs:Int64})))
         ORDER BY sensor_id, ts LIMIT {limit:UInt32}`,
        { metric, ids: [...sensorIds], from, to, afterId, afterTs, limit: PAGE_ROWS },
      );
      for (const r of page) onReading(r.sensor_id, Number(r.ms), Number(r.value));
      const last = page.at(-1);
      if (!last || page.length < PAGE_ROWS) return;
      afterId = last.sensor_id;
      afterTs = Number(last.ms);
    }
  }
}
