import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { sql } from 'kysely';
import { Command, Option } from 'nest-commander';
import type { Store } from '../../database';
import { isUnavailableError } from '../../event-store';
import { readLogForExport } from '../../ops/export-import';
import { CliCommand } from '../cli-command';
import { CliContext } from '../cli-context';
import { CliError, ExitCode, messageOf, UsageError } from '../cli-errors';
import { formatBytes, formatCount, formatDuration, Progress } from '../progress';

/** Something went wrong on the output side (not the store's). */
class OutputError extends Error {}

/** Writes with backpressure; rejects when the stream fails (a closed pipe, a full disk). */
async function write(stream: Writable, text: string): Promise<void> {
  let onError: ((error: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = (error) => reject(new OutputError(messageOf(error), { cause: error }));
    stream.once('error', onError);
  });
  failed.catch(() => undefined);
  try {
    if (stream.destroyed) throw new OutputError('the output is closed');
    if (!stream.write(text)) await Promise.race([once(stream, 'drain'), failed]);
  } finally {
    stream.off('error', onError!);
  }
}

@Command({
  name: 'export',
  description:
    'write every event as NDJSON envelopes, in log order (as GET /v1/export), to stdout or --out FILE',
})
export class ExportCommand extends CliCommand {
  constructor(private readonly context: CliContext) {
    super();
  }

  @Option({
    flags: '-o, --out <file>',
    description: 'write to FILE (through FILE.partial, renamed when complete)',
  })
  parseOut(value: string): string {
    return value;
  }

  async run(_args: string[], options: { out?: string }): Promise<void> {
    // The output first: a path that cannot be written is a usage error, found before the store.
    const partial = options.out ? `${options.out}.partial` : undefined;
    const target: Writable = partial ? createWriteStream(partial) : process.stdout;
    if (partial) {
      try {
        await once(target, 'open');
      } catch (error) {
        throw new UsageError(`--out: cannot write ${partial}: ${messageOf(error)}`);
      }
    }
    // A failure between writes (e.g. the reader of a pipe has gone) must not crash the process.
    target.on('error', () => undefined);
    let total: number;
    let store: Store;
    try {
      ({ store } = await this.context.openServices());
      const counted = await sql<{ n: number }>`
        select count(*)::bigint as n from event_store.events`.execute(store.db);
      total = Number(counted.rows[0]?.n ?? 0);
    } catch (error) {
      if (partial) {
        target.destroy();
        await rm(partial, { force: true });
      }
      throw error;
    }
    const progress = new Progress({ label: 'export', unit: 'events' });
    const started = Date.now();
    let events = 0;
    let bytes = 0;
    try {
      progress.update({ done: 0, total });
      for await (const page of readLogForExport(store.db, { batchSize: 1000 })) {
        this.context.throwIfInterrupted(`export stopped after ${events} events`);
        const text = page.map((event) => `${JSON.stringify(event)}\n`).join('');
        await write(target, text);
        events += page.length;
        bytes += Buffer.byteLength(text);
        progress.update({ done: events, total: Math.max(total, events) });
      }
      if (partial) {
        target.end();
        await once(target, 'finish');
        await rename(partial, options.out!);
      }
    } catch (error) {
      progress.abandon();
      if (partial) {
        target.destroy();
        await rm(partial, { force: true });
      }
      if (error instanceof OutputError) {
        const code = (error.cause as { code?: unknown } | undefined)?.code;
        throw new CliError(
          code === 'EPIPE' && !partial
            ? `export stopped after ${events} events: the reader of stdout has gone`
            : `export stopped after ${events} events: cannot write to ${options.out ?? 'stdout'}: ${error.message}`,
        );
      }
      if (error instanceof CliError || isUnavailableError(error)) throw error;
      throw new CliError(
        `export failed after ${events} events${partial ? ` (nothing was left in ${options.out})` : ''}: ${messageOf(error)}`,
        ExitCode.failed,
      );
    }
    progress.finish(
      `export: ${formatCount(events)} events (${formatBytes(bytes)}) to ${options.out ?? 'stdout'} in ${formatDuration(Date.now() - started)}`,
    );
  }
}
