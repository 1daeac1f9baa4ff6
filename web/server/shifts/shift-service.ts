/**
 * The command centre's shift log at run time (docs/shifts.md): notes in the current shift, the
 * handover with its automatic summary (the open incidents by severity, type and district, the
 * unacknowledged ones, the units out, taken from the live twin and dispatch), and the sign-off by
 * the incoming lead — a second person — which opens the next shift. Every step is audited.
 *
 * Every write is carried out by the node holding the writer lease (web/server/cluster), as incident
 * actions are: other nodes forward it and get the writer's answer, and the writer takes the writes
 * one at a time, so two requests on any nodes never take the same entry or shift number nor leave
 * a gap. The shifts are read from the store; the writer publishes each entry it adds so that a
 * node with a store of its own keeps it too (on one shared ClickHouse that row is the same row).
 */
import type { ShiftStore } from '../../../storage/index.ts';
import {
  checkSignOff,
  foldShift,
  handoverSummary,
  parseShiftBody,
  shiftId,
  shiftNumber,
  ShiftLogError,
  type Incident,
  type ResponseUnit,
  type ShiftBody,
  type ShiftEntry,
  type ShiftEntryKind,
  type ShiftRecord,
} from '../../../twin-model/index.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { TwinWriterChannel } from '../cluster/cluster-bus.ts';
import type { WriterAnswer, WriterChange, WriterCommand } from '../cluster/cluster-messages.ts';
import { ForwardingWriter } from '../cluster/forwarding-writer.ts';
import type { ShiftCommand } from './shift-commands.ts';

type ShiftWriterCommand = Extract<WriterCommand, { kind: 'shift_command' }>;
type ShiftEntriesChange = Extract<WriterChange, { kind: 'shift_entries' }>;

export interface ShiftServiceOptions {
  store: ShiftStore;
  /** The incidents open or acknowledged now (the live twin's). */
  activeIncidents: () => Incident[];
  /** The response units as they are now; empty without dispatch. */
  units: () => ResponseUnit[];
  /** Whether a user may lead a shift (an enabled account that may write in the log); the reason when not. */
  mayLead: (username: string) => Promise<string | null>;
  audit?: AuditService | null;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export class ShiftService {
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  /** Entries published by the writer, kept in this node's store in the order they came. */
  private mirrored: Promise<unknown> = Promise.resolve();
  private readonly writer: ForwardingWriter<ShiftWriterCommand, ShiftEntriesChange>;
  /** The newest shift's entries as the writer holds them; undefined: to be read from the store. */
  private newest: ShiftEntry[] | undefined;

  constructor(private readonly options: ShiftServiceOptions) {
    this.now = options.now ?? Date.now;
    this.writer = new ForwardingWriter<ShiftWriterCommand, ShiftEntriesChange>({
      name: 'shift log',
      handles: (c): c is ShiftWriterCommand => c.kind === 'shift_command',
      mirrors: (c): c is ShiftEntriesChange => c.kind === 'shift_entries',
      execute: (c) => this.execute(c.command),
      mirror: (c) => this.keep(c),
      // A node that starts writing has kept every entry published before.
      prepareTakeOver: () => this.mirrored.then(() => undefined),
      takeOver: () => this.forgetHead(),
      stepDown: () => this.forgetHead(),
    });
  }

  private forgetHead(): void {
    this.newest = undefined;
  }

  /** Joins a cluster's writer channel (cluster-bus.ts): writes go to the node holding the lease. */
  attachWriterChannel(channel: TwinWriterChannel): void {
    this.writer.attach(channel);
  }

  /** The newest shifts, newest first. */
  async shifts(limit = 20): Promise<ShiftRecord[]> {
    return (await this.options.store.latest(limit)).map(foldShift).filter((s): s is ShiftRecord => s !== null);
  }

  /** The current shift (the newest), or null before the first note. */
  async current(): Promise<ShiftRecord | null> {
    return (await this.shifts(1))[0] ?? null;
  }

  async shift(id: string): Promise<ShiftRecord> {
    const s = foldShift(await this.options.store.entries(id));
    if (!s) throw new ShiftLogError(`there is no shift ${JSON.stringify(id)}`, 'not_found');
    return s;
  }

  /** A note in the current shift; the first note ever opens shift 1 with its author as the lead. */
  async note(author: string, text: string): Promise<ShiftRecord> {
    return (await this.run({ action: 'note', actor: author, text })).shift;
  }

  /**
   * Hands the current shift over to `incomingLead` with the summary of what it inherits (the
   * writer's live twin and dispatch). The shift must be open; the incoming lead must be another
   * person who may lead a shift.
   */
  async handover(by: string, incomingLead: string, note: string): Promise<ShiftRecord> {
    return (await this.run({ action: 'handover', actor: by, incomingLead, note })).shift;
  }

  /** The incoming lead signs a handed-over shift off; their own shift opens. Returns both. */
  async signOff(shiftIdToSign: string, by: string, note: string): Promise<{ signed: ShiftRecord; opened: ShiftRecord }> {
    const answer = await this.run({ action: 'sign_off', actor: by, shiftId: shiftIdToSign, note });
    if (!answer.opened) throw new Error('the writer answered a sign-off without the shift it opened');
    return { signed: answer.shift, opened: answer.opened };
  }

  /** Carries a write out where the writer is; a refusal there is thrown here as the same ShiftLogError. */
  private async run(command: ShiftCommand): Promise<{ shift: ShiftRecord; opened: ShiftRecord | null }> {
    const answer = await this.writer.run({ kind: 'shift_command', command });
    switch (answer.kind) {
      case 'shift_result':
        return answer;
      case 'shift_refused':
        throw new ShiftLogError(answer.message, answer.code);
      case 'failed':
        throw new Error(`the shift log writer failed: ${answer.message}`);
      default:
        throw new Error(`the shift log writer answered ${answer.kind}`);
    }
  }

  /** A write on this node, the writer. */
  private async execute(command: ShiftCommand): Promise<WriterAnswer> {
    try {
      switch (command.action) {
        case 'note':
          return { kind: 'shift_result', shift: await this.noteHere(command.actor, command.text), opened: null };
        case 'handover':
          return {
            kind: 'shift_result',
            shift: await this.handoverHere(command.actor, command.incomingLead, command.note),
            opened: null,
          };
        case 'sign_off': {
          const { signed, opened } = await this.signOffHere(command.shiftId, command.actor, command.note);
          return { kind: 'shift_result', shift: signed, opened };
        }
      }
    } catch (err) {
      if (err instanceof ShiftLogError) return { kind: 'shift_refused', code: err.code, message: err.message };
      throw err;
    }
  }

  /** Entries the writer added, kept in this node's store (validated first; in the order published). */
  private keep(change: ShiftEntriesChange): void {
    let entries: ShiftEntry[];
    try {
      entries = change.entries.map((e) => ({
        ...e,
        body: parseShiftBody(e.kind, JSON.stringify(e.body), `shift log ${e.shiftId} entry ${e.seq} from the writer`),
      }));
    } catch (err) {
      this.options.log?.('error', `shift log: entries from the writer refused: ${(err as Error).message}`);
      return;
    }
    this.mirrored = this.mirrored
      .then(() => this.options.store.append(entries))
      .catch((err: Error) => this.options.log?.('warn', `shift log: entries from the writer not kept: ${err.message}`));
  }

  private noteHere(author: string, text: string): Promise<ShiftRecord> {
    return this.serial(async () => {
      const at = this.now();
      let current = await this.head();
      if (!current || current.status === 'signed_off') current = await this.open(current, author, at);
      return this.append(current, 'note', author, at, { v: 1, text });
    });
  }

  private handoverHere(by: string, incomingLead: string, note: string): Promise<ShiftRecord> {
    return this.serial(async () => {
      const at = this.now();
      let current = await this.head();
      if (!current || current.status === 'signed_off') current = await this.open(current, by, at);
      if (current.status === 'handed_over')
        throw new ShiftLogError(
          `${current.id} was handed over to ${current.handover!.incomingLead} already; it waits for the sign-off`,
          'conflict',
        );
      if (incomingLead === by) throw new ShiftLogError(`the incoming lead must be another person than ${by}, who hands over`, 'conflict');
      const refusal = await this.options.mayLead(incomingLead);
      if (refusal) throw new ShiftLogError(refusal, 'conflict');
      const summary = handoverSummary(this.options.activeIncidents(), this.options.units(), at);
      return this.append(current, 'handover', by, at, { v: 1, incomingLead, note, summary });
    });
  }

  private signOffHere(shiftIdToSign: string, by: string, note: string): Promise<{ signed: ShiftRecord; opened: ShiftRecord }> {
    return this.serial(async () => {
      const newest = await this.head();
      const shift = newest?.id === shiftIdToSign ? newest : await this.shift(shiftIdToSign);
      checkSignOff(shift, by);
      if (newest && newest.id !== shift.id) throw new ShiftLogError(`${shift.id} is not the current shift (${newest.id} is)`, 'conflict');
      const at = this.now();
      const signed = await this.append(shift, 'signed_off', by, at, { v: 1, note });
      const opened = await this.open(signed, by, at);
      return { signed, opened };
    });
  }

  /**
   * The newest shift as the writer holds it: its entries are read from the store once, then kept
   * as the writer adds to them (so a write costs one insert); read again after a failed write and
   * whenever this node starts or stops writing.
   */
  private async head(): Promise<ShiftRecord | null> {
    if (this.newest === undefined) this.newest = (await this.options.store.latest(1))[0] ?? [];
    return foldShift(this.newest);
  }

  private async open(previous: ShiftRecord | null, lead: string, at: number): Promise<ShiftRecord> {
    const id = shiftId((previous ? shiftNumber(previous.id) : 0) + 1);
    const entry: ShiftEntry = { shiftId: id, seq: 1, at, actor: lead, kind: 'opened', body: { v: 1, lead } };
    await this.write(entry, []);
    this.audit(entry, `${id} opened, led by ${lead}`);
    return foldShift(this.newest!)!;
  }

  private async append<K extends ShiftEntryKind>(
    shift: ShiftRecord,
    kind: K,
    actor: string,
    at: number,
    body: ShiftBody<K>,
  ): Promise<ShiftRecord> {
    const before = this.newest ?? [];
    const entry: ShiftEntry = { shiftId: shift.id, seq: (before.at(-1)?.seq ?? 0) + 1, at, actor, kind, body };
    await this.write(entry, before);
    this.audit(entry, describe(entry));
    return foldShift(this.newest!)!;
  }

  /** Stores one entry after `before` (the entries of its shift so far), then publishes it. */
  private async write(entry: ShiftEntry, before: ShiftEntry[]): Promise<void> {
    this.newest = undefined;
    await this.options.store.append([entry]);
    this.newest = [...before, entry];
    this.writer.publish({ kind: 'shift_entries', entries: [entry] });
  }

  private audit(e: ShiftEntry, detail: string): void {
    this.options.audit?.record({
      at: e.at,
      actor: e.actor,
      stream: 'shift',
      action: e.kind,
      object: e.shiftId,
      detail,
      data: {
        shiftId: e.shiftId,
        seq: e.seq,
        ...(e.kind === 'handover' ? { incomingLead: (e.body as ShiftBody<'handover'>).incomingLead } : {}),
      },
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function describe(e: ShiftEntry): string {
  switch (e.kind) {
    case 'opened':
      return `${e.shiftId} opened`;
    case 'note':
      return (e.body as ShiftBody<'note'>).text.slice(0, 500);
    case 'handover': {
      const b = e.body as ShiftBody<'handover'>;
      return `${e.shiftId} handed over to ${b.incomingLead}: ${b.summary.openIncidents} open incidents, ${b.summary.unacknowledged.length} unacknowledged, ${b.summary.unitsOut.length} units out`;
    }
    case 'signed_off':
      return `${e.shiftId} signed off`;
    default: {
      const never: never = e.kind;
      return String(never);
    }
  }
}
