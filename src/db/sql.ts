import { EntityManager } from 'typeorm';

/**
 * Writes of one row from a map column → value. Table and column names always come from code
 * (the COLUMNS maps of the services), never from input; values are parameters.
 */

/** The fields an input gives (not undefined), under their column names. */
export function givenColumns(input: object, columns: Record<string, string>, keep = (_field: string, _value: unknown) => true): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(columns)) {
    const value = (input as Record<string, unknown>)[field];
    if (value !== undefined && keep(field, value)) values[column] = value;
  }
  return values;
}

/** Sets the given columns of row `id` and its updated_at; does nothing when none is given. */
export async function updateRow(em: EntityManager, table: string, id: number, values: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(values);
  if (!columns.length) return;
  await em.query(
    `UPDATE ${table} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
    [id, ...Object.values(values)],
  );
}

/**
 * Inserts a row. Two first saves of one natural key at once (neither saw the other's row) end as
 * one row, the later one winning, instead of a unique-violation error.
 */
export async function insertRow(em: EntityManager, table: string, naturalKey: string, values: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(values);
  await em.query(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
     ON CONFLICT (${naturalKey}) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()`,
    Object.values(values),
  );
}

/**
 * SQL texts built from a few options, each made once and kept: the same options give the same string,
 * so a prepared statement (named by its text, src/db/prepared.ts) is planned once per combination. Write
 * `build` so that an option left out of a request leaves its column or condition out of the text.
 */
export function sqlVariants<O extends object>(build: (options: O) => string): (options: O) => string {
  const made = new Map<string, string>();
  return (options) => {
    let key = '';
    for (const name in options) key += `${name}=${String((options as Record<string, unknown>)[name])};`;
    let sql = made.get(key);
    if (sql === undefined) made.set(key, (sql = build(options)));
    return sql;
  };
}
