/**
 * Schema migrations: plain SQL files `migrations/NNN_name.sql`, applied in order, each in its own transaction and
 * recorded in `schema_migrations`. A file already applied is never re-run; an applied version whose file is missing
 * means a newer engine-lite wrote this database, and we refuse to touch it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

// dist/src/db/ → package root
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name must be NNN_name.sql: ${file}`);
    out.push({ version: Number(match[1]), name: match[2]!, sql: await readFile(`${dir}${file}`, 'utf8') });
  }
  return out;
}

/** Applies the missing migrations; returns the versions applied now. */
export async function migrate(db: Db, migrations?: readonly Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  const applied = new Set(rows.map((r) => r.version));
  const known = new Set(all.map((m) => m.version));
  const unknown = [...applied].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new Error(`database has migrations this engine-lite does not know (${unknown.join(', ')}): newer schema`);
  }
  const done: number[] = [];
  for (const m of all) {
    if (applied.has(m.version)) continue;
    await db.transaction(async (tx) => {
      // one statement per query call: the pg driver would run them all too, but PGlite's query() takes one
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    });
    done.push(m.version);
  }
  return done;
}

/** Splits on `;` at line ends; migrations keep to that shape (no functions with bodies). */
export function splitStatements(sql: string): string[] {
  return sql
    .replace(/^\s*--.*$/gm, '')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
