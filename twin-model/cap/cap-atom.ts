/**
 * The Atom index of published alerts (RFC 4287): one entry per alert, linking to its CAP XML
 * (`rel="alternate"`, type `application/cap+xml`), as CAP feeds are commonly offered to
 * aggregators. CAP date-times are RFC 3339 date-times (`2026-07-01T14:05:00+08:00`), so they are
 * used as they are.
 */
import { capTimeToMs } from './cap-time.ts';
import { CAP_DEFAULT_LANGUAGE, CAP_MEDIA_TYPE, type CapAlert, type CapInfo } from './cap-types.ts';

export const ATOM_NAMESPACE = 'http://www.w3.org/2005/Atom';

export interface AtomFeedMeta {
  /** The feed's permanent IRI (RFC 4287 §4.2.6), e.g. `https://city.example/cap/feed.atom`. */
  id: string;
  title: string;
  /** Where the feed itself is served (`rel="self"`). */
  selfUrl: string;
  /** Where an alert's CAP XML is served; also the entry's id. */
  alertUrl: (alert: CapAlert) => string;
  /** The publishing organisation (feed-level `author`). */
  authorName: string;
  /** `xml:lang` of the feed, and the `info` language whose headline titles each entry. Default `zh-CN`. */
  language?: string;
  /** RFC 3339 time of the feed when it lists no alert (otherwise the newest alert's `sent`). */
  updated: string;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function infoFor(alert: CapAlert, language: string): CapInfo | undefined {
  return alert.infos.find((i) => (i.language ?? CAP_DEFAULT_LANGUAGE) === language) ?? alert.infos[0];
}

const MSG_TYPE_TITLE: Record<string, string> = { Update: 'Update', Cancel: 'Cancel' };

function entryOf(alert: CapAlert, meta: AtomFeedMeta, language: string): string {
  const info = infoFor(alert, language);
  const href = meta.alertUrl(alert);
  const base = info?.headline ?? info?.event ?? alert.identifier;
  const prefix = MSG_TYPE_TITLE[alert.msgType];
  const title = prefix ? `${prefix}: ${base}` : base;
  const summary = alert.msgType === 'Cancel' && alert.note ? alert.note : (info?.description ?? info?.headline);
  const lines = [
    '  <entry>',
    `    <id>${escapeXml(href)}</id>`,
    `    <title>${escapeXml(title)}</title>`,
    `    <updated>${escapeXml(alert.sent)}</updated>`,
    `    <published>${escapeXml(alert.sent)}</published>`,
    `    <author><name>${escapeXml(info?.senderName ?? alert.sender)}</name></author>`,
    `    <link rel="alternate" type="${CAP_MEDIA_TYPE}" href="${escapeXml(href)}"/>`,
    `    <category term="${escapeXml(alert.msgType)}" label="msgType"/>`,
  ];
  if (info) lines.push(`    <category term="${escapeXml(info.severity)}" label="severity"/>`);
  if (summary) lines.push(`    <summary>${escapeXml(summary)}</summary>`);
  lines.push('  </entry>');
  return lines.join('\n');
}

/**
 * An Atom feed listing `alerts` in the order given (pass `publishedCapAlerts(desk, now)`:
 * newest first). The feed's `updated` is the newest alert's `sent`, or `meta.updated` when empty.
 */
export function buildAtomFeed(alerts: readonly CapAlert[], meta: AtomFeedMeta): string {
  const language = meta.language ?? 'zh-CN';
  let updated = meta.updated;
  let newest = Number.NEGATIVE_INFINITY;
  for (const a of alerts) {
    const t = capTimeToMs(a.sent);
    if (t !== null && t > newest) {
      newest = t;
      updated = a.sent;
    }
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<feed xmlns="${ATOM_NAMESPACE}" xml:lang="${escapeXml(language)}">`,
    `  <id>${escapeXml(meta.id)}</id>`,
    `  <title>${escapeXml(meta.title)}</title>`,
    `  <updated>${escapeXml(updated)}</updated>`,
    `  <author><name>${escapeXml(meta.authorName)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(meta.selfUrl)}"/>`,
    ...alerts.map((a) => entryOf(a, meta, language)),
    '</feed>',
    '',
  ].join('\n');
}
