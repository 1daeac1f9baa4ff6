/** A one-line-per-event logger honouring CITYTWIN_LOG_LEVEL. */
import type { LogLevel } from './config.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Log = (level: LogLevel, message: string) => void;

export function createLogger(min: LogLevel, component: string): Log {
  return (level, message) => {
    if (ORDER[level] < ORDER[min]) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${component}] ${message}\n`;
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line);
  };
}
