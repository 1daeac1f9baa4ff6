import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { assetNameProblem, compressedCopies, shouldPrecompress, withoutSourceMapComment } from './precompress.ts';

describe('shouldPrecompress', () => {
  it('takes text files of 1 KiB or more', () => {
    expect(shouldPrecompress('assets/console-B0-GzRMI.js', 285_840)).toBe(true);
    expect(shouldPrecompress('assets/maplibre-gl-worker-CZtFQQIV.mjs', 520_110)).toBe(true);
    expect(shouldPrecompress('assets/console-CnsZ1jie.CSS', 1_640)).toBe(true);
    expect(shouldPrecompress('index.html', 1_640)).toBe(true);
    expect(shouldPrecompress('index.html', 1_023)).toBe(false);
  });

  it('leaves compressed formats and unknown kinds alone', () => {
    expect(shouldPrecompress('assets/font-AbCdEfGh.woff2', 50_000)).toBe(false);
    expect(shouldPrecompress('assets/logo-AbCdEfGh.png', 50_000)).toBe(false);
    expect(shouldPrecompress('assets/console-B0-GzRMI.js.br', 50_000)).toBe(false);
  });
});

describe('compressedCopies', () => {
  it('makes brotli and gzip copies that decode to the same bytes, brotli the smaller', async () => {
    const text = Buffer.from(
      Array.from(
        { length: 400 },
        (_, i) => `export const sensor${i} = { id: "wl-420106-${String(i).padStart(4, '0')}", state: ${i % 5} };\n`,
      ).join(''),
    );
    const copies = await compressedCopies(text);
    expect(copies.map((c) => [c.coding, c.suffix])).toEqual([
      ['br', '.br'],
      ['gzip', '.gz'],
    ]);
    const [br, gz] = copies;
    expect(brotliDecompressSync(br!.data).equals(text)).toBe(true);
    expect(gunzipSync(gz!.data).equals(text)).toBe(true);
    expect(br!.data.length).toBeLessThan(gz!.data.length);
    expect(gz!.data.length).toBeLessThan(text.length / 4);
  });

  it('keeps no copy that is not smaller than the file', async () => {
    // Already random: neither coding can shrink it.
    const r = seededRandom(12345);
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(r() * 256);
    expect(await compressedCopies(noise)).toEqual([]);
  });
});

describe('assetNameProblem', () => {
  it('accepts hashed names under assets/ and anything outside it', () => {
    expect(assetNameProblem('assets/console-B0-GzRMI.js')).toBeNull();
    expect(assetNameProblem('assets/login-view-BtgPnn0_.css')).toBeNull();
    expect(assetNameProblem('assets/maplibre-gl-worker-CZtFQQIV.mjs')).toBeNull();
    expect(assetNameProblem('index.html')).toBeNull();
    expect(assetNameProblem('favicon.svg')).toBeNull();
  });

  it('refuses an unhashed name under assets/, quoting it and saying where such a file goes', () => {
    expect(assetNameProblem('assets/console.js')).toMatch(
      /^"assets\/console.js" has no content hash in its name \(name-HASH.ext\).*web\/client\/public/,
    );
    expect(assetNameProblem('assets/sub/data.json')).not.toBeNull();
  });
});

describe('withoutSourceMapComment', () => {
  it('removes the trailing reference of a script or a stylesheet', () => {
    expect(withoutSourceMapComment('export{a as default};\n//# sourceMappingURL=maplibre-gl-worker.mjs.map')).toBe(
      'export{a as default};\n',
    );
    expect(withoutSourceMapComment('a();\n//@ sourceMappingURL=a.js.map\n')).toBe('a();\n');
    expect(withoutSourceMapComment('.a{color:red}\n/*# sourceMappingURL=a.css.map */\n')).toBe('.a{color:red}\n');
  });

  it('leaves code without one, and the same words inside the code, as they are', () => {
    expect(withoutSourceMapComment('a();\n')).toBe('a();\n');
    const inside = 'const s = "\\n//# sourceMappingURL=x.map";\nb();\n';
    expect(withoutSourceMapComment(inside)).toBe(inside);
  });
});
