import { describe, expect, it } from 'vitest';
import { auditActionLabel, auditProblemLabel, auditStreamLabel } from './audit-labels.ts';

describe('audit viewer labels', () => {
  it('words actions of each stream in both languages', () => {
    expect(auditActionLabel('security', 'login_failed', 'zh')).toBe('登录失败');
    expect(auditActionLabel('security', 'login_failed', 'en')).toBe('Failed sign-in');
    expect(auditActionLabel('dispatch', 'override', 'en')).toBe('Override');
    expect(auditActionLabel('export', 'csv', 'zh')).toBe('导出 CSV');
    expect(auditActionLabel('config', 'vocabulary_kind_declared', 'en')).toBe('Sensor kind declared');
    expect(auditActionLabel('config', 'vocabulary_kind_declared', 'zh')).toBe('声明传感器类型');
  });
  it('words incident actions as the incident history does', () => {
    expect(auditActionLabel('incident', 'acknowledged', 'en')).not.toBe('acknowledged');
  });
  it('shows a code it does not know as it is', () => {
    expect(auditActionLabel('security', 'new_kind_of_event', 'zh')).toBe('new_kind_of_event');
    expect(auditStreamLabel('telemetry', 'en')).toBe('telemetry');
  });
  it('words a problem by where it was found and what it is', () => {
    expect(auditProblemLabel('incident', 'altered', 'zh')).toBe('事件历史 · 被改写');
    expect(auditProblemLabel('dispatch', 'missing', 'en')).toBe('Dispatch log · deleted');
  });
});
