/**
 * A value someone sent, quoted back in an error message: as JSON, cut to a length, with every
 * character that could break a log line or reorder text written as an escape.
 */

/**
 * C1 controls, DEL, the Unicode line and paragraph separators and the bidirectional embeddings,
 * overrides and isolates (Unicode TR9 §2): JSON.stringify leaves them as they are (it escapes
 * only U+0000–U+001F), yet they break a log line or reorder the text around them on a screen.
 */
const UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function asText(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    // JSON.stringify gives undefined for functions and symbols, and throws on a bigint or a cycle.
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value === 'bigint' ? `${value}n` : Object.prototype.toString.call(value);
  }
}

/** The value at `path` inside `doc` (undefined where the path leaves objects). */
export function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = doc;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * `value` as JSON for an error message (`"noise"`, `[1,2]`, `NaN`; `nothing` when undefined),
 * control characters escaped, cut at `maxChars` characters with `…` after the cut. A cut never
 * splits a surrogate pair.
 */
export function quoteValue(value: unknown, maxChars = 80): string {
  if (value === undefined) return 'nothing';
  const text = escapeUnsafe(asText(value));
  if (text.length <= maxChars) return text;
  const cut = /[\ud800-\udbff]/.test(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
  return `${text.slice(0, cut)}…`;
}
