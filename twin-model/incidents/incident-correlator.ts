/**
 * Fuses sensor alarms and discrete reports into incidents: one incident per real-world event,
 * with its evidence, why each piece was linked, and a confidence that grows with independent
 * sources (docs/incidents.md).
 *
 * `applyIncidentInput(state, input, ctx)` is the one updater: deterministic (time from `ctx`,
 * no I/O), so live, replay, simulation and evaluation run the same code. Every change it makes
 * is returned as an `IncidentChange` carrying the incident as it is after the change; storing
 * those changes is the event-sourced incident store, and `rebuildIncidents` replays them.
 */
import type { IncidentType } from '../vocabulary.ts';
import type { LinkReason } from './incident-explanations.ts';
import { equirectangularM as distanceM, M_PER_DEG } from '../city/city-queries.ts';
import { capEvidence, clearBeyondCap, linkEvidence } from './incident-evidence-cap.ts';
import { clearHeldLate, commitHeldLate, linkLateEvidence } from './incident-late-evidence.ts';
import {
  anotherPlace,
  confidenceOf,
  corroborated,
  distinctFamilies,
  linkReason,
  matchSignal,
  reachDeg,
  signalOf,
} from './incident-linking.ts';
import { DEFAULT_INCIDENT_RULES, type IncidentRule, type IncidentSignal } from './incident-rules.ts';
import { ACTIVE, change, heldOpen, refresh, snapshot } from './incident-refresh.ts';
import {
  candidateIncidents,
  checkIndex,
  forgetPending,
  incidentsWithAlarm,
  noteChanges,
  notePending,
  notePool,
  noteResolved,
  pendingNear,
  pendingPosition,
  pendingWithId,
  unindexIncident,
} from './incident-index.ts';
import { handleOperator } from './incident-operator.ts';
import { handleWarnings, withWarnings } from './incident-warning-links.ts';
import type {
  Evidence,
  Incident,
  IncidentChange,
  IncidentContext,
  IncidentInput,
  IncidentState,
  LinkedEvidence,
} from './incident-types.ts';

// The correlator's vocabulary and its evidence scoring, declared beside it, reach callers through this module.
export type {
  Evidence,
  Incident,
  IncidentAction,
  IncidentChange,
  IncidentContext,
  IncidentInput,
  IncidentState,
  IncidentStatus,
  LinkedEvidence,
} from './incident-types.ts';
export { confidenceOf, isWarningEvidence, matchSignal, warningEvidenceId } from './incident-linking.ts';
export { MAX_EVIDENCE_PER_INCIDENT } from './incident-evidence-cap.ts';
export { LATE_HOLD_MS } from './incident-late-evidence.ts';
export { IncidentActionError } from './incident-operator.ts';

export function createIncidentState(rules: ReadonlyMap<IncidentType, IncidentRule> = DEFAULT_INCIDENT_RULES): IncidentState {
  return {
    rules,
    incidents: new Map(),
    pending: new Map(),
    seen: new Set(),
    nextId: 1,
    counters: { duplicates: 0, unmatched: 0, linked: 0, opened: 0 },
    warnings: [],
    resolvedByTwin: new Map(),
    heldLate: new Map(),
  };
}

/** Closed, resolved and false-alarm incidents stay in memory this long (they are in the store). */
const INACTIVE_RETENTION_MS = 24 * 3600_000;
/** Pending evidence kept per incident type (newest first out of the window or the cap). */
const MAX_PENDING_PER_TYPE = 5000;

/**
 * Whether a pending sensor alarm that could open an incident of its own (about another asset,
 * or about none) lies within reach of the report and nearer to it than the incident at `d`.
 * For evidence that would join only as spill-over (`spill`), pending reports that can open count
 * too: a crash camera's detection waiting 4 km from an open crash is a second crash, and the
 * counter and calls beside it are its evidence, not the first crash's queue.
 */
function nearerPendingOpener(
  state: IncidentState,
  rule: IncidentRule,
  signal: IncidentSignal,
  e: Evidence,
  incident: Incident,
  d: number,
  spill: boolean,
): boolean {
  if (rule.spatial.sameDistrict) return false;
  const pool = state.pending.get(rule.type);
  if (!pool) return false;
  const radius = signal.radiusM ?? rule.spatial.radiusM;
  const reach = Math.min(d, radius) / M_PER_DEG;
  for (const p of pendingNear(state, rule, e.lng, e.lat, null, null)) {
    const opener = p.kind === 'sensor_alarm' ? p.active : spill && Math.abs(e.ts - p.ts) <= rule.windowS * 1000;
    if (!opener || p.family === 'weather' || Math.abs(p.lat - e.lat) > reach) continue;
    if (p.assetId && p.assetId === incident.assetId) continue;
    if (signalOf(rule, p.signal)?.canOpen !== true) continue;
    const dp = distanceM(e.lng, e.lat, p.lng, p.lat);
    if (dp < d && dp <= radius) return true;
  }
  return false;
}

/**
 * Corroboration that began well after everything that could open the incident does not
 * explain it (`maxLagS`): removed from a cluster before its confidence is judged.
 */
function dropLateCorroboration(rule: IncidentRule, cluster: LinkedEvidence[]): void {
  let newestOpener = Number.NEGATIVE_INFINITY;
  for (const c of cluster) if (signalOf(rule, c.signal)?.canOpen) newestOpener = Math.max(newestOpener, c.ts);
  for (let i = cluster.length - 1; i >= 0; i--) {
    const s = signalOf(rule, cluster[i]!.signal);
    if (s && !s.canOpen && s.maxLagS !== undefined && cluster[i]!.ts - newestOpener > s.maxLagS * 1000) cluster.splice(i, 1);
  }
}

/** `only`: the rule of a late alarm held for the rest of its delivery, taken now (incident-late-evidence.ts). */
function handleEvidence(state: IncidentState, e: Evidence, ctx: IncidentContext, only?: IncidentType): IncidentChange[] {
  const now = ctx.now();
  const changes: IncidentChange[] = [];
  let matchedAny = false;
  for (const rule of state.rules.values()) {
    const signal = only === undefined || rule.type === only ? matchSignal(rule, e) : null;
    if (!signal) continue;
    matchedAny = true;
    // 1. Join an active incident of this type (the best-placed one).
    let best: { incident: Incident; why: LinkReason; d: number } | null = null;
    for (const incident of candidateIncidents(state, rule, e, false)) {
      if (incident.type !== rule.type || !ACTIVE.has(incident.status)) continue;
      // A gauge of another place does not join: its water is its own incident.
      if (anotherPlace(signal, e, incident.evidence)) continue;
      const why = linkReason(rule, signal, e, incident, true);
      if (!why) continue;
      const d = distanceM(e.lng, e.lat, incident.lng, incident.lat);
      if (!best || d < best.d) best = { incident, why, d };
    }
    const linked: LinkedEvidence = {
      ...e,
      signal: signal.id,
      family: signal.family,
      weight: signal.weight,
      ...(signal.repeatGain !== undefined ? { gain: signal.repeatGain } : {}),
      active: e.kind === 'sensor_alarm',
      why: { code: 'anchor', params: {} },
      linkedAt: now,
    };
    // A report nearer to a place that shows trouble of its own (an active sensor alarm still
    // waiting for corroboration) than to the incident is about that place, not the incident's.
    // Spill-over gives way the same way, to any pending evidence that can open (a crash camera).
    const spill = best?.why.code === 'spill_over';
    if (best && (e.kind === 'event' || spill) && nearerPendingOpener(state, rule, signal, e, best.incident, best.d, spill)) best = null;
    if (best) {
      if (linkEvidence(best.incident, { ...linked, why: best.why })) state.counters.linked++;
      refresh(state, best.incident, now);
      changes.push(
        change(best.incident, now, 'twin', 'evidence_linked', {
          code: 'evidence_linked',
          params: { evidenceId: e.id, signal: signal.id, why: best.why },
        }),
      );
      // Corroborating evidence (rain over a district) supports every flood around it, not just
      // the first: it also stays pending for incidents still gathering evidence nearby.
      if (signal.canOpen) continue;
    } else if (signal.canOpen) {
      const late = linkLateEvidence(state, rule, signal, e, linked, now, only === undefined);
      if (late) {
        changes.push(...late);
        continue;
      }
    }
    // 2. Otherwise wait in the pending pool until enough independent evidence gathers.
    let pool = state.pending.get(rule.type);
    if (!pool) {
      pool = [];
      state.pending.set(rule.type, pool);
    }
    // In place: the pool is in arrival order, so what fell out of the window is at its front.
    let expired = 0;
    while (expired < pool.length && now - pool[expired]!.linkedAt > rule.windowS * 1000) expired++;
    if (expired) pool.splice(0, expired);
    const same = pendingPosition(state, rule.type, pool, e.id);
    if (same >= 0) pool.splice(same, 1);
    pool.push(linked);
    notePending(state, rule.type, linked);
    // A flood of reports must not grow the pool (and the work per report) without bound.
    if (pool.length > MAX_PENDING_PER_TYPE) pool.splice(0, pool.length - MAX_PENDING_PER_TYPE);
    // The anchor: the new evidence if it can open an incident, else the nearest pending
    // evidence that can and that it links to. One cluster per new evidence keeps this O(pool).
    const canOpen = (p: LinkedEvidence) => (p.kind === 'event' || p.active) && signalOf(rule, p.signal)?.canOpen === true;
    let anchor: LinkedEvidence | null = signal.canOpen ? linked : null;
    if (!anchor) {
      let bestD = Number.POSITIVE_INFINITY;
      const reach = reachDeg(rule);
      for (const p of pendingNear(state, rule, e.lng, e.lat, e.district, e.assetId)) {
        if (p === linked || Math.abs(p.lat - e.lat) > reach || !canOpen(p)) continue;
        if (
          !linkReason(rule, signal, e, {
            lng: p.lng,
            lat: p.lat,
            assetId: p.assetId ?? null,
            district: p.district ?? null,
            lastEvidenceAt: p.ts,
          })
        )
          continue;
        const d = distanceM(e.lng, e.lat, p.lng, p.lat);
        if (d < bestD) {
          bestD = d;
          anchor = p;
        }
      }
    }
    if (!anchor) continue;
    // A cluster is about one asset at most: take the anchor's, or the nearest asset in reach.
    let clusterAsset = anchor.assetId ?? null;
    if (!clusterAsset && rule.spatial.sameAsset) {
      let bestD = Number.POSITIVE_INFINITY;
      for (const p of pendingNear(state, rule, anchor.lng, anchor.lat, null, null)) {
        if (!p.assetId || p.family === 'weather') continue;
        const d = distanceM(p.lng, p.lat, anchor.lng, anchor.lat);
        if (d < bestD && d <= (signalOf(rule, p.signal)?.radiusM ?? rule.spatial.radiusM)) {
          bestD = d;
          clusterAsset = p.assetId;
        }
      }
    }
    const at = { lng: anchor.lng, lat: anchor.lat, assetId: clusterAsset, district: anchor.district ?? null, lastEvidenceAt: anchor.ts };
    const cluster: LinkedEvidence[] = [];
    const reach = reachDeg(rule);
    const anchorSignal = signalOf(rule, anchor.signal)!;
    for (const p of pendingNear(state, rule, anchor.lng, anchor.lat, anchor.district, clusterAsset)) {
      // Latitude alone rules out most of a city-wide pool before any distance is computed.
      if (p !== anchor && Math.abs(p.lat - anchor.lat) > reach && !(p.assetId && p.assetId === clusterAsset)) continue;
      const s = signalOf(rule, p.signal)!;
      if (p !== anchor && s === anchorSignal && anotherPlace(s, p, [anchor])) continue;
      const why: LinkReason | null = p === anchor ? { code: 'anchor', params: {} } : linkReason(rule, s, p, at);
      if (why) cluster.push({ ...p, why });
    }
    dropLateCorroboration(rule, cluster);
    if (confidenceOf(cluster, rule.repeatGain) < rule.open.minConfidence || !corroborated(rule, cluster)) continue;
    const incident: Incident = {
      id: `inc-${String(state.nextId++).padStart(6, '0')}`,
      type: rule.type,
      status: 'open',
      lng: 0,
      lat: 0,
      district: null,
      assetId: null,
      severity: rule.severity.base,
      severityPinned: false,
      confidence: 0,
      openedAt: now,
      updatedAt: now,
      lastEvidenceAt: 0,
      resolutionProposed: false,
      evidence: cluster,
    };
    refresh(state, incident, now);
    state.incidents.set(incident.id, incident);
    state.counters.opened++;
    // Openers are used up by the incident; corroborating evidence stays for its neighbours.
    const used = new Set(cluster.filter((c) => canOpen(c) || c.kind === 'event').map((c) => c.id));
    const left = pool.filter((p) => !used.has(p.id));
    state.pending.set(rule.type, left);
    notePool(state, rule.type, pool, left);
    capEvidence(incident);
    changes.push(
      change(incident, now, 'twin', 'opened', {
        code: 'opened',
        params: { evidence: cluster.length, sources: distinctFamilies(cluster), confidence: incident.confidence },
      }),
    );
  }
  if (!matchedAny) state.counters.unmatched++;
  return changes;
}

function handleAlarmCleared(
  state: IncidentState,
  sensorId: string,
  ts: number,
  withdrawn: boolean,
  ctx: IncidentContext,
): IncidentChange[] {
  const now = ctx.now();
  const changes: IncidentChange[] = [];
  const id = `alarm:${sensorId}`;
  clearHeldLate(state, id, ts, withdrawn);
  for (const incident of incidentsWithAlarm(state, id)) {
    const e = incident.evidence.find((x) => x.id === id && x.active);
    if (e) {
      e.active = false;
      // Its quiet time counts from now on; an alarm no longer trusted is no evidence to wait on.
      if (withdrawn) {
        delete e.clearedAt;
        e.withdrawnAt = now;
      } else e.clearedAt = Math.max(ts, e.ts);
    }
    // Beyond the cap too, also when listed: an id left there would hold the incident open for good.
    if (!clearBeyondCap(incident, id, ts, withdrawn) && !e) continue;
    refresh(state, incident, now);
    changes.push(
      change(
        incident,
        now,
        'twin',
        'evidence_inactive',
        withdrawn
          ? { code: 'evidence_withdrawn', params: { evidenceId: id } }
          : { code: 'evidence_cleared', params: { evidenceId: id, at: ts } },
      ),
    );
  }
  // Pending: the alarm stays as corroboration within the window (it rained here a few minutes
  // ago) but can no longer open an incident by itself.
  for (const [type, p] of pendingWithId(state, id)) {
    const pool = state.pending.get(type);
    if (withdrawn) {
      if (pool)
        state.pending.set(
          type,
          pool.filter((x) => x.id !== id),
        );
    } else if (p.active) {
      p.active = false;
      p.clearedAt = Math.max(ts, p.ts);
    }
  }
  if (withdrawn) forgetPending(state, id);
  state.seen.delete(id);
  return changes;
}

function handleTick(state: IncidentState, ctx: IncidentContext): IncidentChange[] {
  const now = ctx.now();
  // Each held alarm's changes filed at once: the next one committed in this tick looks up the incidents as they are now.
  const changes = commitHeldLate(state, now, (e, type) => {
    const c = withWarnings(state, handleEvidence(state, e, ctx, type), ctx);
    noteChanges(state, c);
    return c;
  });
  for (const incident of state.incidents.values()) {
    if (!ACTIVE.has(incident.status) || incident.resolutionProposed) continue;
    const rule = state.rules.get(incident.type)!;
    if (heldOpen(rule, incident, now)) continue;
    if (rule.resolve.operatorConfirms) {
      incident.resolutionProposed = true;
      incident.updatedAt = now;
      changes.push(
        change(incident, now, 'twin', 'resolution_proposed', {
          code: 'signals_normal',
          params: { quietS: rule.resolve.quietS, operatorConfirms: true },
        }),
      );
    } else {
      incident.status = 'resolved';
      incident.updatedAt = now;
      // Numbered among the resolved where the map puts it (an id already there keeps its place).
      if (!state.resolvedByTwin.has(incident.id)) noteResolved(state, incident.id);
      state.resolvedByTwin.set(incident.id, now);
      changes.push(
        change(incident, now, 'twin', 'resolved', {
          code: 'signals_normal',
          params: { quietS: rule.resolve.quietS, operatorConfirms: false },
        }),
      );
    }
  }
  // Incidents no longer active leave memory after a day (the store keeps them).
  for (const [id, incident] of state.incidents) {
    if (!ACTIVE.has(incident.status) && now - incident.updatedAt > INACTIVE_RETENTION_MS) {
      state.incidents.delete(id);
      state.resolvedByTwin.delete(id);
      unindexIncident(state, id);
    }
  }
  // Drop pending evidence older than every rule's window.
  for (const [type, pool] of state.pending) {
    const rule = state.rules.get(type)!;
    const kept = pool.filter((p) => now - p.linkedAt <= rule.windowS * 1000);
    state.pending.set(type, kept);
    notePool(state, type, pool, kept);
  }
  return changes;
}

/** Applies one input and returns the changes it made (empty when nothing changed). */
export function applyIncidentInput(state: IncidentState, input: IncidentInput, ctx: IncidentContext): IncidentChange[] {
  checkIndex(state);
  const changes = applyInput(state, input, ctx);
  noteChanges(state, changes);
  return changes;
}

function applyInput(state: IncidentState, input: IncidentInput, ctx: IncidentContext): IncidentChange[] {
  switch (input.type) {
    case 'alarm':
    case 'event': {
      if (input.type === 'event' && state.seen.has(input.evidence.id)) {
        state.counters.duplicates++;
        return [];
      }
      state.seen.add(input.evidence.id);
      return withWarnings(state, handleEvidence(state, input.evidence, ctx), ctx);
    }
    case 'alarm_cleared':
      return handleAlarmCleared(state, input.sensorId, input.ts, input.withdrawn === true, ctx);
    case 'warnings':
      return handleWarnings(state, input.warnings, input.withdrawn ?? [], ctx);
    case 'operator':
      return handleOperator(state, input, ctx);
    case 'tick':
      return handleTick(state, ctx);
    default: {
      const never: never = input;
      throw new Error(`unknown incident input ${JSON.stringify(never)}`);
    }
  }
}

/** The incidents as they were after the last change at or before `at` (event-sourced rebuild). */
export function rebuildIncidents(changes: readonly IncidentChange[], at = Number.POSITIVE_INFINITY): Map<string, Incident> {
  const incidents = new Map<string, Incident>();
  for (const c of changes) {
    if (c.at > at) break;
    incidents.set(c.incidentId, snapshot(c.incident));
  }
  return incidents;
}
