/** Bench run 15's reading of the server's /metrics page: the ingest's counts and where the published packs are. */
export type Scrape = Record<string, number> & {
  readings_stored: number;
  readings_accepted: number;
  messages_received: number;
  messages_stored: number;
  messages_rejected: number;
};

/** The unlabelled samples of a Prometheus text page, and the ingest's counts by outcome. */
export function parseMetrics(text: string): Scrape {
  const labelled = (family: string, label: string): number =>
    Number(new RegExp(`^${family}\\{${label}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  const out: Scrape = {
    readings_stored: labelled('citytwin_ingest_readings_total', 'state="stored"'),
    readings_accepted: labelled('citytwin_ingest_readings_total', 'state="accepted"'),
    messages_received: labelled('citytwin_ingest_messages_total', 'outcome="received"'),
    messages_stored: labelled('citytwin_ingest_messages_total', 'outcome="stored"'),
    messages_rejected: labelled('citytwin_ingest_messages_total', 'outcome="rejected"'),
  };
  for (const l of text.split('\n')) {
    const m = /^([a-z0-9_]+) (\S+)$/.exec(l);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/**
 * Where the published packs are after the drain, from the ingest's own counts: stored,
 * rejected, pending in the ingest (accepted, batch not yet written), not yet received (still
 * with the broker), and lost = received but neither stored, rejected nor pending.
 */
export function packAccount(published: number, before: Scrape, after: Scrape) {
  const received = after.messages_received - before.messages_received;
  const stored = after.messages_stored - before.messages_stored;
  const rejected = after.messages_rejected - before.messages_rejected;
  const pending = after.citytwin_ingest_pending_messages ?? 0;
  return {
    stored,
    rejected,
    pending,
    notReceived: Math.max(0, published - received),
    lost: Math.max(0, received - stored - rejected - pending),
  };
}
