/**
 * The security event log of one node (`security_events`, storage/accounts-store.ts): events are
 * queued and stored about once a second; while ClickHouse is slow they wait in memory, up to
 * {@link MAX_PENDING_EVENTS}, and are retried. Every event is told at once to a listener (the
 * audit log chains it: web/server/audit). Never holds secrets.
 */
import type { AccountsStore } from '../../../storage/index.ts';
import type { SecurityEvent, SecurityEventType } from './auth-types.ts';

/** Security events kept in memory at most while ClickHouse is slow; beyond that they are dropped (and counted). */
export const MAX_PENDING_EVENTS = 10_000;

export interface SecurityLogOptions {
  store: AccountsStore;
  /** This node's name, stored with each event. */
  node: string;
  now: () => number;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Told of every event recorded. */
  onRecord?: ((event: SecurityEvent & { node: string }) => void) | undefined;
}

export class SecurityLog {
  private pending: SecurityEvent[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: SecurityLogOptions) {
    this.timer = setInterval(() => void this.flush(), 1000);
    this.timer.unref();
  }

  /** Queues an event; false when the queue is full and the event was dropped. */
  record(type: SecurityEventType, outcome: 'ok' | 'refused', username: string, client: string, detail: string): boolean {
    if (this.pending.length >= MAX_PENDING_EVENTS) return false;
    const event: SecurityEvent = {
      ts: this.options.now(),
      type,
      outcome,
      username: username.slice(0, 64),
      client: client.slice(0, 128),
      detail: detail.slice(0, 500),
    };
    this.pending.push(event);
    this.options.onRecord?.({ ...event, node: this.options.node });
    return true;
  }

  /** Stores what is queued (one write at a time; a failed write keeps the events for the next). */
  async flush(): Promise<void> {
    // A write under way stores only the events it took when it began: wait for it, then store
    // what was recorded since (or join the write another caller began meanwhile, which took it).
    if (this.flushing) await this.flushing;
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.options.store
      .insertSecurityEvents(batch.map((e) => ({ ...e, node: this.options.node })))
      .then(() => undefined)
      .catch((err: Error) => {
        this.options.log('warn', `security events not stored yet (${batch.length}), retrying: ${err.message}`);
        this.pending = [...batch, ...this.pending].slice(0, MAX_PENDING_EVENTS);
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  /** Stored events, newest first (what is queued is stored first). */
  async list(q: { type?: string; username?: string; limit: number }): Promise<SecurityEvent[]> {
    await this.flush();
    const rows = await this.options.store.securityEvents(q);
    return rows.map((r) => ({
      ts: r.ts,
      type: r.type as SecurityEventType,
      outcome: r.outcome as SecurityEvent['outcome'],
      username: r.username,
      client: r.client,
      detail: r.detail,
    }));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.flushing) await this.flushing;
  }
}
