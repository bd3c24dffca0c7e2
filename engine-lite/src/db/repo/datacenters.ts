import type { Queryable } from '../db.js';
import { deleteById, firstRow, insertedRow } from './rows.js';

export interface DataCenter {
  id: string;
  name: string;
  description: string;
  compatVersion: string;
  status: string;
  masterDomainId: string | null;
  masterVersion: number;
}

const COLS = `id, name, description, compat_version AS "compatVersion", status, master_domain_id AS "masterDomainId",
  master_version AS "masterVersion"`;

export const dataCenters = {
  list: (db: Queryable) => db.query<DataCenter>(`SELECT ${COLS} FROM datacenters ORDER BY name`),
  async get(db: Queryable, id: string): Promise<DataCenter | undefined> {
    return firstRow<DataCenter>(db, `SELECT ${COLS} FROM datacenters WHERE id = $1`, [id]);
  },
  async setStatus(db: Queryable, id: string, status: string): Promise<void> {
    await db.query('UPDATE datacenters SET status = $2 WHERE id = $1', [id, status]);
  },
  async setPool(db: Queryable, id: string, masterDomainId: string, masterVersion: number, status: string) {
    await db.query('UPDATE datacenters SET master_domain_id = $2, master_version = $3, status = $4 WHERE id = $1', [
      id,
      masterDomainId,
      masterVersion,
      status,
    ]);
  },
  async insert(
    db: Queryable,
    dc: Omit<DataCenter, 'status' | 'masterDomainId' | 'masterVersion'>,
  ): Promise<DataCenter> {
    return insertedRow<DataCenter>(
      db,
      `INSERT INTO datacenters (id, name, description, compat_version) VALUES ($1, $2, $3, $4) RETURNING ${COLS}`,
      [dc.id, dc.name, dc.description, dc.compatVersion],
    );
  },
  async update(db: Queryable, id: string, patch: Partial<Pick<DataCenter, 'name' | 'description'>>) {
    const rows = await db.query<DataCenter>(
      `UPDATE datacenters SET name = COALESCE($2, name), description = COALESCE($3, description)
       WHERE id = $1 RETURNING ${COLS}`,
      [id, patch.name ?? null, patch.description ?? null],
    );
    return rows[0];
  },
  async remove(db: Queryable, id: string): Promise<boolean> {
    return deleteById(db, 'datacenters', id);
  },
};
