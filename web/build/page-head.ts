/**
 * A Vite plugin that gives every page of the console (each HTML entry in vite.config.ts) the head
 * they share: the character set, the viewport, the dark colour scheme and the icon. A page's HTML
 * keeps only what is its own: its title, its body and its entry script. Runs in the dev server and
 * in the build alike (`transformIndexHtml`, before Vite reads the page).
 */
import type { HtmlTagDescriptor, Plugin } from 'vite';

/** The head of every page, in this order, before the page's own title. */
export const PAGE_HEAD: readonly HtmlTagDescriptor[] = [
  { tag: 'meta', attrs: { charset: 'utf-8' }, injectTo: 'head-prepend' },
  { tag: 'meta', attrs: { name: 'viewport', content: 'width=device-width, initial-scale=1' }, injectTo: 'head-prepend' },
  { tag: 'meta', attrs: { name: 'color-scheme', content: 'dark' }, injectTo: 'head-prepend' },
  { tag: 'link', attrs: { rel: 'icon', type: 'image/svg+xml', href: './favicon.svg' }, injectTo: 'head-prepend' },
];

/** The plugin (vite.config.ts). */
export function pageHead(): Plugin {
  return {
    name: 'citytwin-page-head',
    transformIndexHtml: { order: 'pre', handler: () => [...PAGE_HEAD] },
  };
}
