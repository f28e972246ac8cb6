/**
 * COPY through Kysely: copyInto's statement on both stores, in a transaction, with every kind
 * of field the read models write and text that COPY's format must escape.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { openTestStore, storesUnderTest, type TestStore } from '../../test/store-harness';
import { copyInto } from '.';

interface ProbeRow {
  id: number;
  label: string | null;
  count: number | null;
  flag: boolean;
  at: Date | null;
  names: (string | null)[];
  doc: unknown;
  big: number;
}

const TABLE = 'public.copy_probe';
const OPTIONS = { json: ['doc'] } as const;

// Text PostgreSQL can hold (no NUL), with what COPY's and arrays' formats treat specially.
const noNul = (value: string) => !value.includes('\u0000');
const text = fc.oneof(
  fc.string({ unit: 'grapheme' }).filter(noNul),
  fc.constantFrom('\\', '\\.', '\t', '\n', '\r\n', '"', '{a,b}', 'NULL', '\\N', "'", ' x '),
  fc
    .array(fc.constantFrom('a', '\\', '"', '\t', '\n', ',', '{', '}', ' ', 'é'))
    .map((cs) => cs.join('')),
);
const json = fc
  .jsonValue()
  .map((value) => JSON.stringify(value))
  .filter((value) => !value.includes('\\u0000'))
  .map((value) => JSON.parse(value) as unknown);

describe.each(storesUnderTest())('COPY on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
    await sql`create table public.copy_probe (
      id int primary key, label text, count int, flag boolean not null, at timestamptz,
      names text[] not null, doc jsonb, big bigint not null)`.execute(t.store.db);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await sql`truncate public.copy_probe`.execute(t.store.db);
  });

  async function readBack(): Promise<ProbeRow[]> {
    const result = await sql<ProbeRow>`select * from public.copy_probe order by id`.execute(
      t.store.db,
    );
    return result.rows;
  }

  it('writes every kind of field, escaped, in a transaction', async () => {
    const rows: ProbeRow[] = [
      {
        id: 1,
        label: 'tab\there, newline\nthere, back\\slash, \\N and \\.',
        count: -7,
        flag: true,
        at: new Date('2024-02-29T23:59:59.123Z'),
        names: ['plain', 'with "quotes"', 'back\\slash', 'comma, {braces}', 'NULL', '', null],
        doc: { s: 'a\tb\\c"d\ne', n: 1.5, list: [null, true, 'x'], nested: { empty: [] } },
        big: 2 ** 40,
      },
      { id: 2, label: null, count: null, flag: false, at: null, names: [], doc: null, big: 0 },
      {
        id: 3,
        label: 'Київ — ümlaut 🚀',
        count: 0,
        flag: true,
        at: null,
        names: ['UA-30'],
        doc: [],
        big: 1,
      },
    ];
    await t.store.db.transaction().execute(async (trx) => {
      const result = await trx.executeQuery(copyInto(TABLE, rows, OPTIONS));
      expect(result.rows).toEqual([]);
      // The transaction's own session sees the rows before it commits.
      const seen = await sql<{
        n: number;
      }>`select count(*)::int as n from public.copy_probe`.execute(trx);
      expect(seen.rows[0]!.n).toBe(3);
    });
    expect(await readBack()).toEqual(rows);
  });

  it('leaves nothing behind when the transaction fails, and the session goes on', async () => {
    const row = { id: 1, label: 'x', count: 1, flag: true, at: null, names: [], doc: {}, big: 1 };
    await expect(
      t.store.db.transaction().execute(async (trx) => {
        await trx.executeQuery(copyInto(TABLE, [row], OPTIONS));
        // A key the same COPY repeats: the server rejects the whole statement.
        await trx.executeQuery(
          copyInto(
            TABLE,
            [
              { ...row, id: 2 },
              { ...row, id: 2 },
            ],
            OPTIONS,
          ),
        );
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await readBack()).toEqual([]);
    // Every connection is usable afterwards (the pool's included).
    for (let i = 0; i < 4; i++) await sql`select 1`.execute(t.store.db);
    await t.store.db.executeQuery(copyInto(TABLE, [row], OPTIONS));
    expect(await readBack()).toHaveLength(1);
  });

  it('rejects a field it cannot write, and an empty COPY, before anything is sent', () => {
    const row = { id: 1, doc: { nested: true } };
    expect(() => copyInto(TABLE, [row])).toThrow(/name its column in `json`/);
    expect(() => copyInto(TABLE, [{ id: 1, names: [['nested']] }])).toThrow(/arrays of scalars/);
    expect(() => copyInto(TABLE, [])).toThrow(/at least one row/);
  });

  it('reads back whatever text and JSON it was given', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.option(text), fc.array(fc.option(text), { maxLength: 4 }), json), {
          minLength: 1,
          maxLength: 8,
        }),
        async (values) => {
          const rows: ProbeRow[] = values.map(([label, names, doc], i) => ({
            id: i,
            label,
            count: i,
            flag: i % 2 === 0,
            at: new Date(Date.UTC(2022, 1, 24, 4, i)),
            names,
            doc,
            big: i,
          }));
          await sql`truncate public.copy_probe`.execute(t.store.db);
          await t.store.db.executeQuery(copyInto(TABLE, rows, OPTIONS));
          expect(await readBack()).toEqual(rows);
        },
      ),
      { numRuns: 60 },
    );
  });
});
