import { describe, expect, it } from 'vitest';
import type { CapRecordView } from '../../shared/cap-protocol.ts';
import { capFormChanges, capFormFromRecord, isCapAuthor } from './cap-form.ts';

const record: CapRecordView = {
  identifier: 'citytwin-1',
  state: 'draft',
  msgType: 'Alert',
  status: 'Actual',
  sent: '2026-07-01T14:05:00+08:00',
  incidentId: 'inc-000001',
  draftedBy: 'op-zhang',
  draftedAt: 0,
  authors: ['op-zhang', 'op-wu'],
  approvedBy: null,
  approvedAt: null,
  rejectedBy: null,
  rejectedAt: null,
  rejectReason: null,
  publishedBy: null,
  publishedAt: null,
  supersededBy: null,
  references: [],
  texts: [
    { language: 'zh-CN', event: '道路积水', headline: '道路积水预警', description: null, instruction: '请绕行' },
    { language: 'en-US', event: 'Waterlogging', headline: 'Waterlogging warning', description: null, instruction: 'Avoid the area' },
  ],
  severity: 'Moderate',
  urgency: 'Expected',
  certainty: 'Likely',
  expires: null,
  areaDesc: '江岸区',
  note: null,
  xml: '',
};

describe('the warning form', () => {
  it('starts from the record, in both languages', () => {
    expect(capFormFromRecord(record)).toEqual({
      severity: 'Moderate',
      urgency: 'Expected',
      certainty: 'Likely',
      expiresInH: '',
      headline: { zh: '道路积水预警', en: 'Waterlogging warning' },
      instruction: { zh: '请绕行', en: 'Avoid the area' },
    });
  });

  it('sends only what changed, texts trimmed, an emptied text left as it was', () => {
    const v = capFormFromRecord(record);
    expect(capFormChanges(record, v)).toEqual({ ok: true, changes: {} });
    v.severity = 'Severe';
    v.headline.en = '  Severe waterlogging  ';
    v.instruction.zh = '';
    v.expiresInH = '6';
    expect(capFormChanges(record, v)).toEqual({
      ok: true,
      changes: { severity: 'Severe', expiresInH: 6, headline: { en: 'Severe waterlogging' } },
    });
  });

  it('refuses a validity outside 0.25-168 hours with the value as typed', () => {
    for (const bad of ['0.1', '200', 'six']) {
      expect(capFormChanges(record, { ...capFormFromRecord(record), expiresInH: bad })).toEqual({
        ok: false,
        field: 'expiresInH',
        value: bad,
      });
    }
  });

  it('knows the authors, who may not approve', () => {
    expect(isCapAuthor(record, 'op-zhang')).toBe(true);
    expect(isCapAuthor(record, 'op-wu')).toBe(true);
    expect(isCapAuthor(record, 'lead-zhao')).toBe(false);
  });
});
