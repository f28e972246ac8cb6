import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../../src/database';

/**
 * The text of a statement's plan: `explain` with the given options (e.g. `(analyze, costs off)`),
 * its lines joined.
 */
export async function planOf(
  db: Kysely<Database>,
  query: CompiledQuery,
  options = '',
): Promise<string> {
  const plan = await db.executeQuery<Record<string, string>>(
    CompiledQuery.raw(`explain ${options} ${query.sql}`, [...query.parameters]),
  );
  return plan.rows.map((row) => Object.values(row).join('')).join('\n');
}
