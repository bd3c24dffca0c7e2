import type { Queryable } from '../db.js';
import { deleteById, firstRow, insertedRow } from './rows.js';

export interface Cluster {
  id: string;
  name: string;
  dataCenterId: string;
  description: string;
  cpuType: string;
  compatVersion: string;
}

const COLS =
  'id, name, datacenter_id AS "dataCenterId", description, cpu_type AS "cpuType", compat_version AS "compatVersion"';

export const clusters = {
  list: (db: Queryable) => db.query<Cluster>(`SELECT ${COLS} FROM clusters ORDER BY name`),
  async get(db: Queryable, id: string): Promise<Cluster | undefined> {
    return firstRow<Cluster>(db, `SELECT ${COLS} FROM clusters WHERE id = $1`, [id]);
  },
  async insert(db: Queryable, c: Cluster): Promise<Cluster> {
    return insertedRow<Cluster>(
      db,
      `INSERT INTO clusters (id, name, datacenter_id, description, cpu_type, compat_version)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLS}`,
      [c.id, c.name, c.dataCenterId, c.description, c.cpuType, c.compatVersion],
    );
  },
  async update(db: Queryable, id: string, patch: Partial<Pick<Cluster, 'name' | 'description' | 'cpuType'>>) {
    const rows = await db.query<Cluster>(
      `UPDATE clusters SET name = COALESCE($2, name), description = COALESCE($3, description),
       cpu_type = COALESCE($4, cpu_type) WHERE id = $1 RETURNING ${COLS}`,
      [id, patch.name ?? null, patch.description ?? null, patch.cpuType ?? null],
    );
    return rows[0];
  },
  async remove(db: Queryable, id: string): Promise<boolean> {
    return deleteById(db, 'clusters', id);
  },
};
