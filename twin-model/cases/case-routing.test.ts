import { describe, expect, it } from 'vitest';
import { citySources } from '../city/city-sources.ts';
import { generateCity } from '../city/generate-city.ts';
import { CaseRulesError } from './case-rules-error.ts';
import { caseRules } from './case-rules.ts';
import { catalogueDepartments, parseCaseRouting, routeCase } from './case-routing.ts';
import { DEFAULT_CASE_ROUTING, DEFAULT_CASE_SLA, defaultCaseRouting } from './default-rules.ts';
import { CONSTRUCTION, ECOLOGY, HOTLINE, TRAFFIC_POLICE, TZ, WATER } from './fixtures/case-fixtures.ts';

const departments = catalogueDepartments(citySources());

const TABLE = {
  version: 1,
  fallback: HOTLINE,
  rules: [
    { category: 'waterlogging', department: WATER },
    { category: 'waterlogging', district: '420106', department: CONSTRUCTION },
    { district: '420111', department: ECOLOGY },
    { category: 'traffic', department: TRAFFIC_POLICE },
  ],
};

describe('routing by category and district', () => {
  const routing = parseCaseRouting(TABLE, { departments, districts: ['420103', '420106', '420111'] });

  it('prefers category and district, then category, then district, then the fallback', () => {
    expect(routeCase(routing, 'waterlogging', '420106')).toEqual({ department: CONSTRUCTION, match: 'category_district' });
    expect(routeCase(routing, 'waterlogging', '420103')).toEqual({ department: WATER, match: 'category' });
    expect(routeCase(routing, 'waterlogging', '420111')).toEqual({ department: WATER, match: 'category' });
    expect(routeCase(routing, 'noise', '420111')).toEqual({ department: ECOLOGY, match: 'district' });
    expect(routeCase(routing, 'noise', '420103')).toEqual({ department: HOTLINE, match: 'fallback' });
    expect(routeCase(routing, 'noise', null)).toEqual({ department: HOTLINE, match: 'fallback' });
  });

  it('assigns automatically unless the table says not to', () => {
    expect(routing.autoAssign).toBe(true);
    expect(parseCaseRouting({ ...TABLE, autoAssign: false }, { departments }).autoAssign).toBe(false);
  });

  it('takes its departments from the source catalogue, once each', () => {
    expect(departments).toContain(WATER);
    expect(departments).toContain(HOTLINE);
    expect(new Set(departments).size).toBe(departments.length);
  });
});

describe('routing table validation', () => {
  const parse = (doc: unknown, districts?: string[]) => () => parseCaseRouting(doc, { departments, ...(districts ? { districts } : {}) });

  it('refuses a department the catalogue does not have, quoting it and listing those it has', () => {
    expect(parse({ ...TABLE, rules: [{ category: 'noise', department: '城管局' }] })).toThrow(CaseRulesError);
    expect(parse({ ...TABLE, rules: [{ category: 'noise', department: '城管局' }] })).toThrow(
      /rules\.0\.department: "城管局" is not a department of the source catalogue; departments are "武汉市水务局"/,
    );
    expect(parse({ ...TABLE, fallback: 'nobody' })).toThrow(/fallback: "nobody" is not a department of the source catalogue/);
  });

  it('refuses a district the city does not have, a duplicate rule and a rule that names neither', () => {
    expect(parse(TABLE, ['420103'])).toThrow(/rules\.1\.district: "420106" is not a district of the city; districts are "420103"/);
    expect(parse({ ...TABLE, rules: [...TABLE.rules, { category: 'traffic', department: WATER }] })).toThrow(
      /rules\.4: a second rule for category traffic and district \(any\)/,
    );
    expect(parse({ ...TABLE, rules: [{ department: WATER }] })).toThrow(/rules\.0: a rule names a category, a district or both/);
  });

  it('refuses an unknown category and version', () => {
    expect(parse({ ...TABLE, rules: [{ category: 'flood', department: WATER }] })).toThrow(
      /rules\.0\.category: a case category: waterlogging, traffic.*\(found "flood"\)/,
    );
    expect(parse({ ...TABLE, version: 2 })).toThrow(/version: version 1 \(found 2\)/);
  });

  it('the shipped table is valid for the generated Wuhan, its districts and time zone', () => {
    const city = generateCity({ sensorCount: 50 });
    const rules = caseRules({
      timeZone: city.timezone ?? TZ,
      sources: city.sources,
      districts: city.districts.map((d) => d.code),
      routing: DEFAULT_CASE_ROUTING,
      sla: DEFAULT_CASE_SLA,
    });
    expect(rules.routing.rules).toHaveLength(DEFAULT_CASE_ROUTING.rules.length);
    expect(routeCase(rules.routing, 'sanitation', '420103')).toEqual({ department: HOTLINE, match: 'fallback' });
    // Every department Wuhan's cases go to has its English name (its sources' department_en).
    for (const d of rules.departments) expect(rules.departmentNamesEn.get(d), d).toMatch(/^Wuhan|^Changjiang|^State Grid/);
    expect(rules.departmentNamesEn.get('武汉市水务局')).toBe('Wuhan Water Authority');
  });

  it("names a department in English by its sources' department_en, none where a source gives none", () => {
    const rules = caseRules({
      timeZone: 'Europe/Vienna',
      sources: [
        { departmentZh: '水文局', departmentEn: 'Hydrographic Service' },
        { departmentZh: '水文局', departmentEn: 'Hydrographic Service' },
        { departmentZh: '市政府', departmentEn: '市政府' },
        { departmentZh: '医院' },
      ],
      routing: { version: 1, autoAssign: true, fallback: '市政府', rules: [] },
      sla: DEFAULT_CASE_SLA,
    });
    expect([...rules.departmentNamesEn]).toEqual([['水文局', 'Hydrographic Service']]);
  });

  it("starts another city's desk with every case at its hotline's department, and Wuhan's with its table", () => {
    const town = [
      { id: 'hydro', departmentZh: '水文局', eventSources: [] },
      { id: 'buergerservice', departmentZh: '市政府', eventSources: ['hotline-12345'] },
    ];
    const rules = caseRules({
      timeZone: 'Europe/Vienna',
      sources: town,
      routing: defaultCaseRouting(town, 'hotline-12345'),
      sla: DEFAULT_CASE_SLA,
    });
    expect(rules.routing.rules).toEqual([]);
    expect(routeCase(rules.routing, 'waterlogging', null)).toEqual({ department: '市政府', match: 'fallback' });
    expect(defaultCaseRouting(generateCity({ sensorCount: 50 }).sources, 'hotline-12345')).toBe(DEFAULT_CASE_ROUTING);
  });

  it('refuses a time zone that is not one and a catalogue without departments', () => {
    const input = { sources: citySources(), routing: DEFAULT_CASE_ROUTING, sla: DEFAULT_CASE_SLA };
    expect(() => caseRules({ ...input, timeZone: 'Mars/Olympus' })).toThrow(/time zone "Mars\/Olympus" is not an IANA time zone/);
    expect(() => caseRules({ ...input, timeZone: TZ, sources: [] })).toThrow(/names no department/);
    expect(() => caseRules({ ...input, timeZone: TZ, repeats: { windowDays: 0 } })).toThrow(/repeat window 0 days/);
  });

  it('quotes a time zone and a department it refuses cut at 80 characters, a line break and an override escaped', () => {
    const hostile = `ab\n\u202ecd${'x'.repeat(494)}`;
    const quoted = `"ab\\n\\u202ecd${'x'.repeat(67)}…`;
    const input = { sources: citySources(), routing: DEFAULT_CASE_ROUTING, sla: DEFAULT_CASE_SLA };
    expect(() => caseRules({ ...input, timeZone: hostile })).toThrow(`time zone ${quoted} is not an IANA time zone`);
    // A department is at most 128 characters.
    const routing = { ...DEFAULT_CASE_ROUTING, fallback: hostile.slice(0, 120) };
    expect(() => caseRules({ ...input, timeZone: TZ, routing })).toThrow(`fallback: ${quoted} is not a department of the source catalogue`);
  });
});
