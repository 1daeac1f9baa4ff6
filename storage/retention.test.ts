import { describe, expect, it } from 'vitest';
import { UNCLASSIFIED_AS } from '../twin-model/index.ts';
import { DEFAULT_RETENTION, parseRetention, retentionDays, RETENTION_TABLES, ttlClause, UNCLASSIFIED_CLASS } from './retention.ts';

describe('parseRetention', () => {
  it('gives the documented defaults for an empty text', () => {
    expect(retentionDays(DEFAULT_RETENTION, 'readings', 'internal')).toBe(400);
    expect(retentionDays(DEFAULT_RETENTION, 'readings', 'sensitive')).toBe(180);
    expect(retentionDays(DEFAULT_RETENTION, 'readings_1m', 'public')).toBe(1825);
    expect(retentionDays(DEFAULT_RETENTION, 'dead_letters')).toBe(30);
    expect(retentionDays(DEFAULT_RETENTION, 'incident_changes')).toBeNull();
  });

  it('reads days, weeks, years and forever, and lets the most specific rule win', () => {
    const p = parseRetention(' readings=2y, dead_letters=4w ,public=forever,readings_1m.sensitive=90d,sensitive=30d');
    expect(retentionDays(p, 'readings', 'internal')).toBe(730);
    expect(retentionDays(p, 'readings', 'public')).toBeNull();
    expect(retentionDays(p, 'readings', 'sensitive')).toBe(30);
    expect(retentionDays(p, 'readings_1m', 'sensitive')).toBe(90);
    expect(retentionDays(p, 'readings_1m', 'internal')).toBe(1825);
    expect(retentionDays(p, 'dead_letters')).toBe(28);
  });

  it.each([
    ['readings=400', /"readings=400": the duration must be a whole number of days \(d\), weeks \(w\) or years/],
    ['readings=12m', /"readings=12m": the duration must be/],
    ['readings=0d', /from 1 day to 36500 days/],
    ['reading=400d', /"reading" is neither a table with a retention \(readings, .*\) nor a classification \(public, internal, sensitive\)/],
    ['readings.secret=1d', /"secret" is not a classification \(public, internal, sensitive\)/],
    [
      'dead_letters.sensitive=1d',
      /dead_letters carries no classification; classification rules apply to readings, readings_text, readings_10s, readings_60s, readings_1m/,
    ],
    ['dispatch_log=400d', /the dispatch log is kept forever: it is a hash chain verified from its first entry/],
    ['security_events=30d', /security_events must be kept at least 180 days: network logs are kept at least six months/],
    ['readings=1d,readings=2d', /"readings" is given twice/],
    ['readings', /"readings": expected key=duration/],
  ])('refuses %s with a message that quotes it', (text, message) => {
    expect(() => parseRetention(text)).toThrow(message);
  });
});

describe('ttlClause', () => {
  it('is one rule when every classification of a table is kept alike', () => {
    expect(ttlClause(parseRetention('sensitive=400d'), 'readings')).toBe('toDateTime(ts) + toIntervalDay(400)');
    expect(ttlClause(DEFAULT_RETENTION, 'dead_letters')).toBe('toDateTime(received_at) + toIntervalDay(30)');
  });

  it('is null for what is kept forever', () => {
    expect(ttlClause(DEFAULT_RETENTION, 'incident_changes')).toBeNull();
    expect(ttlClause(parseRetention('readings=forever,sensitive=forever'), 'readings')).toBeNull();
  });

  it('gives one rule per distinct retention, the unclassified rows matching whatever no other rule names', () => {
    expect(ttlClause(DEFAULT_RETENTION, 'readings')).toBe(
      "toDateTime(ts) + toIntervalDay(400) WHERE classification != 'sensitive', toDateTime(ts) + toIntervalDay(180) WHERE classification = 'sensitive'",
    );
    expect(ttlClause(parseRetention('public=10y,sensitive=30d'), 'readings_10s')).toBe(
      "toDateTime(bucket) + toIntervalDay(3650) WHERE classification = 'public', toDateTime(bucket) + toIntervalDay(400) WHERE classification NOT IN ('public', 'sensitive'), toDateTime(bucket) + toIntervalDay(30) WHERE classification = 'sensitive'",
    );
    // Public kept forever: no rule for it at all.
    expect(ttlClause(parseRetention('public=forever'), 'readings')).toBe(
      "toDateTime(ts) + toIntervalDay(400) WHERE classification NOT IN ('public', 'sensitive'), toDateTime(ts) + toIntervalDay(180) WHERE classification = 'sensitive'",
    );
  });

  it('keeps hotline cases as sensitive data: the table rule first, then the sensitive rule, one TTL for the whole table', () => {
    expect(retentionDays(DEFAULT_RETENTION, 'cases')).toBe(180);
    expect(retentionDays(parseRetention('sensitive=90d'), 'cases')).toBe(90);
    expect(retentionDays(parseRetention('sensitive=90d,cases=2y'), 'cases')).toBe(730);
    expect(ttlClause(parseRetention('sensitive=forever'), 'cases')).toBeNull();
    expect(ttlClause(DEFAULT_RETENTION, 'cases')).toBe('toDateTime(at) + toIntervalDay(180)');
    expect(() => parseRetention('cases.sensitive=30d')).toThrow(/cases carries no classification/);
  });

  it('has a rule for every table it lists, and classifies unclassified rows as the access policy does', () => {
    for (const t of RETENTION_TABLES) expect(() => ttlClause(DEFAULT_RETENTION, t.table)).not.toThrow();
    expect(UNCLASSIFIED_CLASS).toBe(UNCLASSIFIED_AS);
  });
});
