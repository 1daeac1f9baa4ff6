/**
 * The case rules shipped for the generated Wuhan (documents in the format a city brings its own
 * in; docs/cases.md). The departments are those of its source catalogue
 * (twin-model/city/city-sources.ts). The time limits are the project's defaults, not any city's
 * regulation: a city replaces them with its own, and adds its public holidays and make-up working
 * days for the year (the State Council's notice on public holidays) to the calendar.
 */

/** Routing of the generated Wuhan: by category; what no department of the catalogue takes stays with the hotline. */
export const DEFAULT_CASE_ROUTING = {
  version: 1,
  autoAssign: true,
  fallback: '武汉市12345市民服务热线',
  rules: [
    { category: 'waterlogging', department: '武汉市水务局' },
    { category: 'water_supply', department: '武汉市水务局' },
    { category: 'traffic', department: '武汉市公安局交通管理局' },
    { category: 'fire', department: '武汉市消防救援支队' },
    { category: 'power', department: '国网武汉供电公司' },
    { category: 'crowd', department: '武汉市公安局' },
    { category: 'noise', department: '武汉市生态环境局' },
    { category: 'pollution', department: '武汉市生态环境局' },
    { category: 'road_damage', department: '武汉市城乡建设局' },
    { category: 'streetlight', department: '武汉市城乡建设局' },
    { category: 'gas', department: '武汉市燃气集团' },
    { category: 'public_transport', department: '武汉市交通运输局' },
  ],
} as const;

/** Monday–Friday, 08:30–12:00 and 13:30–17:30 (7.5 working hours a day). */
export const DEFAULT_WORKING_CALENDAR = {
  workingDays: [1, 2, 3, 4, 5],
  hours: [
    { from: '08:30', to: '12:00' },
    { from: '13:30', to: '17:30' },
  ],
  holidays: [] as string[],
  workdays: [] as string[],
};

/**
 * Time limits: what endangers people or property runs on calendar time (accept within 30 minutes,
 * fire within 15; reply within 4 hours, power within 8); ordinary complaints on working time
 * (accept within 2 working hours, reply within 5 working days = 37.5 working hours; water supply
 * within 2 working days).
 */
export const DEFAULT_CASE_SLA = {
  version: 1,
  calendar: DEFAULT_WORKING_CALENDAR,
  default: { time: 'working', acceptH: 2, replyH: 37.5 },
  categories: {
    fire: { time: 'calendar', acceptH: 0.25, replyH: 4 },
    gas: { time: 'calendar', acceptH: 0.5, replyH: 4 },
    waterlogging: { time: 'calendar', acceptH: 0.5, replyH: 4 },
    traffic: { time: 'calendar', acceptH: 0.5, replyH: 4 },
    crowd: { time: 'calendar', acceptH: 0.5, replyH: 4 },
    power: { time: 'calendar', acceptH: 0.5, replyH: 8 },
    water_supply: { time: 'working', acceptH: 2, replyH: 15 },
  },
} as const;

/** A source of a city's catalogue as the case routing needs it. */
interface RoutingSource {
  id: string;
  departmentZh: string;
  eventSources?: readonly string[];
}

/**
 * The routing table a city's desk starts with when it brings none of its own: the table above
 * where the city's source catalogue has its departments (the generated Wuhan); otherwise every
 * case goes to the department of the hotline's own source (the source whose event-source names
 * include `hotlineSource`, else the catalogue's first department), for a dispatcher to reassign.
 */
export function defaultCaseRouting(sources: readonly RoutingSource[], hotlineSource: string): object {
  const departments = new Set(sources.map((s) => s.departmentZh.trim()));
  const fits = departments.has(DEFAULT_CASE_ROUTING.fallback) && DEFAULT_CASE_ROUTING.rules.every((r) => departments.has(r.department));
  if (fits) return DEFAULT_CASE_ROUTING;
  const hotline = sources.find((s) => s.id === hotlineSource || s.eventSources?.includes(hotlineSource)) ?? sources[0];
  return { version: 1, autoAssign: true, fallback: hotline?.departmentZh.trim() ?? '', rules: [] };
}

/** The routing table of a city: its package's `rules/cases.json` when it brings one, else {@link defaultCaseRouting}. */
export function caseRoutingOf(city: { sources: readonly RoutingSource[]; rules?: { cases?: unknown } }, hotlineSource: string): unknown {
  return city.rules?.cases ?? defaultCaseRouting(city.sources, hotlineSource);
}
