import { describe, expect, it } from 'vitest';
import { BackupError, dirArgument } from './backup.ts';

describe('dirArgument', () => {
  it('reads --to DIR and --to=DIR', () => {
    expect(dirArgument(['--to', '/var/backups/city'], '--to')).toBe('/var/backups/city');
    expect(dirArgument(['--from=/var/backups/city'], '--from')).toBe('/var/backups/city');
  });
  it.each([[[]], [['--to']], [['--to', '--from']], [['/var/backups/city']]])('refuses %o, saying what is expected', (args) => {
    expect(() => dirArgument(args, '--to')).toThrow(BackupError);
    expect(() => dirArgument(args, '--to')).toThrow(/^expected --to DIR, got /);
  });
});
