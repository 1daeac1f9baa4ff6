import { describe, expect, it } from 'vitest';
import { bytesPerSensor, measuredRuleSets } from './rules-memory.ts';

describe('twin memory per sensor with and without history-keeping rules', () => {
  it('prints bytes per sensor; a rate-of-change rule adds a few hundred bytes', () => {
    const n = 20_000;
    const figures = Object.entries(measuredRuleSets()).map(([name, rules]) => [name, bytesPerSensor(rules, n)] as const);
    for (const [name, bytes] of figures) process.stdout.write(`  ${name.padEnd(42)} ${Math.round(bytes)} bytes/sensor\n`);
    const [plain, rate, both] = figures.map(([, bytes]) => bytes) as [number, number, number];
    // Measured 1,256 / 1,462 / 1,544 (50,000 sensors): the ring of a rate rule is 13 doubles.
    expect(rate - plain).toBeGreaterThan(0);
    expect(rate - plain).toBeLessThan(350);
    expect(both - plain).toBeLessThan(500);
  });
});
