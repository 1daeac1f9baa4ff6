/**
 * The hotline case desk at run time (docs/cases.md): the pure desk (twin-model/cases) held by the
 * twin writer, as the incident correlator is —
 *
 * - restored from the case store at start (the cases in hand and the last case number), and again
 *   when this node takes the writing over from another web node;
 * - fed by the hotline: `POST /api/cases` ({@link CaseService.intake}) and `citizen_report`
 *   events on `citytwin/v1/events/{source}` ({@link CaseService.report}); a case that came over
 *   HTTP is handed to the fusion engine as the event it would have been (`caseEvent`), and links
 *   to incidents follow the correlator's changes ({@link CaseService.incidentChanges});
 * - ticked by the clock about once a minute for the time limits (`case_overdue`);
 * - every emitted event appended to the store (batched, and flushed before a command's answer),
 *   every action of a person or of the hotline's system recorded in the audit record, every
 *   batch handed to the listeners and `case_overdue` to the escalation (notifications), and the
 *   cases after each batch told on every web node (published on the cluster bus) for the live
 *   case desks ({@link CaseService.onCaseChanges}).
 *
 * On a node that does not write, intake and commands are forwarded to the writer
 * (cluster/forwarding-writer.ts) and reads come from the store, which the writer fills before it
 * answers. Time comes from `now` (injected in tests).
 */
import type { CaseStore } from '../../../storage/index.ts';
import { BatchedAppender } from '../../../storage/batched-appender.ts';
import type { AuditInput } from '../../../twin-model/audit/audit-log.ts';
import {
  applyCaseDeskCommand,
  caseChangesOf,
  caseEvent,
  caseEvidenceId,
  caseIntakeFromEventPayload,
  caseLinksFromIncidentChange,
  caseOfExternal,
  casesInHand,
  createCaseDesk,
  describeIntakeProblems,
  intakeCase,
  KEEP_CLOSED_MS,
  restoreCaseDesk,
  tickCaseDesk,
  type CaseActor,
  type CaseChange,
  type CaseCommand,
  type CaseDesk,
  type CaseDeskContext,
  type CaseEvent,
  type CaseIntake,
  type CaseRefusal,
  type CaseRules,
  type HotlineCase,
} from '../../../twin-model/cases/index.ts';
import type { CityEvent, IncidentChange } from '../../../twin-model/index.ts';
import { ServiceUnavailableError } from '../app/internal-error.ts';
import type { TwinWriterChannel } from '../cluster/cluster-bus.ts';
import type { WriterAnswer, WriterChange, WriterCommand } from '../cluster/cluster-messages.ts';
import { ForwardingWriter } from '../cluster/forwarding-writer.ts';

/** How often the time-limit clock runs (ms). */
export const CASE_TICK_MS = 60_000;

const DAY_MS = 86_400_000;

/** The actor of automatic incident links (the correlator linked the case's report). */
export const INCIDENT_LINKER: CaseActor = { user: 'twin', role: 'system' };

/** What happened to a case, told to listeners after it is in the desk (and queued for the store). */
export type CaseEventsListener = (events: readonly CaseEvent[]) => void;

/** The cases after a batch of the writer's changes, told on every web node (the case desks' live updates). */
export type CaseChangesListener = (changes: readonly CaseChange[]) => void;

/** Where `case_overdue` goes for escalation: logged and told to the notifications engine (bin/parts/cases.ts). */
export interface CaseEscalation {
  caseOverdue(event: CaseEvent): void;
}

export interface CaseServiceOptions {
  rules: CaseRules;
  /** The keyed phone hash (twin-model/cases/phone-hash.ts) under the deployment's key. */
  hashPhone: (phone: string) => string;
  /** The city's district at a place. */
  districtAt?: (lng: number, lat: number) => string | null;
  /** The hotline's event source: the source of a `POST /api/cases` body that names none. */
  defaultSource: string;
  store?: CaseStore | null;
  /** The fusion engine's intake of an event (the twin's `onEvent`): cases that came over HTTP. */
  toFusion?: (event: CityEvent) => void;
  /** Records an action in the audit record. */
  audit?: (input: AuditInput) => void;
  escalation?: CaseEscalation | null;
  now?: () => number;
  /** Changes are written in batches this often (ms). */
  persistDelayMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** The answer to an intake or a command: the case after it, or the refusal. */
export type CaseOutcome = { ok: true; case: HotlineCase; duplicate: boolean; happened: string[] } | { ok: false; refusal: CaseRefusal };

/**
 * An intake or a command that could not be carried out (no writer, a failure on the writer). Its
 * message holds the cause (an engine's error text too): the routes answer 503 with the worded
 * internal-error body and the log has the message under the request id (docs/security.md).
 */
export class CaseDeskUnavailable extends ServiceUnavailableError {}

type CaseWriterCommand = Extract<WriterCommand, { kind: 'case_intake' | 'case_command' }>;
type CaseChangeBatch = Extract<WriterChange, { kind: 'case_changes' }>;

export class CaseService {
  readonly rules: CaseRules;
  /** Cases taken in, events emitted, reports refused as cases (a bad caller …), overdue marks. */
  readonly counters = { intakes: 0, duplicates: 0, events: 0, refusedReports: 0, overdue: 0 };
  private desk: CaseDesk;
  /** Evidence id (`event:<source>:<id>`) → case id: the correlator's changes name evidence. */
  private readonly byEvidence = new Map<string, string>();
  private readonly listeners = new Set<CaseEventsListener>();
  private readonly changeListeners = new Set<CaseChangesListener>();
  private readonly history: BatchedAppender<CaseEvent>;
  private readonly writer: ForwardingWriter<CaseWriterCommand, CaseChangeBatch>;
  private readonly ctx: CaseDeskContext;
  private readonly now: () => number;
  private readonly log: NonNullable<CaseServiceOptions['log']>;
  /** What a takeover restores from (read before this node starts writing). */
  private takeOverFrom: { cases: HotlineCase[]; lastId: string | null } | null = null;

  constructor(private readonly options: CaseServiceOptions) {
    this.rules = options.rules;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.desk = createCaseDesk(options.rules);
    this.ctx = {
      now: () => this.now(),
      hashPhone: options.hashPhone,
      ...(options.districtAt ? { districtOf: options.districtAt } : {}),
    };
    this.history = new BatchedAppender<CaseEvent>({
      write: (batch) => this.options.store!.append(batch),
      delayMs: options.persistDelayMs ?? 200,
      // Kept for the next write: a case's history must not lose a step.
      onFailure: (err, kept) => this.log('warn', `case store: ${err.message}; ${kept} changes kept for the next write`),
    });
    this.writer = new ForwardingWriter<CaseWriterCommand, CaseChangeBatch>({
      name: 'cases',
      handles: (c): c is CaseWriterCommand => c.kind === 'case_intake' || c.kind === 'case_command',
      // Other nodes read cases from the store, which the writer fills before it answers; the
      // changes they mirror only tell their own clients (the case desks' live updates).
      mirrors: (c): c is CaseChangeBatch => c.kind === 'case_changes',
      mirror: (c) => this.tellChanges(c.changes),
      execute: (c) => this.execute(c),
      prepareTakeOver: () => this.readForTakeOver(),
      takeOver: () => this.takeOver(),
      stepDown: () => this.stepDown(),
    });
  }

  /** Restores the desk from the store: the cases in hand and the numbering. Returns the cases restored. */
  async restore(): Promise<number> {
    const { cases, lastId } = await this.readInHand();
    this.install(cases, lastId);
    return cases.length;
  }

  /** The source of a `POST /api/cases` body that names none: the hotline's event source. */
  get defaultSource(): string {
    return this.options.defaultSource;
  }

  /** Whether this node holds the desk (always, on a node alone). */
  isWriter(): boolean {
    return this.writer.isWriter();
  }

  /** Joins a cluster's writer channel (cluster-bus.ts): the desk follows the writer lease. */
  attachWriterChannel(channel: TwinWriterChannel): void {
    this.writer.attach(channel);
  }

  /** Calls `listener` with every batch of case events made here as the writer; returns the unsubscribe. */
  onCaseEvents(listener: CaseEventsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` with the cases after every batch of changes, on every node: here as the
   * writer, or as mirrored from the writer on another web node. Returns the unsubscribe.
   */
  onCaseChanges(listener: CaseChangesListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * A case from the hotline's system (`POST /api/cases`, validated): taken in by the writer, here
   * or forwarded; stored before this resolves. The same hotline id from the same source gives
   * back the case already made (`duplicate`), beyond the desk's memory too (the store).
   */
  async intake(intake: CaseIntake): Promise<CaseOutcome> {
    return this.outcomeOf(await this.runOnWriter({ kind: 'case_intake', intake }));
  }

  /** A command on a case, carried out by the writer (here or forwarded); stored before this resolves. */
  async command(caseId: string, command: CaseCommand): Promise<CaseOutcome> {
    return this.outcomeOf(await this.runOnWriter({ kind: 'case_command', caseId, command }));
  }

  /**
   * A message on `citytwin/v1/events/{source}`, before the twin sees it (so that the incident
   * it opens or joins finds the case): a `citizen_report` becomes a case on the writer. A report
   * whose case fields are bad (a caller's phone that is not one) is not a case; the event itself
   * is stored as before. Returns the case id, or null.
   */
  report(payload: Uint8Array, source: string, receivedAt: number): string | null {
    if (!this.isWriter()) return null;
    const parsed = caseIntakeFromEventPayload(payload, source, receivedAt);
    if (!parsed.ok) {
      if ('notACase' in parsed) return null;
      this.counters.refusedReports++;
      this.log('warn', `a citizen report from ${source} is not a case: ${describeIntakeProblems(parsed.problems)}`);
      return null;
    }
    // A report without words is still a case: the hotline may send the text later by HTTP.
    const outcome = intakeCase(this.desk, parsed.intake, this.ctx);
    this.tookIn(outcome.caseId, outcome.duplicate, outcome.emitted);
    return outcome.caseId;
  }

  /** The correlator's changes (on the writer): the cases whose reports opened or joined an incident are linked to it. */
  incidentChanges(changes: readonly IncidentChange[]): void {
    if (!this.isWriter()) return;
    const emitted: CaseEvent[] = [];
    for (const change of changes) {
      for (const link of caseLinksFromIncidentChange(change, this.byEvidence)) {
        const c = this.desk.cases.get(link.caseId);
        if (!c || c.incident?.incidentId === link.incidentId) continue;
        const result = applyCaseDeskCommand(
          this.desk,
          link.caseId,
          { type: 'link_incident', actor: INCIDENT_LINKER, incidentId: link.incidentId, how: link.how },
          this.ctx,
        );
        if (result.ok) emitted.push(...result.emitted);
      }
    }
    this.emit(emitted);
  }

  /** The time-limit clock (about once a minute): marks the limits missed since the last tick. */
  tick(): CaseEvent[] {
    if (!this.isWriter()) return [];
    const emitted = tickCaseDesk(this.desk, this.ctx);
    // Cases let go of (closed over a week ago) no longer need their evidence ids.
    if (this.byEvidence.size > this.desk.cases.size * 2 + 1000) this.pruneEvidence();
    this.emit(emitted);
    return emitted;
  }

  /**
   * One case as it is now: the desk's when this node holds it, else the store's (after what is
   * pending here is written), or null.
   */
  async get(caseId: string): Promise<HotlineCase | null> {
    if (this.isWriter()) {
      const held = this.desk.cases.get(caseId);
      if (held) return held;
    }
    await this.flush();
    return (await this.options.store?.get(caseId)) ?? null;
  }

  /**
   * Cases as they are now, newest received first. The desk's cases in hand (open, and closed
   * within a week) on the writer without a period; the store's otherwise (any period).
   */
  async list(query: { department?: string; from?: number; to?: number; limit: number }): Promise<HotlineCase[]> {
    if (this.isWriter() && query.from === undefined && query.to === undefined) {
      return casesInHand(this.desk, query.department !== undefined ? { department: query.department } : {});
    }
    await this.flush();
    if (!this.options.store) return [];
    return this.options.store.list({
      ...(query.department !== undefined ? { department: query.department } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      limit: query.limit,
    });
  }

  /** The cases the desk holds (the writer's; empty elsewhere). */
  inHand(): HotlineCase[] {
    return this.isWriter() ? [...this.desk.cases.values()] : [];
  }

  /** Resolves once every change made so far is stored (or its write failed and is kept). */
  async flush(): Promise<void> {
    await this.history.flush();
  }

  async close(): Promise<void> {
    await this.flush();
  }

  /** Runs a command where the writer is; a failure to reach or run it is {@link CaseDeskUnavailable}. */
  private async runOnWriter(command: CaseWriterCommand): Promise<WriterAnswer> {
    try {
      return await this.writer.run(command);
    } catch (err) {
      throw new CaseDeskUnavailable(`the case desk (on the twin writer) did not answer: ${(err as Error).message}`);
    }
  }

  private outcomeOf(answer: WriterAnswer): CaseOutcome {
    switch (answer.kind) {
      case 'case_result':
        return { ok: true, case: answer.case, duplicate: answer.duplicate, happened: answer.happened };
      case 'case_refused':
        return { ok: false, refusal: { code: answer.code, params: answer.params } };
      case 'failed':
        throw new CaseDeskUnavailable(`the case desk failed: ${answer.message}`);
      default:
        throw new CaseDeskUnavailable(`the case desk answered with ${answer.kind}`);
    }
  }

  /** On the writer: the intake or command, stored before the answer. */
  private async execute(c: CaseWriterCommand): Promise<WriterAnswer> {
    if (c.kind === 'case_intake') {
      // A hotline id older than the desk remembers is known to the store (idempotent across restarts);
      // the desk answers for the ids of its repeat window without a query.
      const known = caseOfExternal(this.desk, c.intake.source, c.intake.externalId) !== null;
      const stored = !known && this.options.store ? await this.options.store.findByExternalRef(c.intake.source, c.intake.externalId) : null;
      const outcome = stored === null ? intakeCase(this.desk, c.intake, this.ctx) : { caseId: stored, duplicate: true, emitted: [] };
      this.tookIn(outcome.caseId, outcome.duplicate, outcome.emitted);
      await this.flush();
      const held = this.desk.cases.get(outcome.caseId) ?? (await this.options.store?.get(outcome.caseId)) ?? null;
      if (!held) return { kind: 'failed', message: `case ${outcome.caseId} is neither in hand nor stored` };
      if (!outcome.duplicate && c.intake.channel === 'http') await this.asEvent(held);
      return { kind: 'case_result', case: held, duplicate: outcome.duplicate, happened: outcome.emitted.map((e) => e.type) };
    }
    const result = applyCaseDeskCommand(this.desk, c.caseId, c.command as CaseCommand, this.ctx);
    if (!result.ok) return { kind: 'case_refused', code: result.refusal.code, params: result.refusal.params };
    this.emit(result.emitted);
    await this.flush();
    return { kind: 'case_result', case: result.state, duplicate: false, happened: result.emitted.map((e) => e.type) };
  }

  /**
   * A case that came over HTTP is also the event its report would have been on the events topic:
   * written to `events` (the KPI's hourly hotline figure, replay) before the answer, once per
   * hotline id, and handed to the fusion engine (no text).
   */
  private async asEvent(c: HotlineCase): Promise<void> {
    const event = caseEvent(c);
    try {
      await this.options.store?.recordEvent({
        source: event.source,
        id: event.id,
        ts: event.ts,
        type: event.type,
        category: event.category ?? '',
        lng: event.lng,
        lat: event.lat,
        severity: event.severity,
        // As a report on the events topic stores its words (the hotline's source is sensitive).
        text: c.text,
        receivedAt: this.now(),
      });
    } catch (err) {
      this.log('warn', `events: case ${c.id} not written as an event: ${(err as Error).message}`);
    }
    this.options.toFusion?.(event);
  }

  private tookIn(caseId: string, duplicate: boolean, emitted: CaseEvent[]): void {
    if (duplicate) {
      this.counters.duplicates++;
      return;
    }
    this.counters.intakes++;
    const c = this.desk.cases.get(caseId);
    if (c) this.byEvidence.set(caseEvidenceId(c), c.id);
    this.emit(emitted);
  }

  private emit(events: readonly CaseEvent[]): void {
    if (events.length === 0) return;
    this.counters.events += events.length;
    if (this.options.store) this.history.push(events);
    for (const e of events) {
      if (e.type === 'case_overdue') {
        this.counters.overdue++;
        this.options.escalation?.caseOverdue(e);
      }
      // People and the hotline's system are audited; the product's own steps (routing, the clock, links) are in the case history.
      if (e.actor.role !== 'system') this.options.audit?.(caseAuditInput(e));
    }
    for (const l of this.listeners) {
      try {
        l(events);
      } catch (err) {
        this.log('warn', `case listener: ${(err as Error).message}`);
      }
    }
    const changes = caseChangesOf(events);
    this.writer.publish({ kind: 'case_changes', changes });
    this.tellChanges(changes);
  }

  private tellChanges(changes: readonly CaseChange[]): void {
    for (const l of this.changeListeners) {
      try {
        l(changes);
      } catch (err) {
        this.log('warn', `case change listener: ${(err as Error).message}`);
      }
    }
  }

  private async readInHand(): Promise<{ cases: HotlineCase[]; lastId: string | null }> {
    const store = this.options.store;
    if (!store) return { cases: [], lastId: null };
    const now = this.now();
    const [cases, lastId] = await Promise.all([
      store.inHand(now - this.rules.repeats.windowDays * DAY_MS, now - KEEP_CLOSED_MS),
      store.lastCaseId(),
    ]);
    return { cases, lastId };
  }

  private install(cases: readonly HotlineCase[], lastId: string | null): void {
    this.desk = restoreCaseDesk(this.rules, cases, lastId);
    this.byEvidence.clear();
    for (const c of cases) this.byEvidence.set(caseEvidenceId(c), c.id);
  }

  private pruneEvidence(): void {
    for (const [evidence, caseId] of this.byEvidence) if (!this.desk.cases.has(caseId)) this.byEvidence.delete(evidence);
  }

  private async readForTakeOver(): Promise<void> {
    this.takeOverFrom = null;
    try {
      this.takeOverFrom = await this.readInHand();
    } catch (err) {
      this.log('warn', `case store: ${(err as Error).message}; the case desk starts empty on this node`);
    }
  }

  private takeOver(): void {
    const from = this.takeOverFrom ?? { cases: [], lastId: null };
    this.install(from.cases, from.lastId);
    this.takeOverFrom = null;
    this.log('info', `this node now holds the case desk (${from.cases.length} cases in hand)`);
  }

  private stepDown(): void {
    this.desk = createCaseDesk(this.rules);
    this.byEvidence.clear();
    this.log('info', 'another web node holds the case desk; this node forwards case commands to it');
  }
}

/** The audit entry of a case event made by a person or the hotline's system. */
export function caseAuditInput(e: CaseEvent): AuditInput {
  return {
    at: e.at,
    actor: e.actor.user,
    stream: 'case',
    action: e.type.replace(/^case_/, ''),
    object: e.caseId,
    // The reason a person gave (returns, overrides, reopenings): the audit record is for admins, cleared for it.
    detail: e.reason ?? '',
    data: {
      role: e.actor.role,
      ...(e.actor.department ? { actorDepartment: e.actor.department } : {}),
      status: e.case.status,
      department: e.case.department ?? '',
      ...e.params,
    },
  };
}
