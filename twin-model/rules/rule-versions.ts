/**
 * Versions of the rules in force: each save is a new version saying who, when and why, with
 * the diff against the version before. Replay at time T uses the version in force at T
 * (`versionAt`). Alarm rule sets and incident rule sets are versioned the same way, each in
 * its own scope.
 */
import { diffRuleSets, type RuleChange } from './rule-diff.ts';

export const RULE_SCOPES = ['alarms', 'incidents'] as const;
export type RuleScope = (typeof RULE_SCOPES)[number];

export interface RuleVersion<T> {
  scope: RuleScope;
  /** 1, 2, 3 … per scope. */
  version: number;
  ruleSet: T;
  /** Who saved it (a user name). */
  author: string;
  /** When it was put in force (epoch ms). */
  at: number;
  /** Why (required: the admin page asks for it). */
  reason: string;
  /** Against the version before, or against the defaults for version 1. */
  diff: RuleChange[];
}

export interface RuleSaveMeta {
  author: string;
  at: number;
  reason: string;
}

export class RuleVersionError extends Error {}

const MAX_AUTHOR = 128;
const MAX_REASON = 2000;

/**
 * The next version of a scope's history for `ruleSet` (already validated). `history` is the
 * scope's versions in order; `defaults` is what was in force before version 1. Refused: a
 * missing author or reason, a time before the last version's, and a set equal to the last.
 */
export function nextRuleVersion<T>(
  scope: RuleScope,
  history: readonly RuleVersion<T>[],
  ruleSet: T,
  meta: RuleSaveMeta,
  defaults: T,
): RuleVersion<T> {
  const author = meta.author.trim();
  const reason = meta.reason.trim();
  if (author.length === 0 || author.length > MAX_AUTHOR)
    throw new RuleVersionError(`author = ${JSON.stringify(meta.author)}: who saves the rules, 1-${MAX_AUTHOR} characters`);
  if (reason.length === 0 || reason.length > MAX_REASON)
    throw new RuleVersionError(`reason = ${JSON.stringify(meta.reason)}: why the rules change, 1-${MAX_REASON} characters`);
  if (!Number.isFinite(meta.at) || meta.at < 0) throw new RuleVersionError(`at = ${meta.at}: a time in epoch milliseconds`);
  const last = history.at(-1);
  if (last && meta.at < last.at)
    throw new RuleVersionError(`at = ${meta.at}: before version ${last.version} (at ${last.at}); a new version comes after the last`);
  const diff = diffRuleSets(last ? last.ruleSet : defaults, ruleSet);
  if (diff.length === 0) throw new RuleVersionError(`nothing changed against ${last ? `version ${last.version}` : 'the defaults'}`);
  return { scope, version: (last?.version ?? 0) + 1, ruleSet, author, at: meta.at, reason, diff };
}

/** Versions as stored (without diffs), in version order, with each diff computed against the one before. */
export function withDiffs<T>(versions: readonly Omit<RuleVersion<T>, 'diff'>[], defaults: T): RuleVersion<T>[] {
  const out: RuleVersion<T>[] = [];
  let before: T = defaults;
  for (const v of versions) {
    out.push({ ...v, diff: diffRuleSets(before, v.ruleSet) });
    before = v.ruleSet;
  }
  return out;
}

/**
 * The version in force at `t`: the newest saved at or before `t`; null before the first
 * (the defaults were in force). `versions` in version order (their times never go back).
 */
export function versionAt<V extends { at: number }>(versions: readonly V[], t: number): V | null {
  let lo = 0;
  let hi = versions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (versions[mid]!.at <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : versions[lo - 1]!;
}
