import pg from 'pg';

/**
 * Opens a transaction with an id on its own connection to `databaseUrl` and keeps it open until
 * `commit()`: readers of the log stop below it (visibility is server-wide), so events written
 * meanwhile are held back. `commit` also closes the connection.
 */
export async function holdTransaction(databaseUrl: string): Promise<{ commit(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('select pg_current_xact_id()');
  } catch (error) {
    await client.end();
    throw error;
  }
  return {
    async commit() {
      try {
        await client.query('commit');
      } finally {
        await client.end();
      }
    },
  };
}
