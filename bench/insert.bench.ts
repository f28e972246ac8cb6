import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { rate, sampleMetadata, sampleStrike } from './harness';

const COLUMNS = ['event_id', 'stream_id', 'stream_version', 'type', 'data', 'metadata'] as const;

/** `rows` strike reports as one multi-row INSERT into `table`, one new stream per row. */
function multiRowInsert(table: string, first: number, rows: number): pg.QueryConfig {
  const metadata = JSON.stringify(sampleMetadata());
  const values: unknown[] = [];
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const base = r * COLUMNS.length;
    tuples.push(`(${COLUMNS.map((_, c) => `$${base + c + 1}`).join(', ')})`);
    values.push(
      randomUUID(),
      `incident-${randomUUID()}`,
      1,
      'StrikeReported',
      JSON.stringify(sampleStrike(first + r)),
      metadata,
    );
  }
  return {
    text: `insert into ${table} (${COLUMNS.join(', ')}) values ${tuples.join(', ')}`,
    values,
  };
}

/**
 * The baseline of a batch append: plain multi-row INSERTs (`rowsPerStatement` rows each, autocommit)
 * into a copy of event_store.events with all its defaults, constraints and indexes, in a database
 * the service has migrated. Statements are built before the clock starts. Returns rows/s.
 */
export async function benchMultiRowInsert(
  databaseUrl: string,
  options: { statements: number; rowsPerStatement: number; concurrency: number },
): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.concurrency });
  pool.on('error', () => undefined);
  try {
    await pool.query('create schema if not exists bench_raw');
    await pool.query('create table bench_raw.events (like event_store.events including all)');
    const table = 'bench_raw.events';
    const warmUp = multiRowInsert(table, 0, options.rowsPerStatement);
    await pool.query(warmUp);
    const statements = Array.from({ length: options.statements }, (_, i) =>
      multiRowInsert(table, (i + 1) * options.rowsPerStatement, options.rowsPerStatement),
    );
    const result = await rate(statements.length, options.concurrency, (i) =>
      pool.query(statements[i]!),
    );
    return result.perSecond * options.rowsPerStatement;
  } finally {
    await pool.end();
  }
}
