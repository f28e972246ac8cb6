import type { LoggerService, LogLevel } from '@nestjs/common';
import { terminal } from './progress';

const ORDER: Record<LogLevel, number> = {
  fatal: 0,
  error: 1,
  warn: 2,
  log: 3,
  debug: 4,
  verbose: 5,
};

// LOG_LEVEL names (the service's) to Nest's.
const THRESHOLDS: Record<string, number> = {
  silent: -1,
  fatal: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  trace: 5,
};

// Nest's own start-up chatter, which says nothing to someone running a command.
const QUIET_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'NestApplicationContext']);

/**
 * The CLI's log: one line per message on stderr (stdout is the command's output, e.g. an
 * export), at `warn` and above unless LOG_LEVEL says otherwise.
 */
export class CliLogger implements LoggerService {
  private readonly threshold: number;

  constructor(level: string | undefined) {
    this.threshold = THRESHOLDS[level?.trim().toLowerCase() ?? ''] ?? THRESHOLDS.warn!;
  }

  /** True when messages at this level are shown (e.g. stacks of unexpected errors at debug). */
  enabled(level: LogLevel): boolean {
    return ORDER[level] <= this.threshold;
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.print('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.print('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.print('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.print('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.print('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.print('fatal', message, rest);
  }

  private print(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.enabled(level)) return;
    // Nest passes the context last; an error's stack, when there is one, before it.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : '';
    if (QUIET_CONTEXTS.has(context) && ORDER[level] > ORDER.warn) return;
    const text = message instanceof Error ? message.message : String(message);
    const stack =
      level === 'error' || level === 'fatal' ? rest.find((r) => typeof r === 'string') : undefined;
    terminal.line(`${level === 'log' ? 'info' : level}${context ? ` [${context}]` : ''} ${text}`);
    if (stack && this.enabled('debug')) terminal.line(String(stack));
  }
}
