import { describe, expect, it } from 'vitest';
import {
  applyIncidentInput,
  createIncidentState,
  type Evidence,
  type IncidentChange,
  type IncidentContext,
} from '../../twin-model/index.ts';
import { wordChangeDetail, wordLinkReason } from './incident-wording.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const UP = { lng: 114.3, lat: 30.55 };
const alarm = (sensorId: string, dLat: number, ts: number): Evidence => ({
  id: `alarm:${sensorId}`,
  kind: 'sensor_alarm',
  sensorKind: 'water_level',
  sensorId,
  level: 'alarm',
  metric: 'water_level_cm',
  value: 32,
  ts,
  lng: UP.lng,
  lat: UP.lat + dLat,
  assetId: 'up-1',
  district: '420106',
});
const report = (id: string, dLat: number, ts: number): Evidence => ({
  id: `event:hotline:${id}`,
  kind: 'event',
  eventType: 'citizen_report',
  category: 'waterlogging',
  source: 'hotline',
  ts,
  lng: UP.lng,
  lat: UP.lat + dLat,
  district: '420106',
});

/** Latin words of four letters or more left in a text (ids and ISO times excepted). */
function englishLeft(text: string): string[] {
  return (
    text
      .replace(/\b[\w.:-]*\d[\w.:-]*\b/g, '')
      .replace(/\b(alarm|event|hotline|inc|up)[:\w.-]*/g, '')
      .match(/[A-Za-z]{4,}/g) ?? []
  );
}

/** A real history: the correlator opens an incident, links evidence, and operators act on it. */
function history(): IncidentChange[] {
  let now = T0;
  const ctx: IncidentContext = { now: () => now };
  const state = createIncidentState();
  const out: IncidentChange[] = [];
  const feed = (e: Evidence) =>
    out.push(...applyIncidentInput(state, e.kind === 'event' ? { type: 'event', evidence: e } : { type: 'alarm', evidence: e }, ctx));
  feed(alarm('wl-1', 0, now));
  now += 60_000;
  feed(report('c1', 0.0005, now));
  now += 60_000;
  feed(report('c2', 0.0008, now));
  feed(alarm('wl-2', 0.0003, now));
  const id = out[0]!.incidentId;
  const act = (command: Parameters<typeof applyIncidentInput>[1] & { type: 'operator' }) =>
    out.push(...applyIncidentInput(state, command, ctx));
  act({ type: 'operator', incidentId: id, actor: 'zhang', command: { action: 'acknowledge' } });
  act({ type: 'operator', incidentId: id, actor: 'zhang', command: { action: 'set_severity', severity: 4 }, reason: '积水过膝' });
  const inc = state.incidents.get(id)!;
  act({ type: 'operator', incidentId: id, actor: 'li', command: { action: 'split', evidenceIds: [inc.evidence.at(-1)!.id] } });
  now += 1000;
  out.push(...applyIncidentInput(state, { type: 'alarm_cleared', sensorId: 'wl-1', ts: now }, ctx));
  act({ type: 'operator', incidentId: id, actor: 'li', command: { action: 'false_alarm' }, reason: 'test drill' });
  act({ type: 'operator', incidentId: id, actor: 'li', command: { action: 'reopen' } });
  act({ type: 'operator', incidentId: id, actor: 'li', command: { action: 'resolve' } });
  act({ type: 'operator', incidentId: id, actor: 'li', command: { action: 'close' } });
  return out;
}

describe('incident explanations in the reader’s language', () => {
  const changes = history();
  const signalZh = (id: string) => ({ hotline: '市民热线', water_level: '水位' })[id] ?? id;

  it('covers the kinds of change a history holds', () => {
    const kinds = new Set(changes.map((c) => c.what));
    for (const w of [
      'opened',
      'evidence_linked',
      'acknowledged',
      'severity_set',
      'split_off',
      'split_from',
      'evidence_inactive',
      'false_alarm',
      'reopened',
      'resolved',
      'closed',
    ])
      expect(kinds).toContain(w);
  });

  it('words every detail the correlator and the operators write in Chinese', () => {
    for (const c of changes) {
      const zh = wordChangeDetail(c.what, c.detail, 'zh', { signal: signalZh });
      // The operator's own reason is shown as typed.
      expect(englishLeft(zh.replace(/（原因：.*）$/, '')), `${c.what}: "${c.detail}" → "${zh}"`).toEqual([]);
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('words every evidence reason in Chinese, and in English as recorded', () => {
    const evidence = changes.flatMap((c) => c.incident.evidence);
    expect(new Set(evidence.map((e) => e.why.code))).toEqual(new Set(['anchor', 'near', 'same_asset', 'split_from']));
    for (const e of evidence) {
      const zh = wordLinkReason(e.why, 'zh');
      expect(englishLeft(zh), `${JSON.stringify(e.why)} → "${zh}"`).toEqual([]);
    }
    expect(wordLinkReason({ code: 'near', params: { distanceM: 120, limitM: 600, minutes: 2 } }, 'zh')).toBe(
      '相距 120 米（上限 600 米），相隔 2 分钟',
    );
    expect(wordLinkReason({ code: 'near', params: { distanceM: 120, limitM: 600, minutes: 2 } }, 'en')).toBe(
      '120 m away (limit 600 m), 2 min apart',
    );
    expect(wordLinkReason({ code: 'same_district', params: { district: '420106', minutes: 3 } }, 'zh', { district: () => '武昌区' })).toBe(
      '同一区 武昌区，相隔 3 分钟',
    );
  });

  it('keeps the English record and the operator’s reason in either language', () => {
    for (const c of changes) expect(wordChangeDetail(c.what, c.detail, 'en')).toBe(c.detail);
    const severity = changes.find((c) => c.what === 'severity_set')!;
    expect(wordChangeDetail(severity.what, severity.detail, 'zh')).toBe('等级设为 4（原因：积水过膝）');
    const falseAlarm = changes.find((c) => c.what === 'false_alarm')!;
    expect(wordChangeDetail(falseAlarm.what, falseAlarm.detail, 'zh')).toBe('已标记为误报（原因：test drill）');
  });

  it('words the twin reopening an incident for late evidence', () => {
    const detail = 'reopened: alarm:sh-2 arrived after the resolution, dated 10 min before it';
    expect(wordChangeDetail('reopened', detail, 'en')).toBe(detail);
    expect(wordChangeDetail('reopened', detail, 'zh')).toBe('已重新打开：alarm:sh-2 在解决后才送达，其时间早于解决 10 分钟');
  });

  it('words late evidence linked to a resolved incident without reopening it', () => {
    const detail =
      'event:manual:m1 (manual): same asset hall-1, 0 min apart; arrived after the resolution, dated 10 min before it, its quiet time over: not reopened';
    expect(wordChangeDetail('evidence_linked', detail, 'en')).toBe(detail);
    expect(wordChangeDetail('evidence_linked', detail, 'zh', { signal: () => '人工上报' })).toBe(
      'event:manual:m1（人工上报）：同一设施 hall-1，相隔 0 分钟；在解决后才送达，其时间早于解决 10 分钟，静默时间已过，未重新打开',
    );
  });

  it('shows a text it does not know as stored', () => {
    expect(wordChangeDetail('updated', 'a newer server wrote this', 'zh')).toBe('a newer server wrote this');
    expect(wordLinkReason({ code: 'text', params: { text: 'something new' } }, 'zh')).toBe('something new');
    // A code of a newer version: the code, not a crash.
    expect(wordLinkReason({ code: 'later_code', params: {} } as never, 'zh')).toBe('later_code');
  });
});
