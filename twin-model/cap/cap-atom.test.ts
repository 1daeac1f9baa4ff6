import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { createCapDesk, publishedCapAlerts, type CapDesk } from './cap-approval.ts';
import { buildAtomFeed, type AtomFeedMeta } from './cap-atom.ts';
import { capCancel, capDraftFromIncident, capUpdate } from './cap-drafts.ts';
import { CITY, INCIDENT, MIN, ORIGINAL, run, SENDER, stamp, T0 } from './fixtures/cap-fixtures.ts';
import type { CapAlert } from './cap-types.ts';

/** Drafted by alice, approved and published by bob. */
function published(desk: CapDesk, alert: CapAlert, at: number): CapDesk {
  return run(
    desk,
    { type: 'draft', alert, actor: 'alice', at },
    { type: 'approve', identifier: alert.identifier, actor: 'bob', at },
    { type: 'publish', identifier: alert.identifier, actor: 'bob', at },
  );
}

describe('buildAtomFeed', () => {
  const META: AtomFeedMeta = {
    id: 'https://citytwin.wuhan.example/cap/feed.atom',
    title: '武汉市公共预警 & 提示',
    selfUrl: 'https://citytwin.wuhan.example/cap/feed.atom',
    alertUrl: (a: CapAlert) => `https://citytwin.wuhan.example/cap/${encodeURIComponent(a.identifier)}.xml`,
    authorName: '武汉城市运行指挥中心',
    updated: '2026-07-01T14:00:00+08:00',
  };
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => name === 'entry' || name === 'category',
  });

  it('lists the published alerts, newest first, each linking to its CAP XML', () => {
    const second = capDraftFromIncident({ ...INCIDENT, id: 'inc-000013', lng: 114.3 }, CITY, { sender: SENDER, at: T0 + 10 * MIN });
    const unapproved = capDraftFromIncident({ ...INCIDENT, id: 'inc-000014' }, CITY, { sender: SENDER, at: T0 });
    const desk = run(published(published(createCapDesk(), ORIGINAL, T0), second, T0 + 11 * MIN), {
      type: 'draft',
      alert: unapproved,
      actor: 'alice',
      at: T0,
    });
    const xml = buildAtomFeed(publishedCapAlerts(desk, T0 + 20 * MIN), META);
    expect(XMLValidator.validate(xml)).toBe(true);
    const feed = parser.parse(xml).feed;
    expect(feed.xmlns).toBe('http://www.w3.org/2005/Atom');
    expect(feed.title).toBe('武汉市公共预警 & 提示');
    expect(feed.updated).toBe('2026-07-01T14:15:00+08:00');
    expect(feed.link).toMatchObject({ rel: 'self', href: META.selfUrl });
    expect(feed.entry).toHaveLength(2);
    expect(feed.entry.map((e: { id: string }) => e.id)).toEqual([
      'https://citytwin.wuhan.example/cap/wuhan-inc-000013-20260701T061500.xml',
      'https://citytwin.wuhan.example/cap/wuhan-inc-000012-20260701T060500.xml',
    ]);
    const first = feed.entry[1];
    expect(first).toMatchObject({
      title: '江汉区道路积水预警',
      updated: '2026-07-01T14:05:00+08:00',
      published: '2026-07-01T14:05:00+08:00',
      author: { name: '武汉城市运行指挥中心' },
      link: { rel: 'alternate', type: 'application/cap+xml', href: first.id },
      summary: '14:00起，江汉区发生道路积水。',
    });
    expect(first.category).toEqual([
      { term: 'Alert', label: 'msgType' },
      { term: 'Severe', label: 'severity' },
    ]);
  });

  it('titles an entry in the feed language and marks updates and cancels', () => {
    const update = capUpdate(ORIGINAL, stamp(30));
    const cancel = capCancel(ORIGINAL, 'Water pumped away', stamp(40));
    const feed = parser.parse(buildAtomFeed([cancel, update], { ...META, language: 'en-US' })).feed;
    expect(feed['xml:lang']).toBe('en-US');
    expect(feed.entry.map((e: { title: string }) => e.title)).toEqual([
      'Cancel: Road waterlogging warning: Jianghan District',
      'Update: Road waterlogging warning: Jianghan District',
    ]);
    expect(feed.entry[0].summary).toBe('Water pumped away');
  });

  it('an empty feed is valid Atom with the time given', () => {
    const xml = buildAtomFeed([], META);
    expect(XMLValidator.validate(xml)).toBe(true);
    const feed = parser.parse(xml).feed;
    expect(feed.updated).toBe(META.updated);
    expect(feed.entry).toBeUndefined();
  });
});
