/** The row-shaped answers every repository needs: one row or none, the row a write returned, delete by id. */
import type { Queryable, SqlValue } from '../db.js';

/** the first row of a query, undefined when there is none */
export async function firstRow<Row extends object>(
  db: Queryable,
  sql: string,
  params: readonly SqlValue[],
): Promise<Row | undefined> {
  return (await db.query<Row>(sql, params))[0];
}

/** the row an INSERT … RETURNING wrote (there is always one: a failed insert throws) */
export async function insertedRow<Row extends object>(
  db: Queryable,
  sql: string,
  params: readonly SqlValue[],
): Promise<Row> {
  return (await db.query<Row>(sql, params))[0]!;
}

/** DELETE by primary key; false when no such row existed. `table` is always a constant of the calling repository. */
export async function deleteById(db: Queryable, table: string, id: string): Promise<boolean> {
  return (await db.query(`DELETE FROM ${table} WHERE id = $1 RETURNING id`, [id])).length > 0;
}
