/**
 * The rules a city's case desk runs under, validated once: its time zone, the departments of its
 * source catalogue, the routing table, the time limits and the repeat-detection window. Built by
 * {@link caseRules} from data (a city's own documents, or the defaults in default-rules.ts).
 */
import { parseCaseRouting, catalogueDepartmentNamesEn, catalogueDepartments, type CaseRouting } from './case-routing.ts';
import { parseCaseSlaPolicy, type CaseSlaPolicy } from './case-sla.ts';
import { CaseRulesError } from './case-rules-error.ts';
import { isIanaZone } from '../local-time.ts';
import { quoteValue } from '../quote-value.ts';

export interface RepeatRules {
  /** Earlier cases count for this many days. */
  windowDays: number;
  /** The same place: within this distance. */
  radiusM: number;
}

export const DEFAULT_REPEAT_RULES: RepeatRules = { windowDays: 30, radiusM: 100 };

export interface CaseRules {
  /** IANA time zone of the city: case numbers by local day, working hours. */
  timeZone: string;
  /** The departments of the source catalogue (the Chinese name is the id). */
  departments: readonly string[];
  /** The departments' English names (sources.csv `department_en`) by their Chinese name; those without one are absent. */
  departmentNamesEn: ReadonlyMap<string, string>;
  routing: CaseRouting;
  sla: CaseSlaPolicy;
  repeats: RepeatRules;
}

export interface CaseRulesInput {
  timeZone: string;
  sources: ReadonlyArray<{ departmentZh: string; departmentEn?: string }>;
  /** District ids of the city; when given, routing rules must name one of them. */
  districts?: readonly string[];
  routing: unknown;
  sla: unknown;
  repeats?: Partial<RepeatRules>;
}

/** Validates a city's case rules; throws a CaseRulesError that names the value at fault and what is accepted. */
export function caseRules(input: CaseRulesInput): CaseRules {
  if (!isIanaZone(input.timeZone))
    throw new CaseRulesError(`time zone ${quoteValue(input.timeZone)} is not an IANA time zone; use one such as "Asia/Shanghai" or "UTC"`);
  const departments = catalogueDepartments(input.sources);
  if (departments.length === 0) throw new CaseRulesError('the source catalogue names no department: cases cannot be assigned');
  const repeats = { ...DEFAULT_REPEAT_RULES, ...input.repeats };
  if (!Number.isInteger(repeats.windowDays) || repeats.windowDays < 1 || repeats.windowDays > 365)
    throw new CaseRulesError(`repeat window ${repeats.windowDays} days: a whole number of days from 1 to 365`);
  if (!Number.isFinite(repeats.radiusM) || repeats.radiusM <= 0 || repeats.radiusM > 5000)
    throw new CaseRulesError(`repeat radius ${repeats.radiusM} m: a distance in metres above 0, at most 5000`);
  return {
    timeZone: input.timeZone,
    departments,
    departmentNamesEn: catalogueDepartmentNamesEn(input.sources),
    routing: parseCaseRouting(input.routing, { departments, ...(input.districts ? { districts: input.districts } : {}) }),
    sla: parseCaseSlaPolicy(input.sla),
    repeats,
  };
}
