/** How `npm run bench` prints a figure: the name, the value, the target and the verdict. */

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function line(name: string, value: string, target: string, ok: boolean | null): void {
  const verdict = ok === null ? '' : ok ? '  ok' : '  BELOW TARGET';
  process.stdout.write(`  ${name.padEnd(52)} ${value.padStart(16)}   ${target}${verdict}\n`);
}

/**
 * Samples a counter every 10 ms; the steady rate is the slope between 10% and 90% of the
 * total, which leaves out connection start-up and the last partial batch's timer.
 */
export class RateProbe {
  private readonly samples: Array<[number, number]> = [];
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly read: () => number) {
    this.timer = setInterval(() => this.samples.push([performance.now(), this.read()]), 10);
  }
  stop(): void {
    clearInterval(this.timer);
    this.samples.push([performance.now(), this.read()]);
  }
  steadyRate(total: number): number {
    const at = (share: number) => this.samples.find(([, n]) => n >= share * total);
    const a = at(0.1);
    const b = at(0.9);
    if (!a || !b || b[0] <= a[0]) return Number.NaN;
    return (b[1] - a[1]) / ((b[0] - a[0]) / 1000);
  }
}
