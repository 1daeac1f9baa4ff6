/**
 * The one error of case configuration (routing table, time limits): it names the document, the
 * field at fault, the value found and what is accepted.
 */
import type { z } from 'zod';
import { quoteValue, valueAt } from '../quote-value.ts';

export class CaseRulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaseRulesError';
  }
}

/** Every issue of a failed parse as `path: what is accepted (found <value>)`, joined by `; `. */
export function describeIssues(error: z.ZodError, doc: unknown): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.map(String).join('.') || '(document)';
      // A custom issue raised at the document level names its own value.
      const found = i.code === 'custom' ? '' : ` (found ${quoteValue(valueAt(doc, i.path))})`;
      return `${path}: ${i.message}${found}`;
    })
    .join('; ');
}

/** Parses `doc` with `schema`, or throws a {@link CaseRulesError} naming `name` and every problem. */
export function parseOrThrow<T>(schema: z.ZodType<T>, doc: unknown, name: string): T {
  const result = schema.safeParse(doc);
  if (!result.success) throw new CaseRulesError(`${name} is not valid: ${describeIssues(result.error, doc)}`);
  return result.data;
}
