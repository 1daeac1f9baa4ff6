import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PAGE_HEAD, pageHead } from './page-head.ts';

const CLIENT = join(import.meta.dirname, '..', 'client');
const pages = readdirSync(CLIENT).filter((f) => f.endsWith('.html'));

describe('the head the pages share', () => {
  it('gives every page the character set first, the viewport, the dark scheme and the icon', () => {
    const plugin = pageHead();
    const hook = plugin.transformIndexHtml as unknown as { order: string; handler: () => typeof PAGE_HEAD };
    expect(hook.order).toBe('pre');
    const tags = hook.handler();
    expect(tags.map((t) => t.attrs)).toEqual([
      { charset: 'utf-8' },
      { name: 'viewport', content: 'width=device-width, initial-scale=1' },
      { name: 'color-scheme', content: 'dark' },
      { rel: 'icon', type: 'image/svg+xml', href: './favicon.svg' },
    ]);
    expect(tags.every((t) => t.injectTo === 'head-prepend')).toBe(true);
  });

  it('is written in no page of its own: each page keeps its title, body and entry script', () => {
    expect(pages.length).toBeGreaterThanOrEqual(7);
    for (const page of pages) {
      const html = readFileSync(join(CLIENT, page), 'utf8');
      expect(html, page).not.toMatch(/<meta charset|name="viewport"|name="color-scheme"|rel="icon"/);
      expect(html.match(/<title>[^<]+<\/title>/g), page).toHaveLength(1);
      expect(html, page).toMatch(/<script type="module" src="\.\/[^"]+\.ts"><\/script>/);
    }
  });
});
