import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RIVER_TOWN_DIR } from '../test/support/make-city-fixtures.ts';
import { runCityCommand } from './city-command.ts';

const scratch = mkdtempSync(join(tmpdir(), 'city-command-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runCityCommand(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('citytwin city check', () => {
  it('prints the figures and exits 0 for a good package', () => {
    const r = run('check', RIVER_TOWN_DIR);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('4 districts, 37 road segments (graph 100 nodes, 172 edges, 8 one-way');
    expect(r.stdout).toMatch(/OK \(0 warnings\)\n$/);
  });

  it('prints one line per problem and exits 1 for a broken package; --strict fails on warnings', () => {
    const r = run('check', join(RIVER_TOWN_DIR, '..', 'broken'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error sensors.csv:3 kind = "noise": unknown sensor kind');
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(45 + 2);
    expect(r.stdout).toMatch(/NOT LOADABLE: 40 errors, 5 warnings\n$/);
    expect(run('check', RIVER_TOWN_DIR, '--strict').code).toBe(0);
  });

  it('refuses bad usage with exit 2, quoting what was wrong', () => {
    expect(run('check')).toMatchObject({ code: 2, stderr: expect.stringContaining('needs one PATH') });
    expect(run('check', RIVER_TOWN_DIR, '--fast')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option "--fast"') });
    expect(run('unpack')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown city command "unpack"') });
  });
});

describe('citytwin city generate', () => {
  it('writes the generated city as a package that checks clean', () => {
    const dir = join(scratch, 'wuhan');
    const r = run('generate', '--out', dir, '--seed', '7', '--sensors=150');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('seed 7, 150 sensors');
    expect(JSON.parse(readFileSync(join(dir, 'city.json'), 'utf8'))).toMatchObject({ id: 'wuhan', timezone: 'Asia/Shanghai', seed: 7 });
    const check = run('check', dir, '--strict');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('150 sensors, 186 units');
  });

  it('validates its flags', () => {
    expect(run('generate')).toMatchObject({ code: 2, stderr: expect.stringContaining('needs --out DIR') });
    expect(run('generate', '--out', scratch, '--sensors', 'lots')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--sensors "lots" is not an integer from 0 to 20000'),
    });
    expect(run('generate', '--out', scratch, '--seed', '1.5')).toMatchObject({ code: 2, stderr: expect.stringContaining('--seed "1.5"') });
  });
});
