/**
 * Alarm and incident rules at run time (docs/rules.md), wired into the running product:
 *
 * - At start: the newest stored version of each scope, else the city package's `rules/`, else
 *   the defaults (the baseline), put in force in the twin before it serves anyone.
 * - Apply: a rule set validated against the city's vocabulary and register, saved as the next
 *   version (who, when, why, the diff), put in force in this node's twin at once, and announced
 *   to every other web node on the cluster bus (a typed notice carrying the version itself), which
 *   put it in force in theirs and keep it in their store when it lacks it. Audited.
 * - Preview: the exact "try it" count of a draft rule over stored readings (storage/rules-store.ts).
 * - Replay at T compiles the version in force at T (`alarmRulesAt`).
 */
import { RuleVersionConflictError, type PreviewReport, type RulesStore } from '../../../storage/index.ts';
import {
  compileRuleSet,
  DEFAULT_INCIDENT_RULE_SET,
  DEFAULT_RULE_SET,
  diffRuleSets,
  incidentRulesOf,
  parseIncidentRuleSet,
  parseRuleSet,
  ruleSetsOfCity,
  ruleVocabulary,
  versionAt,
  withDiffs,
  type CityModel,
  type CompiledRuleSet,
  type DraftRule,
  type IncidentRuleSet,
  type RuleChange,
  type RuleScope,
  type RuleSet,
  type RuleVersion,
  type SensorSite,
} from '../../../twin-model/index.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { TwinWriterChannel } from '../cluster/cluster-bus.ts';
import type { ClusterNotice } from '../cluster/cluster-messages.ts';
import type { TwinService } from '../live/twin-service.ts';

export interface RulesServiceOptions {
  store: RulesStore;
  twin: TwinService;
  city: CityModel | null;
  audit?: AuditService | null;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

type AnySet = RuleSet | IncidentRuleSet;

/** Where the rules in force at start came from. */
export type RulesOrigin = 'stored' | 'city' | 'defaults';

/** A version as it travels between nodes and into the store (no diff: computed on read). */
type BareVersion = Omit<RuleVersion<AnySet>, 'diff'>;

export class RulesService {
  private readonly now: () => number;
  private readonly log: NonNullable<RulesServiceOptions['log']>;
  private readonly sites: ReadonlyMap<string, SensorSite>;
  private readonly sensorsByAsset = new Map<string, string[]>();
  /** What is in force before version 1: the city package's rule sets, or the defaults. */
  readonly baseline: { alarms: RuleSet; incidents: IncidentRuleSet };
  readonly baselineOrigin: RulesOrigin;
  /** Every version known to this node, per scope, in version order. */
  private readonly history: { alarms: BareVersion[]; incidents: BareVersion[] } = { alarms: [], incidents: [] };
  /** The compiled alarm rules of each version (replay asks for the same ones again and again). */
  private readonly compiled = new Map<number, CompiledRuleSet>();
  private baselineCompiled: CompiledRuleSet | null = null;
  private channel: TwinWriterChannel | null = null;
  readonly counters = { applied: 0, received: 0, refused: 0 };

  constructor(private readonly options: RulesServiceOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    const sites = options.city?.sensorSites ?? [];
    this.sites = new Map(sites.map((s) => [s.id, s]));
    for (const s of sites) if (s.assetId) this.sensorsByAsset.set(s.assetId, [...(this.sensorsByAsset.get(s.assetId) ?? []), s.id]);
    const city = options.city?.rules ? ruleSetsOfCity(options.city) : null;
    this.baseline = city ?? { alarms: DEFAULT_RULE_SET, incidents: DEFAULT_INCIDENT_RULE_SET };
    this.baselineOrigin = city ? 'city' : 'defaults';
  }

  /**
   * Reads the stored versions and puts the newest of each scope in force (else the baseline).
   * Returns where each scope's rules came from.
   */
  async start(): Promise<Record<RuleScope, RulesOrigin>> {
    const [alarms, incidents] = await Promise.all([this.options.store.alarmVersions(), this.options.store.incidentVersions()]);
    this.history.alarms = alarms.map(bare);
    this.history.incidents = incidents.map(bare);
    const a = this.history.alarms.at(-1);
    const i = this.history.incidents.at(-1);
    this.options.twin.setAlarmRules(this.compile((a?.ruleSet as RuleSet | undefined) ?? this.baseline.alarms, a?.version ?? 0));
    this.options.twin.setIncidentRules(incidentRulesOf((i?.ruleSet as IncidentRuleSet | undefined) ?? this.baseline.incidents));
    return { alarms: a ? 'stored' : this.baselineOrigin, incidents: i ? 'stored' : this.baselineOrigin };
  }

  /** Hears the versions other web nodes save. */
  attach(channel: TwinWriterChannel): void {
    this.channel = channel;
    channel.onNotice((notice) => void this.received(notice));
  }

  /** The rule set in force now. */
  current(scope: RuleScope): { version: number; ruleSet: AnySet } {
    const last = this.history[scope].at(-1);
    return last ? { version: last.version, ruleSet: last.ruleSet } : { version: 0, ruleSet: this.baseline[scope] };
  }

  /** Every version of a scope, with its diff against the one before (the baseline for version 1). */
  versions(scope: RuleScope): RuleVersion<AnySet>[] {
    return withDiffs<AnySet>(this.history[scope], this.baseline[scope]);
  }

  /** The rule set of version `n` (0: the baseline), or null when there is no such version. */
  ruleSetOf(scope: RuleScope, n: number): AnySet | null {
    if (n === 0) return this.baseline[scope];
    return this.history[scope].find((v) => v.version === n)?.ruleSet ?? null;
  }

  /** The changes from version `from` to version `to` (0 is the baseline). */
  diff(scope: RuleScope, from: number, to: number): RuleChange[] {
    const a = this.ruleSetOf(scope, from);
    const b = this.ruleSetOf(scope, to);
    if (!a || !b)
      throw new RangeError(`version ${a ? to : from} of the ${scope} rules does not exist (versions 0 to ${this.current(scope).version})`);
    return diffRuleSets(a, b);
  }

  /** Validates a rule set document of a scope against the city (its vocabulary and register); throws RuleSetError / IncidentRuleError. */
  parse(scope: RuleScope, doc: unknown): AnySet {
    if (scope === 'incidents') return parseIncidentRuleSet(doc, 'the incident rules', this.baseline.incidents);
    const declared = Object.fromEntries((this.options.city?.vocabulary ?? []).map((k) => [k.kind, Object.keys(k.metrics)]));
    const set = parseRuleSet(doc, 'the alarm rules', { vocabulary: ruleVocabulary(declared), defaults: this.baseline.alarms });
    // An asset's and a sensor's override of the same rule are checked together with the register.
    compileRuleSet(set, { sites: this.sites.values() });
    return set;
  }

  /**
   * Saves `doc` as the next version and puts it in force here and on every other web node.
   * Throws RuleSetError / IncidentRuleError (invalid), RuleVersionError (no author or reason,
   * nothing changed), RuleVersionConflictError (another save took the number first).
   */
  async apply(scope: RuleScope, doc: unknown, author: string, reason: string): Promise<RuleVersion<AnySet>> {
    const ruleSet = this.parse(scope, doc);
    const meta = { author, reason, at: Math.max(this.now(), this.history[scope].at(-1)?.at ?? 0) };
    let saved: RuleVersion<AnySet>;
    try {
      saved =
        scope === 'alarms'
          ? await this.options.store.saveAlarmRules(ruleSet as RuleSet, meta)
          : await this.options.store.saveIncidentRules(ruleSet as IncidentRuleSet, meta);
    } catch (err) {
      this.counters.refused++;
      throw err;
    }
    // The store's history may lack versions this node heard of (its own store): number after both.
    const known = this.history[scope].at(-1)?.version ?? 0;
    if (saved.version <= known) {
      this.counters.refused++;
      throw new RuleVersionConflictError(
        `version ${saved.version} of the ${scope} rules exists already on another web node (the newest is ${known}); reload the rules and apply the change again`,
      );
    }
    this.putInForce(bare(saved));
    this.counters.applied++;
    this.channel?.announce({
      kind: 'rules_applied',
      scope,
      version: saved.version,
      at: saved.at,
      author: saved.author,
      reason: saved.reason,
      ruleSet: saved.ruleSet,
    });
    this.options.audit?.record({
      at: saved.at,
      actor: author,
      stream: 'config',
      action: 'rules_applied',
      object: `${scope} v${saved.version}`,
      detail: saved.reason,
      data: { scope, version: saved.version, changes: saved.diff.length, diff: saved.diff.slice(0, 50) },
    });
    this.log('info', `${scope} rules version ${saved.version} by ${author} in force: ${saved.diff.length} changes (${saved.reason})`);
    return saved;
  }

  /**
   * "Try it": the episodes `draft` would have raised over stored readings (the last 24 h, or
   * `from`–`to`), counted by the twin's own code on the rules in force with the draft put in.
   */
  async preview(draft: DraftRule, range: { from?: number; to?: number } = {}): Promise<PreviewReport> {
    const to = range.to ?? this.now();
    return this.options.store.preview(this.current('alarms').ruleSet as RuleSet, draft, {
      to,
      ...(range.from !== undefined ? { from: range.from } : {}),
      assetOf: (id) => this.sites.get(id)?.assetId ?? null,
      sensorsOf: (assetId) => this.sensorsByAsset.get(assetId) ?? [],
    });
  }

  /** The alarm rules in force at `t` (replay): the version saved at or before `t`, else the baseline. */
  alarmRulesAt(t: number): CompiledRuleSet {
    const v = versionAt(this.history.alarms, t);
    return this.compile((v?.ruleSet as RuleSet | undefined) ?? this.baseline.alarms, v?.version ?? 0);
  }

  /** Alarm versions saved in (from, to]: when the rules changed during a replayed range. */
  alarmChangesIn(from: number, to: number): Array<{ at: number; rules: CompiledRuleSet }> {
    return this.history.alarms
      .filter((v) => v.at > from && v.at <= to)
      .map((v) => ({ at: v.at, rules: this.compile(v.ruleSet as RuleSet, v.version) }));
  }

  private compile(set: RuleSet, version: number): CompiledRuleSet {
    if (version === 0) {
      this.baselineCompiled ??= compileRuleSet(set, { sites: this.sites.values() });
      return this.baselineCompiled;
    }
    let c = this.compiled.get(version);
    if (!c) {
      c = compileRuleSet(set, { sites: this.sites.values() });
      this.compiled.set(version, c);
    }
    return c;
  }

  private putInForce(v: BareVersion): void {
    this.history[v.scope].push(v);
    if (v.scope === 'alarms') this.options.twin.setAlarmRules(this.compile(v.ruleSet as RuleSet, v.version));
    else this.options.twin.setIncidentRules(incidentRulesOf(v.ruleSet as IncidentRuleSet));
  }

  /** A version another node saved: validated, put in force, kept in this node's store when it lacks it. */
  private async received(notice: ClusterNotice): Promise<void> {
    if (notice.kind !== 'rules_applied') return;
    const held = this.history[notice.scope].at(-1)?.version ?? 0;
    if (notice.version <= held) {
      this.log('warn', `${notice.scope} rules version ${notice.version} from another web node ignored: this node has version ${held}`);
      return;
    }
    let ruleSet: AnySet;
    try {
      ruleSet = this.parse(notice.scope, notice.ruleSet);
    } catch (err) {
      this.log('error', `${notice.scope} rules version ${notice.version} from another web node refused: ${(err as Error).message}`);
      return;
    }
    const version: BareVersion = {
      scope: notice.scope,
      version: notice.version,
      ruleSet,
      author: notice.author,
      at: notice.at,
      reason: notice.reason,
    };
    this.putInForce(version);
    this.counters.received++;
    this.log('info', `${notice.scope} rules version ${notice.version} by ${notice.author} in force (saved on another web node)`);
    try {
      await this.options.store.recordVersion(version);
    } catch (err) {
      this.log('warn', `${notice.scope} rules version ${notice.version}: not kept in this node's store (${(err as Error).message})`);
    }
  }
}

function bare<T>(v: RuleVersion<T>): Omit<RuleVersion<T>, 'diff'> {
  const { diff: _diff, ...rest } = v;
  return rest;
}
