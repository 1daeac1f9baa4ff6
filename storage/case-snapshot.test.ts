import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCaseDesk, intakeCase, type HotlineCase } from '../twin-model/cases/index.ts';
import { clock, deskContext, intake, shanghai, wuhanRules } from '../twin-model/cases/fixtures/case-fixtures.ts';
import {
  CASE_SNAPSHOT_VERSION,
  CaseSnapshotError,
  decodeCaseSnapshot,
  encodeCaseSnapshot,
  upgradeStoredDocument,
} from './case-snapshot.ts';

function aCase(): HotlineCase {
  const desk = createCaseDesk(wuhanRules());
  const { caseId } = intakeCase(desk, intake(), deskContext(clock(shanghai(2026, 7, 1, 10, 0))));
  return desk.cases.get(caseId)!;
}

describe('stored case snapshots', () => {
  it('round-trips a case at the current version', () => {
    const c = aCase();
    const json = encodeCaseSnapshot(c);
    expect(JSON.parse(json).v).toBe(CASE_SNAPSHOT_VERSION);
    expect(decodeCaseSnapshot(json)).toEqual(c);
  });

  it('refuses what is not a valid case, naming the case and the field', () => {
    const c = aCase();
    const broken = JSON.stringify({ v: 1, case: { ...c, status: 'lost' } });
    expect(() => decodeCaseSnapshot(broken, 'case X change 3')).toThrow(CaseSnapshotError);
    expect(() => decodeCaseSnapshot(broken, 'case X change 3')).toThrow(/case X change 3: not a valid case of version 1: status:/);
    expect(() => decodeCaseSnapshot('{"v":1', 'case X')).toThrow(/case X: not JSON/);
    expect(() => decodeCaseSnapshot(JSON.stringify(c), 'case X')).toThrow(/expected \{"v": version, "case": \{...\}\}/);
  });

  it('refuses a version newer than it knows, or not a version', () => {
    const doc = JSON.stringify({ v: 2, case: aCase() });
    expect(() => decodeCaseSnapshot(doc, 'case X')).toThrow(/version 2 was written by a newer CityTwin; this one reads versions up to 1/);
    expect(() => decodeCaseSnapshot(JSON.stringify({ v: 'one', case: {} }), 'case X')).toThrow(
      /version "one" is not a snapshot version \(a whole number from 1\)/,
    );
  });
});

describe('upgraders', () => {
  // A made-up history: version 1 kept `caller` as one string, version 2 splits it, version 3 renames `text`.
  const upgraders = {
    1: (d: unknown) => {
      const { caller, ...rest } = d as { caller: string };
      return { ...rest, caller: { name: caller, phone: null } };
    },
    2: (d: unknown) => {
      const { words, ...rest } = d as { words: string };
      return { ...rest, text: words };
    },
  };

  it('applies one step per version, in order, up to the current one', () => {
    expect(upgradeStoredDocument({ caller: '陈先生', words: '积水' }, 1, 3, upgraders, 'doc')).toEqual({
      caller: { name: '陈先生', phone: null },
      text: '积水',
    });
    expect(upgradeStoredDocument({ caller: { name: 'x' }, words: 'y' }, 2, 3, upgraders, 'doc')).toEqual({
      caller: { name: 'x' },
      text: 'y',
    });
  });

  it('validates the upgraded document with the current schema', () => {
    const schema = z.object({
      caller: z.object({ name: z.string(), phone: z.null() }),
      text: z.string(),
    }) as unknown as z.ZodType<HotlineCase>;
    const stored = JSON.stringify({ v: 1, case: { caller: '陈先生', words: '积水' } });
    expect(decodeCaseSnapshot(stored, 'doc', upgraders, 3, schema)).toEqual({ caller: { name: '陈先生', phone: null }, text: '积水' });
    expect(() => decodeCaseSnapshot(JSON.stringify({ v: 1, case: { caller: 7, words: '积水' } }), 'doc', upgraders, 3, schema)).toThrow(
      /doc: not a valid case of version 3: caller\.name/,
    );
  });

  it('names a missing step', () => {
    expect(() => upgradeStoredDocument({}, 1, 3, { 1: (d) => d }, 'doc')).toThrow(/doc: no upgrader from version 2 to 3/);
  });
});
