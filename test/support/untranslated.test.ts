import { describe, expect, it } from 'vitest';
import { describeRawCodes, findRawCodes } from './untranslated.ts';

const vocabulary = { codes: new Set(['open', 'air_quality', 'public', '420105', 'live.read', 'recommend', 'Actual']) };
const codes = (text: string, lang: 'zh' | 'en', allowed: string[] = []) =>
  findRawCodes(text, lang, vocabulary, new Set(allowed)).map((c) => c.code);

describe('raw codes in visible text', () => {
  it('finds vocabulary terms, identifiers of code and ISO times in a zh-CN page', () => {
    expect(codes('状态 open 类型 air_quality 角色 public 区 420105 动作 recommend 权限 live.read 状态 Actual', 'zh')).toEqual([
      'open',
      'air_quality',
      'public',
      '420105',
      'recommend',
      'live.read',
      'Actual',
    ]);
    expect(codes('到场 onSceneS 时间 2026-12-04T11:35:16.123Z', 'zh')).toEqual(['2026-12-04T11:35:16.123Z', 'onSceneS']);
    expect(codes('available → dispatched unknown_thing', 'zh')).toEqual(['unknown_thing']);
  });

  it('lets ids, numbers, units, file names and allowed data through', () => {
    expect(
      codes('事件 inc-000001 传感器 WH-WL-0012 水位 34 cm PM2.5 12 µg/m³ 登记册 sensors.csv Asia/Shanghai UTC+8 admin', 'zh', ['admin']),
    ).toEqual([]);
    // A masked address: the domain after `@` is part of it, a dotted code elsewhere is not.
    expect(codes('邮箱 w***@example.cn 权限 live.read', 'zh')).toEqual(['live.read']);
  });

  it('in English, lets words be words but not joined codes, and finds Chinese outside the city’s names', () => {
    expect(codes('Status open, role public, kind air_quality, district 420105', 'en')).toEqual(['air_quality', '420105']);
    expect(codes('Jianghan 江汉区 roads 积水', 'en', ['江汉区'])).toEqual(['积水']);
  });

  it('names the page and each code once, ISO times counted', () => {
    const found = findRawCodes('open open 2026-12-04T11:35:16Z 2026-12-04T11:35:17Z', 'zh', vocabulary, new Set());
    expect(describeRawCodes('audit', found)).toEqual([
      'audit: 2 ISO time(s) such as `2026-12-04T11:35:16Z` in «open open 2026-12-04T11:35:16Z 2026-12-04T11:35:17Z»',
      'audit: `open` in «open open»',
    ]);
  });
});
