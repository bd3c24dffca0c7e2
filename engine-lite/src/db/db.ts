/** The one small database interface engine-lite uses: PGlite (embedded) and PostgreSQL (pg) both implement it. */
export type SqlValue = string | number | boolean | null | Date | Record<string, unknown> | unknown[];

export interface Queryable {
  /** One parameterised statement ($1, $2, …); returns its rows. */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A Queryable over a driver whose query answers `{ rows }`, as PGlite and pg both do. */
export function rowsQueryable(run: (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>): Queryable {
  return {
    async query<Row extends object>(sql: string, params: readonly SqlValue[] = []) {
      return (await run(sql, params as unknown[])).rows as Row[];
    },
  };
}

/** jsonb parameters must be passed as text for both drivers to store them as JSON documents. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}
