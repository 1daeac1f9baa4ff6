import { describe, expect, it } from 'vitest';
import { bytesPerSensor, measuredRuleSets } from './rules-memory.ts';

describe('twin memory per sensor with and without history-keeping rules', () => {
  it('prints bytes per sensor: under 1 KB with the default rules; a rate-of-change rule adds a few hundred bytes', () => {
    const n = 20_000;
    const figures = Object.entries(measuredRuleSets()).map(([name, rules]) => [name, bytesPerSensor(rules, n)] as const);
    for (const [name, bytes] of figures) process.stdout.write(`  ${name.padEnd(42)} ${Math.round(bytes)} bytes/sensor\n`);
    const [plain, rate, both] = figures.map(([, bytes]) => bytes) as [number, number, number];
    // Measured 601 / 991 / 1,072 (50,000 sensors): the ring of a rate rule is 13 doubles, and
    // the measured sensors rise fast enough to raise its level (a second raised level).
    expect(rate - plain).toBeGreaterThan(0);
    expect(rate - plain).toBeLessThan(550);
    expect(both - plain).toBeLessThan(700);
    // The product's budget at a million sensors, with the default rules.
    expect(plain).toBeLessThan(1024);
  });
});
