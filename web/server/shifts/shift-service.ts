/**
 * The command centre's shift log at run time (docs/shifts.md): notes in the current shift, the
 * handover with its automatic summary (the open incidents by severity, type and district, the
 * unacknowledged ones, the units out, taken from the live twin and dispatch), and the sign-off by
 * the incoming lead — a second person — which opens the next shift. Every step is audited.
 *
 * Writes go through one queue per process, so two requests never take the same entry number; the
 * shifts themselves are read from the store (shared by every web node on one ClickHouse).
 */
import type { ShiftStore } from '../../../storage/index.ts';
import {
  checkSignOff,
  foldShift,
  handoverSummary,
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
}

export class ShiftService {
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ShiftServiceOptions) {
    this.now = options.now ?? Date.now;
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
  note(author: string, text: string): Promise<ShiftRecord> {
    return this.serial(async () => {
      let current = await this.current();
      const at = this.now();
      if (!current || current.status === 'signed_off') current = await this.open(current, author, at);
      await this.append(current, 'note', author, at, { v: 1, text });
      return this.shift(current.id);
    });
  }

  /**
   * Hands the current shift over to `incomingLead` with the summary of what it inherits. The
   * shift must be open; the incoming lead must be another person who may lead a shift.
   */
  handover(by: string, incomingLead: string, note: string): Promise<ShiftRecord> {
    return this.serial(async () => {
      const at = this.now();
      let current = await this.current();
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
      await this.append(current, 'handover', by, at, { v: 1, incomingLead, note, summary });
      return this.shift(current.id);
    });
  }

  /** The incoming lead signs a handed-over shift off; their own shift opens. Returns both. */
  signOff(shiftIdToSign: string, by: string, note: string): Promise<{ signed: ShiftRecord; opened: ShiftRecord }> {
    return this.serial(async () => {
      const shift = await this.shift(shiftIdToSign);
      checkSignOff(shift, by);
      const newest = await this.current();
      if (newest && newest.id !== shift.id) throw new ShiftLogError(`${shift.id} is not the current shift (${newest.id} is)`, 'conflict');
      const at = this.now();
      await this.append(shift, 'signed_off', by, at, { v: 1, note });
      const opened = await this.open(shift, by, at);
      return { signed: await this.shift(shift.id), opened };
    });
  }

  private async open(previous: ShiftRecord | null, lead: string, at: number): Promise<ShiftRecord> {
    const id = shiftId((previous ? shiftNumber(previous.id) : 0) + 1);
    const entry: ShiftEntry = { shiftId: id, seq: 1, at, actor: lead, kind: 'opened', body: { v: 1, lead } };
    await this.options.store.append([entry]);
    this.audit(entry, `${id} opened, led by ${lead}`);
    return this.shift(id);
  }

  private async append<K extends ShiftEntryKind>(
    shift: ShiftRecord,
    kind: K,
    actor: string,
    at: number,
    body: ShiftBody<K>,
  ): Promise<void> {
    const entries = await this.options.store.entries(shift.id);
    const entry: ShiftEntry = { shiftId: shift.id, seq: (entries.at(-1)?.seq ?? 0) + 1, at, actor, kind, body };
    await this.options.store.append([entry]);
    this.audit(entry, describe(entry));
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
