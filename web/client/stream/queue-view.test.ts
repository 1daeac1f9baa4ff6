import { describe, expect, it } from 'vitest';
import type { IncidentView } from '../../shared/protocol.ts';
import {
  ARRIVED_GROUP,
  arrange,
  DEFAULT_FILTER,
  filterIncidents,
  holdArrangement,
  holdDiffers,
  holdOf,
  isFiltered,
  NO_DISTRICT,
  parseQueuePrefs,
  serializeQueuePrefs,
} from './queue-view.ts';

const H = 3600_000;
const inc = (id: string, severity: number, district: string | null, status: IncidentView['status'] = 'open', openedAt = 0): IncidentView =>
  ({ id, type: 'waterlogging', status, severity, district, openedAt, evidence: [], hiddenEvidence: 0 }) as unknown as IncidentView;
const ids = (groups: ReturnType<typeof arrange>) => groups.map((g) => `${g.key}:${g.items.map((i) => i.id).join(',')}`);

describe('the queue filter', () => {
  const now = 100 * H;
  const list = [
    inc('a', 5, '420102', 'open', now - 30 * 60_000),
    inc('b', 4, '420106', 'acknowledged', now - 3 * H),
    inc('c', 3, '420102', 'open', now - 12 * H),
    inc('d', 2, null, 'open', now - 30 * H),
  ];

  it('lets everything through by default', () => {
    expect(filterIncidents(list, DEFAULT_FILTER, now).map((i) => i.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(isFiltered(DEFAULT_FILTER)).toBe(false);
  });

  it('keeps incidents opened within the time range', () => {
    const since = (sinceH: 1 | 6 | 24) => filterIncidents(list, { ...DEFAULT_FILTER, sinceH }, now).map((i) => i.id);
    expect(since(1)).toEqual(['a']);
    expect(since(6)).toEqual(['a', 'b']);
    expect(since(24)).toEqual(['a', 'b', 'c']);
  });

  it('filters by district, lowest severity and status together', () => {
    const f = { ...DEFAULT_FILTER, district: '420102', minSeverity: 4 };
    expect(filterIncidents(list, f, now).map((i) => i.id)).toEqual(['a']);
    expect(filterIncidents(list, { ...DEFAULT_FILTER, status: 'acknowledged' }, now).map((i) => i.id)).toEqual(['b']);
    expect(isFiltered(f)).toBe(true);
  });
});

describe('grouping', () => {
  const list = [inc('a', 5, '420106'), inc('b', 4, '420102', 'acknowledged'), inc('c', 4, '420106'), inc('d', 2, null)];

  it('groups by district in the order of each group’s first row, keeping the queue order inside', () => {
    expect(ids(arrange(list, 'district'))).toEqual(['420106:a,c', '420102:b', `${NO_DISTRICT}:d`]);
  });

  it('groups by severity from 5 down and by status open first', () => {
    expect(ids(arrange(list, 'severity'))).toEqual(['5:a', '4:b,c', '2:d']);
    expect(ids(arrange(list, 'status'))).toEqual(['open:a,c,d', 'acknowledged:b']);
    expect(ids(arrange(list, 'none'))).toEqual([':a,b,c,d']);
  });
});

describe('the order held under the pointer', () => {
  it('keeps every row where it was: a raised severity does not move it, arrivals go last, departures leave', () => {
    const before = arrange([inc('a', 5, 'x'), inc('b', 4, 'x'), inc('c', 3, 'x')], 'none');
    const held = holdOf(before)!;
    // c rose to 5 (it would jump to the top), b closed, e arrived.
    const now = arrange([inc('c', 5, 'x'), inc('e', 5, 'x'), inc('a', 5, 'x')], 'none');
    const shown = holdArrangement(now, held);
    expect(ids(shown)).toEqual([':a,c', `${ARRIVED_GROUP}:e`]);
    // The rows carry the current data.
    expect(shown[0]!.items[1]!.severity).toBe(5);
    expect(holdDiffers(now, shown)).toBe(true);
    expect(holdDiffers(before, holdArrangement(before, held))).toBe(false);
  });

  it('keeps rows in their held group when grouped', () => {
    const held = holdOf(arrange([inc('a', 5, 'x'), inc('b', 3, 'x')], 'severity'))!;
    const now = arrange([inc('a', 5, 'x'), inc('b', 5, 'x')], 'severity');
    expect(ids(holdArrangement(now, held))).toEqual(['5:a', '3:b']);
  });

  it('holds nothing over an empty list (later incidents are sorted, not all sent to the arrivals)', () => {
    expect(holdOf(arrange([], 'none'))).toBeNull();
    expect(holdOf(arrange([], 'district'))).toBeNull();
  });
});

describe('stored preferences', () => {
  it('round-trip, and fall back to the defaults on anything else', () => {
    const f = { sinceH: 6 as const, district: '420102', minSeverity: 3, status: 'open' as const, groupBy: 'district' as const };
    expect(parseQueuePrefs(serializeQueuePrefs(f))).toEqual(f);
    expect(parseQueuePrefs(null)).toEqual(DEFAULT_FILTER);
    expect(parseQueuePrefs('{not json')).toEqual(DEFAULT_FILTER);
    expect(parseQueuePrefs(JSON.stringify({ ...f, v: 99 }))).toEqual(DEFAULT_FILTER);
    expect(parseQueuePrefs(JSON.stringify({ v: 1, sinceH: 5, minSeverity: 9, status: 'x', groupBy: 'y' }))).toEqual(DEFAULT_FILTER);
  });
});
