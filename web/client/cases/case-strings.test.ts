import { describe, expect, it } from 'vitest';
import { ROUTING, SLA_CLOCK } from '../../../twin-model/cases/case-workflow.ts';
import { actorText, departmentText, setDepartmentNames, zoneText } from './case-strings.ts';

describe('who did a step of a case, in words', () => {
  it('names the product’s own actors and the hotline’s system, never by their internal names', () => {
    expect(actorText(ROUTING)).toBe('自动派单');
    expect(actorText(SLA_CLOCK)).toBe('时限监控');
    expect(actorText({ user: 'hotline-12345', role: 'hotline' })).toBe('12345 热线系统');
    expect(actorText(ROUTING, 'en')).toBe('Routing table');
    expect(actorText({ user: 'hotline-12345', role: 'hotline' }, 'en')).toBe('12345 hotline system');
  });

  it('names a person by their user name and department', () => {
    expect(actorText({ user: 'li.wei', role: 'department', department: '武汉市水务局' })).toBe('li.wei（武汉市水务局）');
    expect(actorText({ user: 'desk1', role: 'dispatcher' })).toBe('desk1');
    // English puts the department in plain brackets, not the Chinese full-width ones.
    expect(actorText({ user: 'li.wei', role: 'department', department: 'Water Authority' }, 'en')).toBe('li.wei (Water Authority)');
  });

  it('says whose clock the times are on from the city, not a city written into the page', () => {
    const city = { zh: '杭州', en: 'Hangzhou' };
    expect(zoneText(city, 'Asia/Shanghai', 'UTC+8', 'zh')).toBe('时间均为杭州时间（UTC+8）');
    expect(zoneText(city, 'Asia/Shanghai', 'UTC+8', 'en')).toBe('Times in Hangzhou time (UTC+8)');
    expect(zoneText(null, 'Europe/Berlin', 'UTC+1', 'en')).toBe("Times in this browser's zone Europe/Berlin (UTC+1)");
  });
});

describe("a department, in the page's language", () => {
  it("is its English name on English pages (the catalogue's department_en), its Chinese name (the id) on Chinese ones", () => {
    setDepartmentNames([{ department: '武汉市水务局', nameEn: 'Wuhan Water Authority' }]);
    expect(departmentText('武汉市水务局', 'en')).toBe('Wuhan Water Authority');
    expect(departmentText('武汉市水务局', 'zh')).toBe('武汉市水务局');
    expect(departmentText('医院', 'en')).toBe('医院');
    expect(actorText({ user: 'li.wei', role: 'department', department: '武汉市水务局' }, 'en')).toBe('li.wei (Wuhan Water Authority)');
    setDepartmentNames(undefined);
    expect(departmentText('武汉市水务局', 'en')).toBe('武汉市水务局');
  });
});
