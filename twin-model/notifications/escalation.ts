/**
 * Escalation schedules: which policy covers an incident, and when each tier is paged.
 *
 * From the moment the incident opens (`start`): tier 1 at `start`; tier 2 at `start +
 * ackDeadlineMin`; each further tier `afterMin` (default `ackDeadlineMin`) after the one
 * before. Between pages, the tier last paged is paged again every `repeat.everyMin` minutes,
 * strictly before the next tier is due and after the last tier, at most `repeat.times` repeats
 * in all. The schedule is a finite, ordered list, computed once: the engine walks it.
 */
import type { IncidentType } from '../vocabulary.ts';
import type { EscalationPolicy } from './notification-config.ts';

/** One page of a schedule: a tier, and which repeat of it (0 = the tier's first page). */
export interface EscalationStep {
  tier: number;
  repeat: number;
  /** Epoch ms at which it is due. */
  dueAt: number;
}

const MIN = 60_000;

/**
 * The policy for an incident of this type and severity: among the policies naming the type (or
 * every type) with `minSeverity` at most the severity, the one with the highest `minSeverity`;
 * on a tie one that names the type beats one for every type; then the first listed.
 */
export function selectPolicy(policies: readonly EscalationPolicy[], type: IncidentType, severity: number): EscalationPolicy | null {
  let best: EscalationPolicy | null = null;
  const rank = (p: EscalationPolicy): number => p.minSeverity * 2 + (p.incidentTypes ? 1 : 0);
  for (const p of policies) {
    if (p.minSeverity > severity) continue;
    if (p.incidentTypes && !p.incidentTypes.includes(type)) continue;
    if (!best || rank(p) > rank(best)) best = p;
  }
  return best;
}

/** The whole schedule of a policy from `start` (epoch ms), in time order. */
export function escalationSchedule(policy: EscalationPolicy, start: number): EscalationStep[] {
  const tierTimes: number[] = [start];
  let at = start + policy.ackDeadlineMin * MIN;
  for (let i = 1; i < policy.tiers.length; i++) {
    if (i >= 2) at += (policy.tiers[i]!.afterMin ?? policy.ackDeadlineMin) * MIN;
    tierTimes.push(at);
  }
  const steps: EscalationStep[] = [];
  let repeatsLeft = policy.repeat.times;
  const every = policy.repeat.everyMin * MIN;
  tierTimes.forEach((t, i) => {
    steps.push({ tier: i + 1, repeat: 0, dueAt: t });
    const next = tierTimes[i + 1] ?? Number.POSITIVE_INFINITY;
    for (let r = 1; repeatsLeft > 0 && t + r * every < next; r++) {
      steps.push({ tier: i + 1, repeat: r, dueAt: t + r * every });
      repeatsLeft--;
    }
  });
  return steps;
}
