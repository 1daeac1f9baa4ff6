import { describe, expect, it } from 'vitest';
import type { DispatchLogEntry, IncidentChange } from '../../../twin-model/index.ts';
import type { IncidentView } from '../../shared/protocol.ts';
import { afterActionReport, proposedRange, reportHtml, reportMarkdown } from './after-action-report.ts';

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const MIN = 60_000;

const incident = { id: 'inc-000007', type: 'waterlogging', openedAt: T0, status: 'open' } as IncidentChange['incident'];
const change = (at: number, actor: string, what: IncidentChange['what'], detail: string, status = 'open'): IncidentChange => ({
  incidentId: 'inc-000007',
  at,
  actor,
  what,
  detail,
  incident: { ...incident, status } as IncidentChange['incident'],
});
const view = (i: IncidentChange['incident']): IncidentView =>
  ({
    id: i.id,
    type: i.type,
    status: i.status,
    severity: 3,
    confidence: 0.8,
    district: '420106',
    lng: 114.3,
    lat: 30.55,
    openedAt: i.openedAt,
    evidence: [],
    hiddenEvidence: 2,
  }) as unknown as IncidentView;

const assign: DispatchLogEntry = {
  seq: 1,
  at: T0 + 2 * MIN,
  actor: 'disp1',
  action: 'assign',
  unitId: 'pump-01',
  incidentId: 'inc-000007',
  reason: 'nearest | by boat',
  data: { from: 'available', to: 'dispatched' },
  prevHash: '',
  hash: '',
};

function report() {
  const history = [change(T0, 'twin', 'opened', 'opened'), change(T0 + MIN, 'op1', 'acknowledged', 'line one\nline two')];
  return afterActionReport({
    incidentId: 'inc-000007',
    history,
    log: [assign],
    units: [
      { id: 'pump-01', kind: 'pump_team', nameZh: '泵车1', nameEn: 'Pump 1', points: [[T0, 114.3, 30.55]], statuses: [] },
      { id: 'pump-02', kind: 'pump_team', nameZh: '泵车2', nameEn: 'Pump 2', points: [[T0, 114.31, 30.56]], statuses: [] },
    ],
    range: proposedRange(history, T0 + 20 * MIN),
    view,
    historyView: (c) => ({
      at: c.at,
      actor: c.actor,
      what: c.what,
      detail: c.detail,
      status: c.incident.status,
      severity: 3,
      confidence: 0.8,
    }),
    now: T0 + 20 * MIN,
    timeZone: 'Europe/Berlin',
  });
}

describe('the after-action report', () => {
  it('keeps the units sent to the incident and its decisions, and measures the response', () => {
    const r = report();
    expect(r.units.map((u) => u.id)).toEqual(['pump-01']);
    expect(r.decisions).toEqual([
      { at: T0 + 2 * MIN, actor: 'disp1', action: 'assign', unitId: 'pump-01', reason: 'nearest | by boat', data: assign.data },
    ]);
    expect(r.incident.id).toBe('inc-000007');
    expect(r.responseTimes?.incidentId).toBe('inc-000007');
    expect(r.range).toEqual({ from: T0 - 15 * MIN, to: T0 + 20 * MIN });
  });

  it('writes Markdown with table cells escaped, in the asked language', () => {
    const md = reportMarkdown(report(), 'en');
    expect(md).toContain('# After-action report: inc-000007');
    expect(md).toContain('| line one line two |');
    expect(md).toContain('nearest \\| by boat');
    expect(md).toContain('2 evidence items above your clearance are not listed');
    expect(reportMarkdown(report(), 'zh')).toContain('# 事后复盘报告: inc-000007');
  });

  it("writes the city's local times with their offset, and names the zone", () => {
    // T0 is 08:00 UTC on 2026-06-01: 10:00 in Berlin (summer time).
    const md = reportMarkdown(report(), 'en');
    expect(md).toContain('| Opened | 2026-06-01 10:00:00 (UTC+2) |');
    expect(md).toContain('| Time zone | Europe/Berlin |');
    expect(md).not.toContain('UTC+8');
    expect(reportHtml({ ...report(), timeZone: 'Asia/Shanghai' }, 'en', null)).toContain('2026-06-01 16:00:00 (UTC+8)');
  });

  it('writes HTML with every value escaped and a map snapshot', () => {
    const r = report();
    r.timeline[1]!.detail = '<script>alert(1)</script>';
    const html = reportHtml(r, 'en', null);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toMatch(/<svg [^>]*role="img"/);
    expect(html).toContain('<title>pump-01</title>');
  });
});
