import { CompiledQuery } from 'kysely';

/**
 * Starts a `copy … from stdin` statement whose one parameter is the data, in COPY's text
 * format. Neither driver takes COPY as a plain query: the pg pool's clients (database.ts) stream
 * the parameter through the COPY protocol, the embedded store's dialect hands it over as a blob.
 * Either way it runs on the connection of the transaction that executes it.
 */
export const COPY_FROM_STDIN = '/* copy from stdin */ ';

/** How a row's fields are written to COPY: as they are, or (jsonb columns) as JSON. */
export interface CopyOptions<Column extends string = string> {
  /** Columns whose values are written as JSON (jsonb and json columns). */
  json?: readonly Column[];
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** Escapes a field's text for COPY's text format (the delimiter, line ends, backslashes). */
function escapeField(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c]!) : text;
}

/** An array literal of scalars (text[], int[]…): every element quoted, null as NULL. */
function arrayLiteral(values: readonly unknown[]): string {
  const elements = values.map((value) => {
    if (value === null || value === undefined) return 'NULL';
    const text =
      typeof value === 'string'
        ? value
        : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
          ? String(value)
          : undefined;
    if (text === undefined) throw new TypeError('COPY writes arrays of scalars only');
    return `"${text.replace(/[\\"]/g, '\\$&')}"`;
  });
  return `{${elements.join(',')}}`;
}

function copyField(value: unknown, json: boolean): string {
  if (value === null || value === undefined) return '\\N';
  if (json) return escapeField(JSON.stringify(value));
  switch (typeof value) {
    case 'string':
      return escapeField(value);
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      if (value instanceof Date) return value.toISOString();
      if (Array.isArray(value)) return escapeField(arrayLiteral(value));
      throw new TypeError(`COPY cannot write a ${typeof value} here: name its column in \`json\``);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A statement that writes `rows` (at least one) into `table` (`schema.name`) by COPY: columns
 * as the first row has them, one line per row. Run it with `executeQuery` on a transaction (or
 * the store). Unlike an INSERT, the server reads COPY row by row: no statement-sized JSON to
 * parse and expand first.
 */
export function copyInto<Row extends object>(
  table: string,
  rows: readonly Row[],
  options: CopyOptions<keyof Row & string> = {},
): CompiledQuery {
  if (rows.length === 0) throw new RangeError('COPY needs at least one row');
  const columns = Object.keys(rows[0]!);
  const asJson = new Set<string>(options.json);
  const json = columns.map((column) => asJson.has(column));
  let data = '';
  for (const row of rows) {
    const fields = row as Readonly<Record<string, unknown>>;
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) data += '\t';
      data += copyField(fields[columns[i]!], json[i]!);
    }
    data += '\n';
  }
  const target = table.split('.').map(quoteIdentifier).join('.');
  const names = columns.map(quoteIdentifier).join(', ');
  return CompiledQuery.raw(`${COPY_FROM_STDIN}copy ${target} (${names}) from stdin`, [data]);
}
