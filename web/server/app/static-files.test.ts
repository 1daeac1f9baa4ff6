import { sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticPath } from './static-files.ts';

const root = `${sep}srv${sep}citytwin${sep}dist${sep}web`;

describe('static file paths', () => {
  it('resolves files inside the folder, and a folder to its index.html', () => {
    expect(staticPath(root, '/assets/console.js')).toBe(`${root}${sep}assets${sep}console.js`);
    expect(staticPath(root, '/')).toBe(`${root}${sep}index.html`);
    expect(staticPath(root, '/kpi.html')).toBe(`${root}${sep}kpi.html`);
  });

  it('never leaves the folder, not even for a sibling whose name starts like it', () => {
    for (const p of [
      '/../web-private/secret.txt',
      '/assets/../../web-private/x',
      '/../web',
      '/..',
      '/../../etc/passwd',
      '/..\\web-private\\x',
      '/a/../../web-private',
    ]) {
      expect([p, staticPath(root, p)]).toEqual([p, null]);
    }
  });

  it('keeps names that merely start with two dots inside', () => {
    expect(staticPath(root, '/..hidden.txt')).toBe(`${root}${sep}..hidden.txt`);
  });

  it('never serves source maps or paths with a NUL byte', () => {
    expect(staticPath(root, '/assets/console.js.map')).toBeNull();
    expect(staticPath(root, '/assets/CONSOLE.JS.MAP')).toBeNull();
    expect(staticPath(root, '/index.html\0.png')).toBeNull();
  });
});
