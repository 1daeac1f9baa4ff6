/**
 * rules/cases.json: the city's hotline case routing table (docs/cases.md, "Assignment"), checked
 * with the case desk's own validation against the package's departments (sources.csv) and
 * districts, so that a table the desk would refuse at start is a problem of the package.
 */
import { CaseRulesError } from '../cases/case-rules-error.ts';
import { catalogueDepartments, parseCaseRouting } from '../cases/case-routing.ts';
import type { Source } from '../city/city-types.ts';
import { CASE_ROUTING_FILE } from './package-files.ts';
import type { PackageReader } from './package-reader.ts';

/** The routing document when the file is there and valid; undefined when absent or refused (problems reported). */
export function checkCaseRouting(reader: PackageReader, sources: readonly Source[], districts: readonly string[]): unknown {
  const doc = reader.json(CASE_ROUTING_FILE);
  if (!doc) return undefined;
  try {
    parseCaseRouting(doc.doc, { departments: catalogueDepartments(sources), districts }, CASE_ROUTING_FILE);
    return doc.doc;
  } catch (err) {
    if (!(err instanceof CaseRulesError)) throw err;
    reader.problems.error('invalid_rule', CASE_ROUTING_FILE, {}, err.message);
    return undefined;
  }
}
