/**
 * The notification configuration lists worded (docs/notifications.md, "The operations page"): per
 * kind, the columns and the cells of one document — a channel's kind, where it sends (the URL's
 * or SMTP server's host, never a secret), batching and its last test message; a subscription's
 * events, incident types × severity × districts (by name) × who, and channels; a contact's
 * language, masked addresses and roles; a policy's tiers with their minutes; a roster's shifts on
 * the city's clocks. The JSON editor stays beside each row as the administrators' advanced view.
 */
import { shownTimeZone } from '../i18n/format.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { getLanguage, t } from '../i18n/language.ts';
import type { StringKey } from '../i18n/strings.ts';
import { h } from '../ui/dom.ts';
import { nlt, nlWord } from './notify-list-strings.ts';
import { ot, type OpsStringKey } from './ops-strings.ts';
import { cityTime } from './ops-ui.ts';

export type Doc = Record<string, unknown>;
export type ListKind = 'channels' | 'contacts' | 'subscriptions' | 'policies' | 'rosters';

/** The newest test message of a channel, from the delivery log. */
export interface LastTest {
  status: string;
  updatedAt: number;
  lastError: string;
}

/** What the lists need besides the documents: district names, each channel's last test. */
export interface ListContext {
  districts: ReadonlyMap<string, { zh: string; en: string }>;
  lastTests: ReadonlyMap<string, LastTest>;
}

type Cell = Node | string;

const list = (xs: readonly string[]): string => xs.join(nlt('list.sep'));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const lines = (xs: readonly string[]): HTMLElement => h('div', { class: 'notify-lines' }, ...xs.map((x) => h('div', {}, x)));

function roleWord(role: string): string {
  const text = t(`role.${role}` as StringKey);
  return text && text !== `role.${role}` ? text : role;
}

/** Who a target reaches, worded. */
export function targetText(target: unknown): string {
  const x = (target ?? {}) as { role?: string; user?: string; team?: string; tier?: number };
  if (x.role !== undefined) return nlt('target.role', { role: roleWord(x.role) });
  if (x.user !== undefined) return nlt('target.user', { user: x.user });
  if (x.team !== undefined)
    return x.tier === undefined ? nlt('target.teamTier', { team: x.team }) : nlt('target.team', { team: x.team, tier: x.tier });
  return '—';
}

/** The host a URL sends to (no user, password, path or query: those may hold secrets). */
function hostOf(url: unknown): string {
  try {
    return new URL(String(url)).host;
  } catch {
    return '—';
  }
}

/** `w***@example.cn`: the first letter and the domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 1 ? '***' : `${email[0]}***${email.slice(at)}`;
}

/** `+86138****8000`: the country and network prefix and the last four digits. */
export function maskPhone(phone: string): string {
  return phone.length < 9 ? '***' : `${phone.slice(0, 6)}****${phone.slice(-4)}`;
}

function channelTarget(d: Doc): string {
  if (d.kind === 'email') return `${String(d.host ?? '—')}:${String(d.port ?? 587)}`;
  return hostOf(d.url);
}

function lastTestCell(id: string, ctx: ListContext): Cell {
  const last = ctx.lastTests.get(id);
  if (!last) return h('span', { class: 'ops-muted' }, nlt('test.never'));
  const status = ot(`notify.status.${last.status}` as OpsStringKey) ?? last.status;
  return h(
    'span',
    { class: `delivery-status ${last.status}`, title: last.lastError, 'data-testid': 'notify-channel-last-test' },
    nlt('test.result', { status, time: cityTime(last.updatedAt) }),
  );
}

function channelCells(d: Doc, ctx: ListContext): Cell[] {
  const batch = d.batch as { maxEvents?: number; maxWaitMs?: number } | undefined;
  return [
    nlWord('kind', String(d.kind)),
    h('span', { class: 'mono' }, channelTarget(d)),
    batch ? nlt('batch.on', { n: batch.maxEvents ?? '—', ms: batch.maxWaitMs ?? 0 }) : nlt('batch.off'),
    lastTestCell(String(d.id), ctx),
  ];
}

function districtNames(codes: readonly string[], ctx: ListContext): string {
  if (codes.length === 0) return nlt('districts.all');
  const en = getLanguage() === 'en';
  return list(codes.map((c) => (en ? ctx.districts.get(c)?.en : ctx.districts.get(c)?.zh) || c));
}

function incidentScope(d: Doc): string {
  const types = strings(d.incidentTypes);
  const typeText = types.length ? list(types.map((x) => incidentTypeLabel(x))) : nlt('types.all');
  return `${typeText} · ${nlt('severity.min', { n: Number(d.minSeverity ?? 1) })}`;
}

function subscriptionCells(d: Doc, ctx: ListContext): Cell[] {
  return [
    list(strings(d.events).map((e) => nlWord('event', e))) + (d.enabled === false ? ` ${nlt('disabled')}` : ''),
    incidentScope(d),
    districtNames(strings(d.districts), ctx),
    targetText(d.target),
    h('span', { class: 'mono' }, list(strings(d.channels))),
  ];
}

function contactCells(d: Doc): Cell[] {
  const addresses = [
    typeof d.email === 'string' ? nlt('address.email', { v: maskEmail(d.email) }) : null,
    typeof d.phone === 'string' ? nlt('address.phone', { v: maskPhone(d.phone) }) : null,
  ].filter((x): x is string => x !== null);
  return [
    typeof d.name === 'string' ? d.name : '—',
    nlWord('lang', String(d.language ?? 'zh-CN')),
    addresses.length ? lines(addresses) : h('span', { class: 'ops-muted' }, nlt('address.none')),
    list(strings(d.roles).map(roleWord)) || '—',
  ];
}

function tierLines(d: Doc): string[] {
  const tiers = Array.isArray(d.tiers) ? (d.tiers as { targets?: unknown[]; afterMin?: number }[]) : [];
  const ack = Number(d.ackDeadlineMin ?? 0);
  return tiers.map((tier, i) => {
    const who = list((tier.targets ?? []).map(targetText));
    if (i === 0) return nlt('tier.first', { who });
    if (i === 1) return nlt('tier.second', { min: ack, who });
    return nlt('tier.later', { n: i + 1, min: tier.afterMin ?? ack, who });
  });
}

function policyCells(d: Doc): Cell[] {
  const repeat = d.repeat as { everyMin?: number; times?: number } | undefined;
  const reminders =
    repeat && (repeat.times ?? 0) > 0 ? nlt('repeat.every', { min: repeat.everyMin ?? '—', times: repeat.times ?? 0 }) : nlt('repeat.none');
  return [
    incidentScope(d),
    lines(tierLines(d)),
    lines([reminders, nlWord('stop', String(d.stopOn ?? 'acknowledged'))]),
    h('span', { class: 'mono' }, list(strings(d.channels))),
  ];
}

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `周一至周五`, `每天`, or the days one by one. */
function daysText(days: readonly string[]): string {
  const idx = days.map((x) => WEEK.indexOf(x)).sort((a, b) => a - b);
  if (idx.length === 7) return nlt('day.every');
  const run = idx.length > 2 && idx.every((v, i) => i === 0 || v === idx[i - 1]! + 1);
  if (run) return nlt('day.range', { from: nlWord('day', WEEK[idx[0]!]!), to: nlWord('day', WEEK[idx.at(-1)!]!) });
  return list(days.map((x) => nlWord('day', x)));
}

function tiersText(tiers: unknown): string {
  const rows = Array.isArray(tiers) ? (tiers as unknown[]) : [];
  return list(rows.map((people, i) => nlt('shift.tier', { n: i + 1, people: list(strings(people)) || nlt('shift.nobody') })));
}

function rosterCells(d: Doc): Cell[] {
  const shifts = Array.isArray(d.shifts) ? (d.shifts as Doc[]) : [];
  const overrides = Array.isArray(d.overrides) ? (d.overrides as Doc[]) : [];
  const shiftLines = shifts.map((s) =>
    nlt('shift.line', { days: daysText(strings(s.days)), from: String(s.from), to: String(s.to), tiers: tiersText(s.tiers) }),
  );
  const overrideLines = overrides.map((o) =>
    nlt('overrides.one', { date: String(o.date), from: String(o.from ?? '00:00'), to: String(o.to ?? '24:00'), tiers: tiersText(o.tiers) }),
  );
  return [
    typeof d.name === 'string' ? d.name : '—',
    shiftLines.length ? lines(shiftLines) : '—',
    overrideLines.length ? lines(overrideLines) : h('span', { class: 'ops-muted' }, nlt('overrides.none')),
  ];
}

/** The worded columns of a kind (after the id, before the buttons). */
export function listHeads(kind: ListKind): string[] {
  switch (kind) {
    case 'channels':
      return [nlt('col.kind'), nlt('col.target'), nlt('col.batch'), nlt('col.lastTest')];
    case 'subscriptions':
      return [nlt('col.events'), nlt('col.incidents'), nlt('col.districts'), nlt('col.who'), nlt('col.channels')];
    case 'contacts':
      return [nlt('col.name'), nlt('col.language'), nlt('col.addresses'), nlt('col.roles')];
    case 'policies':
      return [nlt('col.incidents'), nlt('col.tiers'), nlt('col.repeat'), nlt('col.channels')];
    case 'rosters':
      return [
        nlt('col.name'),
        nlt('col.shifts', { zone: shownTimeZone() ?? Intl.DateTimeFormat().resolvedOptions().timeZone }),
        nlt('col.overrides'),
      ];
  }
}

/** The worded cells of one document, matching `listHeads`. */
export function listCells(kind: ListKind, d: Doc, ctx: ListContext): Cell[] {
  switch (kind) {
    case 'channels':
      return channelCells(d, ctx);
    case 'subscriptions':
      return subscriptionCells(d, ctx);
    case 'contacts':
      return contactCells(d);
    case 'policies':
      return policyCells(d);
    case 'rosters':
      return rosterCells(d);
  }
}
