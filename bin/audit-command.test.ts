import { describe, expect, it } from 'vitest';
import type { AuditVerification } from '../twin-model/audit/audit-verification.ts';
import { formatVerification, runAuditCommand } from './audit-command.ts';

const base: AuditVerification = {
  ok: true,
  at: Date.UTC(2026, 11, 4),
  problems: [],
  chain: '0123456789abcdef',
  chains: [{ chain: '0123456789abcdef', checked: 12, head: { seq: 12, hash: 'a'.repeat(64) }, anchored: true }],
  dispatch: { checked: 3, head: null },
  checkpoints: { read: 2, valid: 2, last: { seq: 12, hash: 'a'.repeat(64), at: Date.UTC(2026, 11, 4, 1), dispatch: null } },
};

describe('citytwin audit', () => {
  it('prints ok with the chain, its entries and the checkpoint it is anchored at', () => {
    expect(formatVerification(base)).toBe(
      'ok: audit chain 0123456789abcdef: 12 entries, anchored at the checkpoint of entry 12 signed 2026-12-04T01:00:00.000Z (2 valid checkpoints); dispatch log: 3 entries\n',
    );
  });

  it('prints one line per problem and a closing FAILED line', () => {
    const out = formatVerification({
      ...base,
      ok: false,
      problems: [{ stream: 'security', kind: 'missing', seq: 7, detail: 'the security event "login" … was deleted' }],
    });
    expect(out.split('\n')[0]).toBe('[security] missing at 7: the security event "login" … was deleted');
    expect(out).toContain('FAILED: 1 problem(s); audit chain 0123456789abcdef');
  });

  it('refuses bad usage with exit 2, saying what is accepted', async () => {
    expect(await runAuditCommand(['verify', '--data-dir'])).toMatchObject({
      code: 2,
      out: expect.stringContaining('--data-dir needs a value'),
    });
    expect(await runAuditCommand(['verify', '--colour'])).toMatchObject({
      code: 2,
      out: expect.stringContaining('unknown argument "--colour"'),
    });
    expect(await runAuditCommand(['repair'])).toMatchObject({ code: 2, out: expect.stringContaining('unknown command "repair"') });
    expect((await runAuditCommand(['verify', '--data-dir', '/nonexistent/citytwin-data'])).out).toContain(
      'no public key at /nonexistent/citytwin-data/audit/audit-ed25519.pub.pem',
    );
  });
});
