/** How `npm run bench` prints a figure: the name, the value, the target and the verdict. */

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function line(name: string, value: string, target: string, ok: boolean | null): void {
  const verdict = ok === null ? '' : ok ? '  ok' : '  BELOW TARGET';
  process.stdout.write(`  ${name.padEnd(52)} ${value.padStart(16)}   ${target}${verdict}\n`);
}
