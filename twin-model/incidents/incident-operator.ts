/**
 * Operators' actions on incidents (incident-correlator.ts `applyIncidentInput`, docs/incidents.md):
 * acknowledge, set the severity, merge, split, mark a false alarm, resolve, close, reopen.
 */
import { mergeBeyondCap } from './incident-evidence-cap.ts';
import { ACTIVE, change, refresh, snapshot } from './incident-refresh.ts';
import type { Incident, IncidentChange, IncidentContext, IncidentInput, IncidentState } from './incident-types.ts';

export class IncidentActionError extends Error {}

function requireIncident(state: IncidentState, id: string): Incident {
  const incident = state.incidents.get(id);
  if (!incident) throw new IncidentActionError(`incident "${id}" does not exist`);
  return incident;
}

export function handleOperator(
  state: IncidentState,
  input: Extract<IncidentInput, { type: 'operator' }>,
  ctx: IncidentContext,
): IncidentChange[] {
  const now = ctx.now();
  const incident = requireIncident(state, input.incidentId);
  // An incident an operator acted on is the operator's: late evidence no longer reopens it.
  state.resolvedByTwin.delete(incident.id);
  const who = input.actor;
  const because = input.reason ? { reason: input.reason } : {};
  const cmd = input.command;
  const closedNow = incident.status === 'closed' || incident.status === 'false_alarm';
  if (closedNow && cmd.action !== 'reopen') throw new IncidentActionError(`incident ${incident.id} is ${incident.status}; reopen it first`);
  switch (cmd.action) {
    case 'acknowledge':
      if (incident.status !== 'open') throw new IncidentActionError(`incident ${incident.id} is ${incident.status}, not open`);
      incident.status = 'acknowledged';
      incident.updatedAt = now;
      return [change(incident, now, who, 'acknowledged', { code: 'acknowledged', params: because })];
    case 'set_severity':
      if (!Number.isInteger(cmd.severity) || cmd.severity < 1 || cmd.severity > 5)
        throw new IncidentActionError(`severity ${cmd.severity} is not an integer from 1 to 5`);
      incident.severity = cmd.severity;
      incident.severityPinned = true;
      incident.updatedAt = now;
      return [change(incident, now, who, 'severity_set', { code: 'severity_set', params: { ...because, severity: cmd.severity } })];
    case 'merge': {
      const other = requireIncident(state, cmd.otherId);
      if (other.id === incident.id) throw new IncidentActionError('an incident cannot be merged into itself');
      if (other.type !== incident.type)
        throw new IncidentActionError(`cannot merge a ${other.type} incident into a ${incident.type} incident`);
      if (!ACTIVE.has(other.status)) throw new IncidentActionError(`incident ${other.id} is ${other.status}`);
      const have = new Set(incident.evidence.map((e) => e.id));
      for (const e of other.evidence)
        if (!have.has(e.id)) incident.evidence.push({ ...e, why: { code: 'merged_from', params: { incidentId: other.id, actor: who } } });
      mergeBeyondCap(incident, other);
      refresh(state, incident, now);
      other.status = 'closed';
      other.updatedAt = now;
      return [
        change(incident, now, who, 'absorbed', { code: 'absorbed', params: { ...because, otherId: other.id } }),
        change(other, now, who, 'merged_into', { code: 'merged_into', params: { ...because, incidentId: incident.id } }),
      ];
    }
    case 'split': {
      const ids = new Set(cmd.evidenceIds);
      const moving = incident.evidence.filter((e) => ids.has(e.id));
      if (moving.length !== ids.size)
        throw new IncidentActionError(
          `evidence ${[...ids].filter((id) => !moving.some((e) => e.id === id)).join(', ')} is not part of ${incident.id}`,
        );
      if (moving.length === incident.evidence.length) throw new IncidentActionError('a split must leave evidence in the original incident');
      incident.evidence = incident.evidence.filter((e) => !ids.has(e.id));
      refresh(state, incident, now);
      const split: Incident = {
        ...snapshot(incident),
        id: `inc-${String(state.nextId++).padStart(6, '0')}`,
        status: 'open',
        severityPinned: false,
        openedAt: now,
        resolutionProposed: false,
        evidence: moving.map((e) => ({ ...e, why: { code: 'split_from', params: { incidentId: incident.id, actor: who } } })),
      };
      // It holds only the evidence moved to it: none of the original's beyond the cap.
      delete split.beyondCap;
      delete split.moreEvidence;
      refresh(state, split, now);
      state.incidents.set(split.id, split);
      return [
        change(incident, now, who, 'split_off', {
          code: 'split_off',
          params: { ...because, evidence: moving.length, incidentId: split.id },
        }),
        change(split, now, who, 'split_from', { code: 'split_from', params: { ...because, incidentId: incident.id } }),
      ];
    }
    case 'false_alarm':
      incident.status = 'false_alarm';
      incident.updatedAt = now;
      return [change(incident, now, who, 'false_alarm', { code: 'false_alarm', params: because })];
    case 'resolve':
      if (incident.status === 'resolved') throw new IncidentActionError(`incident ${incident.id} is already resolved`);
      incident.status = 'resolved';
      incident.resolutionProposed = false;
      incident.updatedAt = now;
      return [change(incident, now, who, 'resolved', { code: 'resolved', params: because })];
    case 'close':
      incident.status = 'closed';
      incident.updatedAt = now;
      return [change(incident, now, who, 'closed', { code: 'closed', params: because })];
    case 'reopen':
      if (ACTIVE.has(incident.status)) throw new IncidentActionError(`incident ${incident.id} is already ${incident.status}`);
      incident.status = 'open';
      incident.resolutionProposed = false;
      incident.updatedAt = now;
      return [change(incident, now, who, 'reopened', { code: 'reopened', params: because })];
    default: {
      const never: never = cmd;
      throw new IncidentActionError(`unknown action ${JSON.stringify(never)}`);
    }
  }
}
