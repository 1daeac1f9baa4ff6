/**
 * Counts everything the ingest does. The invariant, at every instant, in total and per source:
 * received = stored + rejected + pending (accepted, not yet written). `/metrics` reads these
 * counters at each scrape (bin/metrics/ingest-families.ts).
 */
import type { RejectReason } from '../twin-model/index.ts';

export class IngestMetrics {
  received = 0;
  stored = 0;
  rejected = 0;
  readingsStored = 0;
  readingsAccepted = 0;
  deadLettersWritten = 0;
  batchesWritten = 0;
  writeErrors = 0;
  /** Messages on `citytwin/v1/system/…` seen and ignored (not part of `received`). */
  systemMessages = 0;
  /** Received by topic family (a plain object: it is updated once per message). */
  readonly receivedByKind: Record<string, number> = {};
  /** Rejected by reason and source ("reason|source"). */
  readonly rejectedBy = new Map<string, number>();
  /** Per source: received, stored, rejected (sources beyond {@link MAX_SOURCES} count as `other`). */
  readonly bySource = new Map<string, SourceCounts>();
  /** Recent batch write durations (ms), newest last. */
  private readonly writeMs: number[] = [];
  /** Recent receive→stored latencies (ms) of the oldest message per batch. */
  private readonly storeLagMs: number[] = [];
  /** Per-second history of received counts for a rate. */
  private readonly rateWindow: Array<{ t: number; received: number; readings: number }> = [];

  countReceived(kind: string): void {
    this.received++;
    this.receivedByKind[kind] = (this.receivedByKind[kind] ?? 0) + 1;
  }

  /**
   * The label a source is counted under: itself, or `other` once {@link MAX_SOURCES} are
   * tracked (sources come from devices' meta and topics; their number must not grow memory or
   * the metrics without bound).
   */
  sourceLabel(source: string): string {
    return this.bySource.has(source) || this.bySource.size < MAX_SOURCES ? source : OTHER_SOURCES;
  }

  private source(label: string): SourceCounts {
    let c = this.bySource.get(label);
    if (!c) {
      c = { received: 0, stored: 0, rejected: 0 };
      this.bySource.set(label, c);
    }
    return c;
  }

  /** A message of `source` was accepted (it is pending until its batch is written). Returns its label. */
  countAccepted(source: string): string {
    const label = this.sourceLabel(source);
    this.source(label).received++;
    return label;
  }

  countRejected(reason: RejectReason, source: string): void {
    this.rejected++;
    const label = this.sourceLabel(source);
    const c = this.source(label);
    c.received++;
    c.rejected++;
    const key = `${reason}|${label}`;
    this.rejectedBy.set(key, (this.rejectedBy.get(key) ?? 0) + 1);
  }

  countBatch(
    messages: number,
    rejectedMessages: number,
    readings: number,
    deadLetters: number,
    writeMs: number,
    lagMs: number,
    acceptedBySource: ReadonlyMap<string, number> = new Map(),
  ): void {
    for (const [label, n] of acceptedBySource) this.source(label).stored += n;
    this.stored += messages - rejectedMessages;
    this.readingsStored += readings;
    this.deadLettersWritten += deadLetters;
    this.batchesWritten++;
    push(this.writeMs, writeMs);
    push(this.storeLagMs, lagMs);
  }

  /** Samples the counters; call about once a second. Returns messages/s and readings/s. */
  sampleRate(now: number): { messagesPerSec: number; readingsPerSec: number } {
    this.rateWindow.push({ t: now, received: this.received, readings: this.readingsAccepted });
    while (this.rateWindow.length > 6) this.rateWindow.shift();
    const first = this.rateWindow[0]!;
    const span = (now - first.t) / 1000;
    if (span <= 0) return { messagesPerSec: 0, readingsPerSec: 0 };
    return { messagesPerSec: (this.received - first.received) / span, readingsPerSec: (this.readingsAccepted - first.readings) / span };
  }

  writeP95(): number {
    return percentile(this.writeMs, 0.95);
  }

  storeLagP95(): number {
    return percentile(this.storeLagMs, 0.95);
  }
}

/** Counts of one source. received = stored + rejected + pending. */
export interface SourceCounts {
  received: number;
  stored: number;
  rejected: number;
}

/** Distinct sources counted apart; the rest are summed as {@link OTHER_SOURCES}. */
export const MAX_SOURCES = 1000;
export const OTHER_SOURCES = 'other';

function push(list: number[], value: number): void {
  list.push(value);
  if (list.length > 200) list.shift();
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
