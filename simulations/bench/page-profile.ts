/**
 * Bench run 16's BENCH_FPS_PROFILE=1 (console-fps-bench.ts): where a page's main thread spends
 * some seconds, by self time, and the share of it in DOM calls.
 */
import type { Page } from 'playwright-core';

/** BENCH_FPS_PROFILE=1: where the page's main thread spends `seconds` (self time by function, top 15). */
export async function printProfile(page: Page, seconds: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const { profile } = (await cdp.send('Profiler.stop')) as {
    profile: {
      nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
      samples: number[];
    };
  };
  const total = profile.samples.length || 1;
  const self = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (n.hitCount ?? 0));
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 15);
  for (const [key, hits] of top) process.stdout.write(`    ${((hits / total) * 100).toFixed(1).padStart(5)} %  ${key}\n`);
  let dom = 0;
  for (const [key, hits] of self) if (DOM_WORK.has(key.split(' ')[0]!)) dom += hits;
  process.stdout.write(
    `    ${((dom / total) * 100).toFixed(1).padStart(5)} %  of the main thread in DOM work (${[...DOM_WORK].join(', ')})\n`,
  );
}

/** The DOM calls the profile adds up as "DOM work" (self time of each). */
const DOM_WORK = new Set([
  'replaceChildren',
  'appendChild',
  'append',
  'insertBefore',
  'replaceChild',
  'removeChild',
  'remove',
  'setAttribute',
  'removeAttribute',
  'createElement',
  'createTextNode',
  'set textContent',
  'set nodeValue',
  'set hidden',
  'set disabled',
  'isEqualNode',
]);
