/**
 * Reading the log of some types: one walk of the type index per type, merged, rather than every
 * event of the types fetched and sorted, or the whole log walked and filtered. A spec file of its
 * own: it loads 40,000 events, which would crowd the other log specs' reads.
 */
import { sql } from 'kysely';
import { openTestStore, storesUnderTest, type TestStore } from '../../test/store-harness';
import { planOf } from '../../test/support/plans';
import { logReadable } from '../../test/support/read-models';
import { LOG_START, readLog, readLogQuery } from '.';

describe.each(storesUnderTest())('the log of some types on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
    // 1% each of two rare types among common ones, with statistics gathered.
    await sql`insert into event_store.events (event_id, stream_id, stream_version, type, data)
      select gen_random_uuid(), 'typed-' || g, 1,
             case g % 100 when 1 then 'Rare1' when 2 then 'Rare2' else 'Common' end, '{}'::jsonb
        from generate_series(1, 40000) g`.execute(t.store.db);
    await sql`analyze event_store.events`.execute(t.store.db);
    await logReadable(t.store.db);
  });
  afterAll(async () => {
    await t.close();
  });

  it('walks the type index for each type, reading no event it does not return', async () => {
    const db = t.store.db;
    const query = readLogQuery(db, LOG_START, { limit: 100, types: ['Rare1', 'Rare2'] }).compile();
    const text = await planOf(db, query, '(analyze, costs off, timing off)');
    // As `type in (…)`: a walk of the whole log's order, filtering out the common events.
    expect(text).toContain('Index Scan using events_type_transaction_position_idx');
    expect(text).not.toContain('Rows Removed by Filter');
    expect(text).not.toContain('Bitmap');
    expect(text).not.toContain('Seq Scan');
  });

  it('returns what filtering the whole log returns, page after page', async () => {
    const db = t.store.db;
    const all = await readLog(db, LOG_START, { limit: 1_000_000 });
    for (const types of [['Rare2', 'Rare1'], ['Rare1'], ['Common', 'Rare2', 'Rare2']]) {
      const expected = all.filter((e) => types.includes(e.type)).map((e) => e.eventId);
      const read: string[] = [];
      let from = LOG_START;
      for (;;) {
        const page = await readLog(db, from, { limit: 500, types });
        read.push(...page.map((e) => e.eventId));
        if (page.length < 500) break;
        from = page[page.length - 1]!;
      }
      expect(read).toEqual(expected);
    }
  });
});
