import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Command } from 'nest-commander';
import { importNdjson } from '../../ops/export-import';
import { CliCommand, print } from '../cli-command';
import { CliContext } from '../cli-context';
import { CliError, ExitCode, messageOf, UsageError } from '../cli-errors';
import { formatBytes, formatCount, formatDuration, Progress } from '../progress';

/** Bytes and lines a source has given so far. */
interface Reading {
  bytes: number;
  lines: number;
}

/**
 * Passes a byte stream on in pieces that end at a line break (the last piece excepted), counting
 * bytes and lines. Stops at the last whole line once `signal` is aborted, so an interrupted import
 * ends cleanly after the batch in flight instead of at a torn line.
 */
async function* wholeLines(
  source: AsyncIterable<Buffer | string>,
  reading: Reading,
  signal: AbortSignal,
  onRead: () => void,
): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const piece of source) {
    if (signal.aborted) return;
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    reading.bytes += chunk.length;
    const end = chunk.lastIndexOf(10);
    if (end === -1) {
      carry = carry ? Buffer.concat([carry, chunk]) : chunk;
      onRead();
      continue;
    }
    for (let i = chunk.indexOf(10); i !== -1 && i <= end; i = chunk.indexOf(10, i + 1)) {
      reading.lines++;
    }
    const head = chunk.subarray(0, end + 1);
    const out = carry ? Buffer.concat([carry, head]) : head;
    carry = end + 1 < chunk.length ? Buffer.from(chunk.subarray(end + 1)) : undefined;
    onRead();
    yield out;
  }
  if (carry && !signal.aborted) {
    reading.lines++;
    yield carry;
  }
}

@Command({
  name: 'import',
  arguments: '<file>',
  argsDescription: { file: 'NDJSON envelopes as export writes them; - reads stdin' },
  description:
    'append the events of an export (as POST /v1/import) in atomic batches; what is already there is skipped',
})
export class ImportCommand extends CliCommand {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run(args: string[]): Promise<void> {
    const file = args[0]!;
    let size: number | undefined;
    if (file !== '-') {
      try {
        const info = await stat(file);
        if (!info.isFile()) throw new Error('not a file');
        size = info.size;
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${messageOf(error)}`);
      }
    }
    const { store } = await this.context.openServices();
    const source =
      file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
    const progress = new Progress({ label: 'import', unit: 'bytes' });
    const reading: Reading = { bytes: 0, lines: 0 };
    const started = Date.now();
    const signal = this.context.interrupt.signal;
    const result = await importNdjson(
      store.db,
      wholeLines(source, reading, signal, () =>
        progress.update({ done: reading.bytes, total: size, events: reading.lines }),
      ),
      { progressEvery: 0 },
    ).finally(() => {
      if (source !== process.stdin) source.destroy();
    });
    const counts = `${formatCount(result.imported)} imported, ${formatCount(result.skipped)} skipped`;
    if (!result.ok) {
      progress.abandon();
      throw new CliError(
        `import stopped at line ${result.line}: ${result.message}. Before it, ${counts}: those stay in; fix the line and import the file again (what is already in is skipped).`,
      );
    }
    progress.finish(
      `import: ${formatBytes(reading.bytes)} (${formatCount(reading.lines)} lines) in ${formatDuration(Date.now() - started)}`,
    );
    if (signal.aborted) {
      throw new CliError(
        `import interrupted after line ${reading.lines}: ${counts}; import the file again to go on (what is in is skipped)`,
        ExitCode.interrupted,
      );
    }
    print(
      `imported ${formatCount(result.imported)} events, skipped ${formatCount(result.skipped)} already there`,
    );
  }
}
