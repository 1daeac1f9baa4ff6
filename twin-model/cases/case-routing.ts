/**
 * Automatic assignment (自动派单): a routing table, as data, from a case's category and district to
 * the department that handles it. Departments are those of the city's source catalogue (each
 * source names its owning department: twin-model/city/city-sources.ts, a package's sources.csv),
 * so a routing table cannot send a case to a department the city does not know.
 *
 * The most specific rule wins: category and district, then category alone, then district alone,
 * then the table's `fallback` department. A dispatcher may override the table with a reason
 * (case-workflow.ts).
 */
import { z } from 'zod';
import { CASE_CATEGORIES, type CaseCategory } from './case-types.ts';
import { CaseRulesError, parseOrThrow } from './case-rules-error.ts';
import { quoteValue } from '../quote-value.ts';

const department = z.string().trim().min(1, 'a department of the source catalogue').max(128);

export const caseRoutingSchema = z.object({
  version: z.literal(1, 'version 1'),
  /** Assign at intake by the table (true), or leave every case to the dispatch desk (false). */
  autoAssign: z.boolean().default(true),
  /** The department of every case no rule matches. */
  fallback: department,
  rules: z
    .array(
      z
        .object({
          category: z.enum(CASE_CATEGORIES, `a case category: ${CASE_CATEGORIES.join(', ')}`).optional(),
          district: z.string().trim().min(1, 'a district id').max(64).optional(),
          department,
        })
        .refine((r) => r.category !== undefined || r.district !== undefined, { message: 'a rule names a category, a district or both' }),
    )
    .max(5000)
    .default([]),
});

export type CaseRoutingDoc = z.infer<typeof caseRoutingSchema>;

/** How a department was chosen: which kind of rule matched (or the fallback). */
export type RouteMatch = 'category_district' | 'category' | 'district' | 'fallback';

export interface CaseRoute {
  department: string;
  match: RouteMatch;
}

/** A validated routing table with its lookup. */
export interface CaseRouting {
  autoAssign: boolean;
  fallback: string;
  rules: CaseRoutingDoc['rules'];
  /** `category|district`, `category|`, `|district` → department. */
  index: ReadonlyMap<string, string>;
}

/** The departments of a source catalogue, once each, in catalogue order (the Chinese name is the department's id). */
export function catalogueDepartments(sources: ReadonlyArray<{ departmentZh: string }>): string[] {
  return [...new Set(sources.map((s) => s.departmentZh.trim()).filter((d) => d !== ''))];
}

/**
 * The departments' English names (`department_en` of sources.csv), by the Chinese name that is
 * the department's id: the first source's that gives one; a department without one is left out
 * (it is shown by its Chinese name in both languages).
 */
export function catalogueDepartmentNamesEn(sources: ReadonlyArray<{ departmentZh: string; departmentEn?: string }>): Map<string, string> {
  const names = new Map<string, string>();
  for (const s of sources) {
    const zh = s.departmentZh.trim();
    const en = s.departmentEn?.trim() ?? '';
    if (zh !== '' && en !== '' && en !== zh && !names.has(zh)) names.set(zh, en);
  }
  return names;
}

function listed(values: readonly string[]): string {
  const shown = values.slice(0, 12).map((v) => `"${v}"`);
  return values.length > 12 ? `${shown.join(', ')} … (${values.length} in all)` : shown.join(', ');
}

/**
 * Validates a routing table against the city: every department must be in the source catalogue
 * (`departments`), every district among the city's (`districts`, when given), and no two rules
 * may name the same category and district. Throws a {@link CaseRulesError} naming the rule, the
 * value and what is accepted.
 */
export function parseCaseRouting(
  doc: unknown,
  city: { departments: readonly string[]; districts?: readonly string[] },
  name = 'case routing table',
): CaseRouting {
  const table = parseOrThrow(caseRoutingSchema, doc, name);
  const departments = new Set(city.departments);
  const districts = city.districts ? new Set(city.districts) : null;
  const problems: string[] = [];
  const knownDepartment = (value: string, path: string) => {
    if (!departments.has(value))
      problems.push(
        `${path}: ${quoteValue(value)} is not a department of the source catalogue; departments are ${listed(city.departments)}`,
      );
  };
  knownDepartment(table.fallback, 'fallback');
  const index = new Map<string, string>();
  table.rules.forEach((r, i) => {
    knownDepartment(r.department, `rules.${i}.department`);
    if (districts && r.district !== undefined && !districts.has(r.district))
      problems.push(
        `rules.${i}.district: ${quoteValue(r.district)} is not a district of the city; districts are ${listed([...districts])}`,
      );
    const key = `${r.category ?? ''}|${r.district ?? ''}`;
    if (index.has(key))
      problems.push(`rules.${i}: a second rule for category ${r.category ?? '(any)'} and district ${r.district ?? '(any)'}`);
    else index.set(key, r.department);
  });
  if (problems.length > 0) throw new CaseRulesError(`${name} is not valid: ${problems.slice(0, 5).join('; ')}`);
  return { autoAssign: table.autoAssign, fallback: table.fallback, rules: table.rules, index };
}

/** The department for a case of `category` in `district` (null: in no district), and which rule chose it. */
export function routeCase(routing: CaseRouting, category: CaseCategory, district: string | null): CaseRoute {
  const d = district ?? '';
  if (district !== null) {
    const both = routing.index.get(`${category}|${d}`);
    if (both !== undefined) return { department: both, match: 'category_district' };
  }
  const byCategory = routing.index.get(`${category}|`);
  if (byCategory !== undefined) return { department: byCategory, match: 'category' };
  if (district !== null) {
    const byDistrict = routing.index.get(`|${d}`);
    if (byDistrict !== undefined) return { department: byDistrict, match: 'district' };
  }
  return { department: routing.fallback, match: 'fallback' };
}
