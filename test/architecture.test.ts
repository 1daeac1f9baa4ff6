/**
 * The layering the project keeps, checked on the source tree itself (docs/architecture.md,
 * "Design rules"): the storage layer owns the ClickHouse client and every query; it imports only
 * the domain; the domain imports nothing of the processes; no source file grows past 600 lines;
 * no function of the wiring (bin/, ingest/, web/server/) or of the pages (web/client/) spans over 80 lines.
 * Each check fails naming every offender, with the line where it is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'data', 'test-results', '.git', '.bench']);
const MAX_LINES = 600;

/** Files allowed past {@link MAX_LINES}, each with the reason. */
const LONG_FILE_REASONS: Readonly<Record<string, string>> = {
  'web/client/i18n/strings.ts': 'the message table: one entry per user-visible string in zh-CN and English',
};

/** The packages that are the ClickHouse client (the embedded engine's included). */
const CLIENT_PACKAGES = [/^@clickhouse\/client(\/|$)/, /^chdb(\/|$)/];

/**
 * SQL statements as query text. Upper case only: keywords in SQL the project writes are upper
 * case, while the same words in prose are not (comments are not scanned at all).
 */
const SQL_PATTERNS = [
  /\bSELECT\b[\s\S]*\bFROM\b/,
  /\bINSERT\s+INTO\b/,
  /\bALTER\s+TABLE\b/,
  /\bCREATE\s+(TABLE|MATERIALIZED\s+VIEW|VIEW|DATABASE|DICTIONARY)\b/,
  /\bDROP\s+(TABLE|VIEW|DATABASE)\b/,
  /\bTRUNCATE\s+TABLE\b/,
  /\bOPTIMIZE\s+TABLE\b/,
];

interface SourceFile {
  /** Path from the repository root, with `/`. */
  path: string;
  text: string;
  ast: ts.SourceFile;
}

interface Import {
  specifier: string;
  /** The imported file's path from the root (relative specifiers), else null (a package). */
  target: string | null;
  line: number;
}

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name), out);
    } else if (/\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

const toPosix = (path: string) => path.split(sep).join('/');

function loadSources(): SourceFile[] {
  return walk(ROOT, []).map((abs) => {
    const text = readFileSync(abs, 'utf8');
    return { path: toPosix(relative(ROOT, abs)), text, ast: ts.createSourceFile(abs, text, ts.ScriptTarget.Latest, true) };
  });
}

const lineOf = (file: SourceFile, node: ts.Node) => file.ast.getLineAndCharacterOfPosition(node.getStart(file.ast)).line + 1;

/** Static imports and re-exports, dynamic `import()` and `vi.mock`-style module strings excluded. */
function importsOf(file: SourceFile): Import[] {
  const found: Import[] = [];
  const add = (literal: ts.Expression | undefined) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const specifier = literal.text;
    const target = specifier.startsWith('.') ? toPosix(relative(ROOT, resolve(ROOT, dirname(file.path), specifier))) : null;
    found.push({ specifier, target, line: lineOf(file, literal) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal as ts.Expression);
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return found;
}

/** The text of every string and template literal, with its line (template parts joined by `?`). */
function stringsOf(file: SourceFile): Array<{ text: string; line: number }> {
  const found: Array<{ text: string; line: number }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      found.push({ text: node.text, line: lineOf(file, node) });
    } else if (ts.isTemplateExpression(node)) {
      found.push({ text: [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('?'), line: lineOf(file, node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return found;
}

/** The longest a function in the wiring (bin/, ingest/, web/server/) or the pages (web/client/) may span, in lines. */
const MAX_FUNCTION_LINES = 80;

/** Functions in the wiring or the pages allowed past {@link MAX_FUNCTION_LINES}, keyed `path#name`, each with the reason. */
const LONG_FUNCTION_REASONS: Readonly<Record<string, string>> = {};

interface FunctionSpan {
  name: string;
  line: number;
  lines: number;
}

/** The name a function-like node goes by: its own, its variable's, its property's, or `<anonymous>`. */
function functionName(node: ts.FunctionLikeDeclaration): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name) || ts.isPrivateIdentifier(node.name))) {
    return node.name.text;
  }
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && (ts.isIdentifier(parent.name) || ts.isStringLiteral(parent.name))) return parent.name.text;
  if (ts.isPropertyDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isCallExpression(parent)) {
    const callee = parent.expression;
    const called = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : 'call';
    return `<${called} callback>`;
  }
  return '<anonymous>';
}

/** Every function-like node (declaration, method, accessor, arrow, expression, constructor) with its span. */
function functionsOf(file: SourceFile): FunctionSpan[] {
  const found: FunctionSpan[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isFunctionDeclaration(node) ||
        ts.isMethodDeclaration(node) ||
        ts.isArrowFunction(node) ||
        ts.isFunctionExpression(node) ||
        ts.isConstructorDeclaration(node) ||
        ts.isGetAccessorDeclaration(node) ||
        ts.isSetAccessorDeclaration(node)) &&
      node.body
    ) {
      const start = lineOf(file, node);
      const end = file.ast.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      found.push({ name: functionName(node), line: start, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return found;
}

const topFolder = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '');
const isTest = (path: string) => path.startsWith('test/') || /\.(test|itest|browser)\.ts$/.test(path);

function report(offenders: string[], rule: string): void {
  expect(offenders, `${rule}:\n  ${offenders.join('\n  ')}`).toEqual([]);
}

describe('the architecture of the source tree', () => {
  const sources = loadSources();

  it('walks the whole tree', () => {
    // A walk that found next to nothing would pass every rule below.
    for (const folder of ['bin', 'ingest', 'storage', 'twin-model', 'web', 'simulations', 'test']) {
      expect(sources.filter((f) => topFolder(f.path) === folder).length, folder).toBeGreaterThan(5);
    }
    expect(sources.some((f) => f.path.includes('node_modules/'))).toBe(false);
    // The detectors see what they look for where it is allowed.
    const client = sources.find((f) => f.path === 'storage/clickhouse-client.ts')!;
    expect(importsOf(client).some((i) => CLIENT_PACKAGES.some((p) => p.test(i.specifier)))).toBe(true);
    const migrations = sources.find((f) => f.path === 'storage/migrations.ts')!;
    expect(stringsOf(migrations).filter((s) => SQL_PATTERNS.some((p) => p.test(s.text))).length).toBeGreaterThan(10);
  });

  it('names the ClickHouse client only in storage/', () => {
    const offenders = sources.flatMap((f) =>
      topFolder(f.path) === 'storage'
        ? []
        : importsOf(f)
            .filter((i) => CLIENT_PACKAGES.some((p) => p.test(i.specifier)))
            .map((i) => `${f.path}:${i.line} imports ${i.specifier} (use StorageClient and the stores of storage/index.ts)`),
    );
    report(offenders, 'the ClickHouse client outside storage/');
  });

  it('keeps SQL text in storage/ (tests aside)', () => {
    const offenders = sources.flatMap((f) =>
      topFolder(f.path) === 'storage' || isTest(f.path)
        ? []
        : stringsOf(f)
            .filter((s) => SQL_PATTERNS.some((p) => p.test(s.text)))
            .map((s) => `${f.path}:${s.line} "${s.text.replace(/\s+/g, ' ').slice(0, 60)}"`),
    );
    report(offenders, 'SQL text outside storage/ (move the query into a store)');
  });

  it('lets storage/ import only the domain', () => {
    const offenders = sources.flatMap((f) =>
      topFolder(f.path) !== 'storage' || isTest(f.path)
        ? []
        : importsOf(f)
            .filter((i) => i.target !== null && !['storage', 'twin-model'].includes(topFolder(i.target)))
            .map((i) => `${f.path}:${i.line} imports ${i.specifier}`),
    );
    report(offenders, 'storage/ importing something other than twin-model/');
  });

  it('keeps the domain free of the processes', () => {
    const forbidden = ['ingest', 'web', 'storage', 'bin', 'simulations'];
    const offenders = sources.flatMap((f) =>
      topFolder(f.path) !== 'twin-model'
        ? []
        : importsOf(f)
            .filter((i) => i.target !== null && forbidden.includes(topFolder(i.target)))
            .map((i) => `${f.path}:${i.line} imports ${i.specifier}`),
    );
    report(offenders, `twin-model/ importing ${forbidden.join('/, ')}/`);
  });

  it('keeps the console (web/client/) out of the server and the processes', () => {
    // Words both ends show live in web/shared/ (report-words.ts); the server never loads the console's code.
    const server = (path: string) =>
      ['bin', 'ingest', 'storage'].includes(topFolder(path)) || path.startsWith('web/server/') || path.startsWith('web/shared/');
    const offenders = sources.flatMap((f) =>
      !server(f.path) || isTest(f.path)
        ? []
        : importsOf(f)
            .filter((i) => i.target?.startsWith('web/client/') === true)
            .map((i) => `${f.path}:${i.line} imports ${i.specifier}`),
    );
    report(offenders, 'the server or a process importing web/client/ (move what both need to web/shared/)');
  });

  it(`has no source file over ${MAX_LINES} lines`, () => {
    const offenders = sources
      .map((f) => ({ path: f.path, lines: f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0) }))
      .filter((f) => f.lines > MAX_LINES && !(f.path in LONG_FILE_REASONS))
      .map((f) => `${f.path}: ${f.lines} lines`);
    report(offenders, `source files over ${MAX_LINES} lines (split them by concern)`);
    // An allowance for a file that is gone or has shrunk is stale.
    for (const path of Object.keys(LONG_FILE_REASONS)) {
      const file = sources.find((f) => f.path === path);
      expect(file && file.text.split('\n').length > MAX_LINES, `${path} is listed as long but is not`).toBe(true);
    }
  });

  it(`keeps the functions of the wiring and the pages within ${MAX_FUNCTION_LINES} lines`, () => {
    const wiring = sources.filter(
      (f) =>
        (['bin', 'ingest'].includes(topFolder(f.path)) || f.path.startsWith('web/server/') || f.path.startsWith('web/client/')) &&
        !isTest(f.path),
    );
    expect(wiring.length).toBeGreaterThan(20);
    expect(wiring.some((f) => f.path.startsWith('web/client/'))).toBe(true);
    const long = wiring.flatMap((f) =>
      functionsOf(f)
        .filter((fn) => fn.lines > MAX_FUNCTION_LINES)
        .map((fn) => ({ key: `${f.path}#${fn.name}`, where: `${f.path}:${fn.line} ${fn.name}: ${fn.lines} lines` })),
    );
    report(
      long.filter((fn) => !(fn.key in LONG_FUNCTION_REASONS)).map((fn) => fn.where),
      `functions over ${MAX_FUNCTION_LINES} lines in the wiring or the pages (split them into named functions: route groups, handlers; a page into its state, panels and wiring)`,
    );
    // An allowance for a function that is gone or has shrunk is stale.
    for (const key of Object.keys(LONG_FUNCTION_REASONS)) {
      expect(
        long.some((fn) => fn.key === key),
        `${key} is listed as long but is not`,
      ).toBe(true);
    }
  });
});
