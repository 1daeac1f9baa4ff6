/**
 * The event-sourced incident store: every change the correlator or an operator makes is one
 * row in `incident_changes`, carrying the incident as it is after the change. The open
 * incidents after a restart, an incident's history, and the incidents at any past moment
 * (replay) are all read back from those rows.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../storage/index.ts';
import { upgradeStoredIncident, type Incident, type IncidentChange } from '../../twin-model/index.ts';
import type { IncidentChangeRecord } from '../../twin-model/audit/audit-bindings.ts';

/**
 * DDL of the table: migration 4 in storage/migrations.ts, where it is defined so the
 * migrations (run by every writing process) do not import the web server; re-exported here.
 */
export { INCIDENT_CHANGES_DDL } from '../../storage/migrations.ts';

interface ChangeRow {
  incident_id: string;
  seq: number | string;
  ms: number | string;
  actor: string;
  what: IncidentChange['what'];
  detail: string;
  incident: string;
}

function toChange(r: ChangeRow): IncidentChange {
  return {
    incidentId: r.incident_id,
    at: Number(r.ms),
    actor: r.actor,
    what: r.what,
    detail: r.detail,
    incident: upgradeStoredIncident(JSON.parse(r.incident) as Incident),
  };
}

export class IncidentStore {
  /** Orders changes made within one millisecond; continues from the stored maximum at start. */
  private seq = 0;

  constructor(private readonly client: ClickHouseClient) {}

  async init(): Promise<void> {
    const [row] = await queryRows<{ m: number | string }>(this.client, 'SELECT max(seq) AS m FROM incident_changes');
    this.seq = Number(row?.m ?? 0);
  }

  /** Appends changes in order; resolves once they are stored. */
  async append(changes: readonly IncidentChange[]): Promise<void> {
    if (changes.length === 0) return;
    const rows = changes.map((c) => [
      c.incidentId,
      ++this.seq,
      c.at,
      c.actor,
      c.what,
      c.detail,
      c.incident.type,
      c.incident.status,
      JSON.stringify(c.incident),
    ]);
    await this.client.insert({
      table: 'incident_changes',
      values: rows,
      format: 'JSONCompactEachRow',
      clickhouse_settings: { insert_deduplication_token: `incident-changes:${rows[0]![1]}` },
    });
  }

  /** The highest incident number stored (`inc-000123` → 123), 0 when none: numbering continues after it. */
  async maxIncidentNumber(): Promise<number> {
    const [row] = await queryRows<{ m: number | string }>(
      this.client,
      `SELECT max(toUInt64OrZero(substring(incident_id, 5))) AS m FROM incident_changes WHERE startsWith(incident_id, 'inc-')`,
    );
    return Number(row?.m ?? 0);
  }

  /** Every change of one incident, oldest first (its history). */
  async history(incidentId: string): Promise<IncidentChange[]> {
    const rows = await queryRows<ChangeRow>(
      this.client,
      `SELECT incident_id, seq, toUnixTimestamp64Milli(at) AS ms, actor, what, detail, incident
       FROM incident_changes FINAL WHERE incident_id = {id:String} ORDER BY seq`,
      { id: incidentId },
    );
    return rows.map(toChange);
  }

  /** The incidents as they were at `at` (epoch ms): the latest change of each at or before it. */
  async stateAt(at: number, filter: { from?: number; to?: number } = {}): Promise<Incident[]> {
    const rows = await queryRows<{ incident: string }>(
      this.client,
      `SELECT argMax(incident, seq) AS incident FROM incident_changes
       WHERE at <= fromUnixTimestamp64Milli({at:Int64})
       GROUP BY incident_id`,
      { at },
    );
    const incidents = rows.map((r) => upgradeStoredIncident(JSON.parse(r.incident) as Incident));
    return incidents.filter(
      (i) => (filter.from === undefined || i.updatedAt >= filter.from) && (filter.to === undefined || i.openedAt <= filter.to),
    );
  }

  /**
   * The changes the audit log binds to (twin-model/audit/audit-bindings.ts), since `since`
   * (epoch ms): every change by a person, and every change of the incidents in `ids` (so a
   * person's change rewritten to look automatic is found too). Without the incident itself.
   */
  async changesForAudit(since: number, ids: readonly string[]): Promise<IncidentChangeRecord[]> {
    const rows = await queryRows<{ incident_id: string; ms: number | string; actor: string; what: string; detail: string }>(
      this.client,
      `SELECT incident_id, toUnixTimestamp64Milli(at) AS ms, actor, what, detail FROM incident_changes FINAL
       WHERE at >= fromUnixTimestamp64Milli({since:Int64}) AND (actor NOT IN ('twin', 'simulator') OR incident_id IN {ids:Array(String)})
       ORDER BY incident_id, seq`,
      { since, ids },
    );
    return rows.map((r) => ({ incidentId: r.incident_id, at: Number(r.ms), actor: r.actor, what: r.what, detail: r.detail }));
  }

  /** The incidents still open or acknowledged now (the twin rebuilds from them at start). */
  async active(): Promise<Incident[]> {
    return (await this.stateAt(Date.now() + 60_000)).filter((i) => i.status === 'open' || i.status === 'acknowledged');
  }
}
