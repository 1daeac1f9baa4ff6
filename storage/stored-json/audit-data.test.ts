import { describe, expect, it } from 'vitest';
import { AUDIT_DATA_VERSION, configAuditData, decodeAuditData, encodeAuditData } from './audit-data.ts';

describe('the stored form of audit data', () => {
  it('writes the current version in an envelope and reads it back as the data object', () => {
    const data = { ref: 12, refHash: 'ab'.repeat(32), unitId: 'pump-01' };
    const text = encodeAuditData(data);
    expect(JSON.parse(text)).toEqual({ v: AUDIT_DATA_VERSION, data });
    expect(decodeAuditData(text)).toEqual(data);
  });

  it('upgrades rows written before versions (the bare data object) unchanged', () => {
    expect(decodeAuditData('{"status":"acknowledged","severity":3}')).toEqual({ status: 'acknowledged', severity: 3 });
    expect(decodeAuditData('{}')).toEqual({});
  });

  it('keeps a column that is not an entry’s data as read, so the verification reports the entry', () => {
    for (const text of ['not json', '[1,2]', '"text"', 'null', '{"v":2,"data":{}}', '{"v":1,"data":[1]}'])
      expect(decodeAuditData(text), text).toEqual({ unreadable: text });
  });

  it('validates the data of a configuration entry', () => {
    expect(configAuditData.safeParse({ config: { CITYTWIN_HTTP_PORT: 8080 }, changed: {} }).success).toBe(true);
    expect(configAuditData.safeParse({ config: 'port 8080' }).success).toBe(false);
  });
});
