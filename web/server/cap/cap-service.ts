/**
 * Public warnings at run time (docs/cap.md): the warning desk and the official warnings held.
 *
 * Out: an operator drafts an alert from an incident (`capDraftFromIncident`, the area from the
 * incident's affected area), edits it, a SECOND person approves (or rejects) it, and it is
 * published — stored, audited, and sent as CAP XML on `citytwin/v1/alerts/cap`; updates and
 * cancels reference the original and go through the same approval. Every desk action is one
 * row of `cap_desk_changes` (storage/cap-store.ts) and one audit entry (stream `cap`); the desk
 * is rebuilt from the store at start.
 *
 * In: official warnings received (MQTT through the ingest, or HTTP) are held with
 * `applyWarningAlert` — an Update or Cancel replaces what it references — and handed to the
 * twin's correlator, which raises the confidence of the incidents they cover.
 *
 * The desk's rules are the pure updater's (twin-model/cap `applyCapDeskInput`); this class only
 * stores, audits and publishes what it returns.
 */
import type { CapDeskRow, CapStore, CapWarningRow } from '../../../storage/index.ts';
import {
  applyCapDeskInput,
  applyWarningAlert,
  buildAtomFeed,
  buildCapXml,
  CAP_ALERTS_TOPIC,
  capCancel,
  capDraftFromIncident,
  capStamp,
  capToContext,
  capUpdate,
  createCapDesk,
  formatCapProblem,
  formatCapReference,
  formatCapTime,
  parseCapXml,
  publishedCapAlerts,
  sameCapReference,
  type CapAlert,
  type CapCertainty,
  type CapDesk,
  type CapDeskInput,
  type CapDeskRefusal,
  type CapInfo,
  type CapInfoChanges,
  type CapRecord,
  type CapSeverity,
  type CapUrgency,
  type WarningContext,
} from '../../../twin-model/cap/index.ts';
import { quoteValue, type CityModel } from '../../../twin-model/index.ts';
import type { CapHistoryEntry, CapRecordView, WarningAreaView } from '../../shared/cap-protocol.ts';
import type { AuditRecorder } from '../audit/audit-routes.ts';
import type { TwinService } from '../live/twin-service.ts';
import { incidentWithArea } from './incident-area.ts';

/** How far back received warnings are read at start (longer-lived ones are rare; their end still applies). */
export const WARNINGS_READ_BACK_MS = 7 * 24 * 3_600_000;

/** Where published alerts go (the embedded broker itself, or this process's MQTT connection). */
export type CapPublisher = (topic: string, xml: string) => void;

export interface CapServiceOptions {
  city: CityModel;
  store: CapStore;
  twin: TwinService;
  /** Desk actions and warnings posted over HTTP are recorded here. */
  audit: AuditRecorder | null;
  /** CAP `sender` of the alerts published. */
  sender: string;
  /** `senderName` per language; default "<city> City Operations Centre". */
  senderName?: { zh: string; en: string } | null;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** What an edit, or an update, changes in the alert (the texts per language, the assessment, the validity). */
export interface CapAlertChanges {
  severity?: CapSeverity;
  urgency?: CapUrgency;
  certainty?: CapCertainty;
  /** Hours from now until the alert expires. */
  expiresInH?: number;
  headline?: { zh?: string; en?: string };
  description?: { zh?: string; en?: string };
  instruction?: { zh?: string; en?: string };
}

/** A desk action refused by the two-person rule or the CAP rules: the code, its parameters, a sentence. */
export class CapDeskRefused extends Error {
  constructor(readonly refusal: CapDeskRefusal) {
    super(refusalMessage(refusal));
    this.name = 'CapDeskRefused';
  }
}

/** A draft asked for an incident the twin does not hold. */
export class UnknownIncidentError extends Error {}

function refusalMessage(r: CapDeskRefusal): string {
  const p = r.params;
  // Identifiers and references come from the sender's XML: quoted, cut and escaped (quoteValue).
  const id = quoteValue(p.identifier);
  switch (r.code) {
    case 'invalid_alert':
      return `alert ${id} is not valid CAP 1.2: ${(r.problems ?? []).map(formatCapProblem).join('; ')}`;
    case 'duplicate_identifier':
      return `an alert ${id} is already on the desk`;
    case 'unknown_alert':
      return `no alert ${id} on the desk`;
    case 'identifier_changed':
      return `an edit cannot change the identifier of ${id} (to ${quoteValue(p.value)})`;
    case 'wrong_state':
      return `alert ${id} is ${p.state}; this needs it ${p.needs}`;
    case 'self_approval':
      return `${p.actor} drafted or edited alert ${id}: another person must approve it (two-person rule)`;
    case 'reason_required':
      return `a reason is required to reject alert ${id}`;
    case 'unknown_original':
      return `the alert this follows (${quoteValue(p.reference)}) is not on the desk`;
    case 'original_not_published':
      return `the alert this follows, ${quoteValue(p.original)}, is ${p.state}: only the published alert of a chain can be updated or cancelled`;
    case 'actor_required':
      return 'the acting user is missing';
    default:
      return r.code;
  }
}

const ACTION_OF_INPUT: Record<CapDeskInput['type'], string> = {
  draft: 'drafted',
  edit: 'edited',
  approve: 'approved',
  reject: 'rejected',
  publish: 'published',
};

const infoOf = (alert: CapAlert, language: string): CapInfo | undefined => alert.infos.find((i) => i.language === language);

export class CapService {
  private desk: CapDesk = createCapDesk();
  /** The incident each record was drafted from. */
  private readonly incidentOf = new Map<string, string>();
  /** Each record's number of actions so far (its rows' `seq`). */
  private readonly seqOf = new Map<string, number>();
  /** Official warnings received and still in force (or recently ended), as contexts. */
  private held: WarningContext[] = [];
  private publisher: CapPublisher | null = null;
  private readonly now: () => number;
  private readonly log: NonNullable<CapServiceOptions['log']>;
  private readonly timezone: string;
  /** Received, published over MQTT, refused desk actions (for the log and tests). */
  readonly counters = { received: 0, published: 0, refused: 0, publishFailures: 0 };

  constructor(private readonly options: CapServiceOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.timezone = options.city.timezone ?? 'Asia/Shanghai';
  }

  /** Rebuilds the desk and the warnings held from the store, and hands the warnings to the twin. */
  async init(): Promise<void> {
    const records = new Map<string, CapRecord>();
    for (const row of await this.options.store.deskRecords()) {
      const parsed = parseCapXml(row.xml);
      if (!parsed.ok) {
        this.log('error', `cap desk: stored alert ${row.identifier} does not parse: ${parsed.problems.map(formatCapProblem).join('; ')}`);
        continue;
      }
      records.set(row.identifier, recordOf(row, parsed.alert));
      this.seqOf.set(row.identifier, row.seq);
      if (row.incidentId) this.incidentOf.set(row.identifier, row.incidentId);
    }
    this.desk = { records };
    const now = this.now();
    let held: WarningContext[] = [];
    for (const row of await this.options.store.warningsSince(now - WARNINGS_READ_BACK_MS)) {
      const parsed = parseCapXml(row.xml);
      if (parsed.ok) held = applyWarningAlert(held, parsed.alert, now);
    }
    this.held = held;
    if (records.size || held.length) this.log('info', `cap: ${records.size} alerts on the desk, ${held.length} official warnings held`);
    this.options.twin.setWarnings(this.held);
  }

  /** Where published alerts go from now on (null: not sent, still in the feed). */
  setPublisher(publisher: CapPublisher | null): void {
    this.publisher = publisher;
  }

  // ---- the desk ----

  /** Every record on the desk, newest draft first. */
  records(): CapRecordView[] {
    return [...this.desk.records.values()]
      .sort((a, b) => b.draftedAt - a.draftedAt || a.identifier.localeCompare(b.identifier))
      .map((r) => this.view(r));
  }

  record(identifier: string): CapRecordView | null {
    const r = this.desk.records.get(identifier);
    return r ? this.view(r) : null;
  }

  async history(identifier: string): Promise<CapHistoryEntry[]> {
    return (await this.options.store.deskHistory(identifier)).map((r) => ({ at: r.at, actor: r.actor, action: r.action, state: r.state }));
  }

  /** Drafts an alert from an incident the twin holds: its area from the incident's affected area. */
  async draftFromIncident(
    incidentId: string,
    actor: string,
    options: { status?: 'Actual' | 'Exercise'; expiresInH?: number } = {},
  ): Promise<CapRecordView> {
    const incident = this.options.twin.incident(incidentId);
    if (!incident) throw new UnknownIncidentError(`incident "${incidentId}" is not known (open, or ended within the last day)`);
    const at = this.now();
    const city = this.options.city;
    const rule = this.options.twin.engine.incidents.rules.get(incident.type);
    const stamp = this.freshStamp(incident.id, at);
    const alert = capDraftFromIncident(incidentWithArea(incident, rule, city), city, {
      sender: this.options.sender,
      at,
      identifier: stamp.identifier,
      ...(options.status ? { status: options.status } : {}),
      ...(options.expiresInH !== undefined ? { expiresAt: at + options.expiresInH * 3_600_000 } : {}),
      ...(this.options.senderName ? { senderName: this.options.senderName } : {}),
    });
    return this.view(await this.apply({ type: 'draft', alert, actor, at }, incident.id));
  }

  /** Changes a draft, approved or rejected alert: it goes back to draft and its editor becomes an author. */
  async edit(identifier: string, actor: string, changes: CapAlertChanges): Promise<CapRecordView> {
    const current = this.requireRecord(identifier);
    const at = this.now();
    const alert = this.changed(current.alert, changes, at);
    return this.view(await this.apply({ type: 'edit', identifier, alert, actor, at }));
  }

  async approve(identifier: string, actor: string): Promise<CapRecordView> {
    return this.view(await this.apply({ type: 'approve', identifier, actor, at: this.now() }));
  }

  async reject(identifier: string, actor: string, reason: string): Promise<CapRecordView> {
    return this.view(await this.apply({ type: 'reject', identifier, reason, actor, at: this.now() }));
  }

  /** Publishes an approved alert: stored, then sent on MQTT; the feed lists it from now on. */
  async publish(identifier: string, actor: string): Promise<CapRecordView> {
    const record = await this.apply({ type: 'publish', identifier, actor, at: this.now() });
    const xml = buildCapXml(record.alert);
    if (this.publisher) {
      try {
        this.publisher(CAP_ALERTS_TOPIC, xml);
        this.counters.published++;
      } catch (err) {
        this.counters.publishFailures++;
        this.log('warn', `cap: alert ${identifier} published but not sent on MQTT: ${(err as Error).message}`);
      }
    }
    return this.view(record);
  }

  /** Drafts an Update of a published alert (new identifier, references the chain); it needs approval like any alert. */
  async draftUpdate(identifier: string, actor: string, changes: CapAlertChanges & { note?: string }): Promise<CapRecordView> {
    const original = this.requireRecord(identifier);
    const at = this.now();
    const incidentId = this.incidentOf.get(identifier) ?? original.alert.incidents[0] ?? identifier;
    const stamp = this.freshStamp(`${incidentId}-update`, at);
    const edited = this.changed(original.alert, changes, at);
    const { info, byLanguage } = infoChanges(original.alert, edited);
    const alert = this.followUp(original, () =>
      capUpdate(original.alert, { ...stamp, info, byLanguage, ...(changes.note ? { note: changes.note } : {}) }),
    );
    return this.view(await this.apply({ type: 'draft', alert, actor, at }, this.incidentOf.get(identifier)));
  }

  /** Drafts a Cancel of a published alert with the reason people read; it needs approval like any alert. */
  async draftCancel(identifier: string, actor: string, reason: string): Promise<CapRecordView> {
    const original = this.requireRecord(identifier);
    const at = this.now();
    const incidentId = this.incidentOf.get(identifier) ?? original.alert.incidents[0] ?? identifier;
    const stamp = this.freshStamp(`${incidentId}-cancel`, at);
    const alert = this.followUp(original, () => capCancel(original.alert, reason, stamp));
    return this.view(await this.apply({ type: 'draft', alert, actor, at }, this.incidentOf.get(identifier)));
  }

  /** A published alert (or one since superseded or cancelled) as CAP XML; null for anything never published. */
  publishedXml(identifier: string): string | null {
    const r = this.desk.records.get(identifier);
    if (!r || (r.state !== 'published' && r.state !== 'superseded' && r.state !== 'cancelled')) return null;
    return buildCapXml(r.alert);
  }

  /** The Atom feed of what is published and in force, linking each alert's XML beside `feedUrl`. */
  feed(feedUrl: string): string {
    const now = this.now();
    const city = this.options.city;
    return buildAtomFeed(publishedCapAlerts(this.desk, now), {
      id: feedUrl,
      title: `${city.name?.zh ?? ''}公共预警 / ${city.name?.en ?? 'City'} public warnings`.trim(),
      selfUrl: feedUrl,
      alertUrl: (a) => new URL(`published/${encodeURIComponent(a.identifier)}`, feedUrl).href,
      authorName: this.options.senderName?.zh ?? `${city.name?.zh ?? '本市'}城市运行指挥中心`,
      language: 'zh-CN',
      updated: formatCapTime(now, this.timezone),
    });
  }

  // ---- official warnings in ----

  /**
   * An official warning received. `row` is stored here (HTTP) or was stored by the ingest (MQTT,
   * null). The warnings held change (an Update or Cancel replaces what it references) and the
   * twin's correlator re-matches incidents. Returns the number of warning areas held after it.
   */
  async receive(alert: CapAlert, row: CapWarningRow | null, actor: string | null = null): Promise<number> {
    if (row) await this.options.store.insertWarnings([row]);
    this.counters.received++;
    const now = this.now();
    const replaced = this.held.filter((c) => alert.references.some((r) => sameCapReference(r, c.alert))).map((c) => c.key);
    this.held = applyWarningAlert(this.held, alert, now);
    if (actor !== null)
      this.options.audit?.record({
        at: now,
        actor,
        stream: 'cap',
        action: 'received',
        object: alert.identifier,
        detail: `${alert.msgType} from ${alert.sender}`,
        data: { sender: alert.sender, sent: alert.sent, msgType: alert.msgType, status: alert.status },
      });
    this.options.twin.setWarnings(this.held, replaced);
    return this.held.length;
  }

  /** Drops warnings past their end (the map); incidents keep the support they had while in force. */
  tick(): void {
    const now = this.now();
    const kept = this.held.filter((c) => (c.expires ?? c.effective + 24 * 3_600_000) > now);
    if (kept.length === this.held.length) return;
    this.held = kept;
    this.options.twin.setWarnings(this.held);
  }

  /** Official warnings held and CityTwin's own alerts in force, as areas for the map. */
  warningAreas(): WarningAreaView[] {
    const now = this.now();
    const own = publishedCapAlerts(this.desk, now).flatMap((a) => capToContext(a, now));
    return [...this.held.map((c) => ({ ...c, active: c.effective <= now })), ...own].filter((c) => !c.geocodeOnly).map(areaView);
  }

  // ---- internals ----

  private requireRecord(identifier: string): CapRecord {
    const r = this.desk.records.get(identifier);
    if (!r) throw new CapDeskRefused({ code: 'unknown_alert', params: { identifier } });
    return r;
  }

  /** A stamp whose identifier is not on the desk yet (two drafts within one second get a suffix). */
  private freshStamp(key: string, at: number): { identifier: string; sent: string } {
    const stamp = capStamp(this.options.city, key, at);
    let identifier = stamp.identifier;
    for (let n = 2; this.desk.records.has(identifier) && n < 1000; n++) identifier = `${stamp.identifier}-${n}`;
    return { identifier, sent: stamp.sent };
  }

  /** The core refuses a follow-up of a Cancel with a RangeError: the desk's refusal instead. */
  private followUp(original: CapRecord, make: () => CapAlert): CapAlert {
    try {
      return make();
    } catch (err) {
      if (err instanceof RangeError)
        throw new CapDeskRefused({
          code: 'wrong_state',
          params: {
            identifier: original.identifier,
            state: `a ${original.alert.msgType}`,
            needs: 'an Alert or Update (a Cancel ends its chain)',
          },
        });
      throw err;
    }
  }

  private changed(alert: CapAlert, c: CapAlertChanges, at: number): CapAlert {
    const next = structuredClone(alert);
    const expires = c.expiresInH === undefined ? undefined : formatCapTime(at + c.expiresInH * 3_600_000, this.timezone);
    for (const info of next.infos) {
      if (c.severity) info.severity = c.severity;
      if (c.urgency) info.urgency = c.urgency;
      if (c.certainty) info.certainty = c.certainty;
      if (expires) info.expires = expires;
      const lang = info.language === 'zh-CN' ? 'zh' : info.language === 'en-US' ? 'en' : null;
      if (!lang) continue;
      if (c.headline?.[lang] !== undefined) info.headline = c.headline[lang];
      if (c.description?.[lang] !== undefined) info.description = c.description[lang];
      if (c.instruction?.[lang] !== undefined) info.instruction = c.instruction[lang];
    }
    return next;
  }

  /** Applies a desk action; stores and audits every record it changed (restored if the store fails). */
  private async apply(input: CapDeskInput, incidentId?: string): Promise<CapRecord> {
    const before = this.desk;
    const result = applyCapDeskInput(before, input);
    if (!result.ok) {
      this.counters.refused++;
      throw new CapDeskRefused(result.refusal);
    }
    this.desk = result.desk;
    if (incidentId && input.type === 'draft') this.incidentOf.set(result.record.identifier, incidentId);
    const rows = result.changed.map((r) => {
      const action = r === result.record ? ACTION_OF_INPUT[input.type] : r.state;
      const seq = (this.seqOf.get(r.identifier) ?? 0) + 1;
      this.seqOf.set(r.identifier, seq);
      return this.rowOf(r, seq, action, input.actor, input.at);
    });
    try {
      await this.options.store.appendDesk(rows);
    } catch (err) {
      if (this.desk === result.desk) {
        this.desk = before;
        for (const r of rows) this.seqOf.set(r.identifier, r.seq - 1);
      }
      throw err;
    }
    for (const row of rows) {
      const r = result.changed.find((x) => x.identifier === row.identifier)!;
      this.options.audit?.record({
        at: input.at,
        actor: input.actor,
        stream: 'cap',
        action: row.action,
        object: row.identifier,
        detail: input.type === 'reject' ? input.reason : (infoOf(r.alert, 'zh-CN')?.headline ?? r.alert.infos[0]?.event ?? ''),
        data: {
          state: r.state,
          msgType: r.alert.msgType,
          incidentId: row.incidentId,
          references: r.alert.references.map(formatCapReference),
        },
      });
    }
    return result.record;
  }

  private rowOf(r: CapRecord, seq: number, action: string, actor: string, at: number): CapDeskRow {
    return {
      identifier: r.identifier,
      seq,
      at,
      actor,
      action,
      state: r.state,
      msgType: r.alert.msgType,
      incidentId: this.incidentOf.get(r.identifier) ?? '',
      draftedBy: r.draftedBy,
      draftedAt: r.draftedAt,
      authors: r.authors,
      approvedBy: r.approvedBy ?? '',
      approvedAt: r.approvedAt ?? null,
      rejectedBy: r.rejectedBy ?? '',
      rejectedAt: r.rejectedAt ?? null,
      rejectReason: r.rejectReason ?? '',
      publishedBy: r.publishedBy ?? '',
      publishedAt: r.publishedAt ?? null,
      supersededBy: r.supersededBy ?? '',
      xml: buildCapXml(r.alert),
    };
  }

  private view(r: CapRecord): CapRecordView {
    const first = r.alert.infos[0];
    return {
      identifier: r.identifier,
      state: r.state,
      msgType: r.alert.msgType,
      status: r.alert.status,
      sent: r.alert.sent,
      incidentId: this.incidentOf.get(r.identifier) ?? null,
      draftedBy: r.draftedBy,
      draftedAt: r.draftedAt,
      authors: r.authors,
      approvedBy: r.approvedBy ?? null,
      approvedAt: r.approvedAt ?? null,
      rejectedBy: r.rejectedBy ?? null,
      rejectedAt: r.rejectedAt ?? null,
      rejectReason: r.rejectReason ?? null,
      publishedBy: r.publishedBy ?? null,
      publishedAt: r.publishedAt ?? null,
      supersededBy: r.supersededBy ?? null,
      references: r.alert.references.map(formatCapReference),
      texts: r.alert.infos.map((i) => ({
        language: i.language ?? 'en-US',
        event: i.event,
        headline: i.headline ?? null,
        description: i.description ?? null,
        instruction: i.instruction ?? null,
      })),
      severity: first?.severity ?? 'Unknown',
      urgency: first?.urgency ?? 'Unknown',
      certainty: first?.certainty ?? 'Unknown',
      expires: first?.expires ?? null,
      areaDesc: first?.areas.map((a) => a.areaDesc).join('; ') ?? '',
      note: r.alert.note ?? null,
      xml: buildCapXml(r.alert),
    };
  }
}

/** A stored row back as a desk record (the alert parsed from its XML). */
function recordOf(row: CapDeskRow, alert: CapAlert): CapRecord {
  const r: CapRecord = {
    identifier: row.identifier,
    alert,
    state: row.state as CapRecord['state'],
    draftedBy: row.draftedBy,
    draftedAt: row.draftedAt,
    authors: row.authors,
  };
  if (row.approvedBy) r.approvedBy = row.approvedBy;
  if (row.approvedAt !== null) r.approvedAt = row.approvedAt;
  if (row.rejectedBy) r.rejectedBy = row.rejectedBy;
  if (row.rejectedAt !== null) r.rejectedAt = row.rejectedAt;
  if (row.rejectReason) r.rejectReason = row.rejectReason;
  if (row.publishedBy) r.publishedBy = row.publishedBy;
  if (row.publishedAt !== null) r.publishedAt = row.publishedAt;
  if (row.supersededBy) r.supersededBy = row.supersededBy;
  return r;
}

/** What an update changes, as `capUpdate` takes it: the shared fields, and the texts per language. */
function infoChanges(original: CapAlert, edited: CapAlert): { info: CapInfoChanges; byLanguage: Record<string, CapInfoChanges> } {
  const first = edited.infos[0]!;
  const info: CapInfoChanges = { severity: first.severity, urgency: first.urgency, certainty: first.certainty };
  if (first.expires !== undefined) info.expires = first.expires;
  const byLanguage: Record<string, CapInfoChanges> = {};
  for (const e of edited.infos) {
    const o = original.infos.find((i) => i.language === e.language);
    if (!o || !e.language) continue;
    const texts: CapInfoChanges = {};
    if (e.headline !== o.headline && e.headline !== undefined) texts.headline = e.headline;
    if (e.description !== o.description && e.description !== undefined) texts.description = e.description;
    if (e.instruction !== o.instruction && e.instruction !== undefined) texts.instruction = e.instruction;
    byLanguage[e.language] = texts;
  }
  return { info, byLanguage };
}

function areaView(c: WarningContext): WarningAreaView {
  return {
    key: c.key,
    sender: c.alert.sender,
    identifier: c.alert.identifier,
    sent: c.alert.sent,
    msgType: c.msgType,
    status: c.status,
    kind: c.kind,
    colour: c.colour,
    severity: c.severity,
    urgency: c.urgency,
    certainty: c.certainty,
    own: c.own,
    active: c.active,
    effective: c.effective,
    expires: c.expires,
    senderName: c.senderName ?? null,
    texts: c.texts,
    rings: c.rings,
    circles: c.circles,
    bbox: c.bbox,
  };
}
