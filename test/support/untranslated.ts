/**
 * Finds raw vocabulary codes in a page's visible text (test/untranslated-walk.browser.ts): the
 * words the server speaks in (incident types, statuses, kinds, metrics, roles, permissions,
 * district codes, audit actions, CAP fields …) must reach people worded, in the page's language.
 *
 * A Latin "token" is a run of letters, digits and `_ . : / @ + -`. It is a raw code when it
 *  - is a term of the vocabulary (case-sensitive; in English pages only terms that are not plain
 *    words: with `_` or `.` inside, camelCase, or digits such as district codes),
 *  - looks like an identifier of code (snake_case, camelCase, a dotted permission id),
 *  - or is an ISO time with `T` (`2026-12-04T11:35:16Z`).
 * Ids people need (incident, sensor, unit, case ids, user names) are passed as `allowed` and
 * skipped, as is any token with `-`, `/`, `@` or `:` inside that is not an ISO time (ids, URLs,
 * zones such as Asia/Shanghai, addresses), and the domain right after an `@` (a masked address
 * such as `w***@example.cn`).
 * English pages also fail on Chinese characters, except in the city's own names (`allowed`).
 */

export interface Vocabulary {
  /** Every code the server knows (kinds, metrics, statuses, roles, permission ids, actions …). */
  codes: ReadonlySet<string>;
}

export interface RawCode {
  code: string;
  /** Up to 40 characters either side, to find it on the page. */
  context: string;
}

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g;
const TOKEN = /[A-Za-z0-9_][A-Za-z0-9_.:/@+-]*/g;
const SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;
const CAMEL = /^[a-z]+[A-Z][A-Za-z0-9]*$/;
const DOTTED = /^[a-z]+(?:\.[a-z_]+)+$/;
/** File names (sensors.csv, vocabulary.json) are what people pick and type: not codes. */
const FILE_NAME = /\.(?:csv|json|geojson|xml|html|md|pmtiles|parquet|txt|zip|pbf)$/;
const HAN = /[\u3400-\u9fff]+/g;

function contextOf(text: string, index: number, length: number): string {
  return text
    .slice(Math.max(0, index - 40), index + length + 40)
    .replace(/\s+/g, ' ')
    .trim();
}

function isRawToken(token: string, vocabulary: Vocabulary, english: boolean): boolean {
  if (FILE_NAME.test(token)) return false;
  if (SNAKE.test(token) || CAMEL.test(token) || DOTTED.test(token)) return true;
  if (!vocabulary.codes.has(token)) return false;
  // An English page says "open", "available", "public" as words; codes with digits or joins stay codes.
  return !english || /[\d_.]/.test(token);
}

/**
 * The raw codes in `text` (a page's visible text in `lang`); `allowed` lists data people need
 * as they are (ids, user names, the city's place names).
 */
export function findRawCodes(text: string, lang: 'zh' | 'en', vocabulary: Vocabulary, allowed: ReadonlySet<string>): RawCode[] {
  const found: RawCode[] = [];
  for (const m of text.matchAll(ISO_TIME)) found.push({ code: m[0], context: contextOf(text, m.index, m[0].length) });
  const rest = text.replace(ISO_TIME, ' ');
  for (const m of rest.matchAll(TOKEN)) {
    const token = m[0].replace(/[.:+/@-]+$/, '');
    if (!token || allowed.has(token) || /[-/@:]/.test(token) || rest[m.index - 1] === '@') continue;
    if (isRawToken(token, vocabulary, lang === 'en')) found.push({ code: token, context: contextOf(rest, m.index, m[0].length) });
  }
  if (lang === 'en') {
    for (const m of rest.matchAll(HAN)) {
      if ([...allowed].some((name) => name.includes(m[0]))) continue;
      found.push({ code: m[0], context: contextOf(rest, m.index, m[0].length) });
    }
  }
  return found;
}

/** "page: `code` in «context»" lines, one per distinct code (ISO times count as one, with how many). */
export function describeRawCodes(page: string, codes: readonly RawCode[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const isoTimes = codes.filter((c) => /^\d{4}-/.test(c.code)).length;
  for (const c of codes) {
    const key = /^\d{4}-/.test(c.code) ? 'ISO time' : c.code;
    if (seen.has(key)) continue;
    seen.add(key);
    if (key === 'ISO time') {
      out.push(`${page}: ${isoTimes} ISO time(s) such as \`${c.code}\` in «${c.context}»`);
      continue;
    }
    out.push(`${page}: \`${c.code}\` in «${c.context}»`);
  }
  return out;
}
