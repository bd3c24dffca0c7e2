import type { Queryable } from '../db.js';
import { deleteById, firstRow, insertedRow } from './rows.js';

export const BLANK_TEMPLATE_ID = '00000000-0000-0000-0000-000000000000';

export interface Template {
  id: string;
  name: string;
  description: string;
  clusterId: string | null;
  memoryMb: number;
  cpus: number;
  osType: string;
  displayType: 'vnc' | 'spice';
}

const COLS = `id, name, description, cluster_id AS "clusterId", memory_mb AS "memoryMb", cpus, os_type AS "osType",
  display_type AS "displayType"`;

export const templates = {
  list: (db: Queryable) => db.query<Template>(`SELECT ${COLS} FROM templates ORDER BY name`),
  async get(db: Queryable, id: string): Promise<Template | undefined> {
    return firstRow<Template>(db, `SELECT ${COLS} FROM templates WHERE id = $1`, [id]);
  },
  async findByName(db: Queryable, name: string): Promise<Template | undefined> {
    return firstRow<Template>(db, `SELECT ${COLS} FROM templates WHERE name = $1`, [name]);
  },
  async insert(db: Queryable, t: Template): Promise<Template> {
    return insertedRow<Template>(
      db,
      `INSERT INTO templates (id, name, description, cluster_id, memory_mb, cpus, os_type, display_type)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLS}`,
      [t.id, t.name, t.description, t.clusterId, t.memoryMb, t.cpus, t.osType, t.displayType],
    );
  },
  async remove(db: Queryable, id: string): Promise<boolean> {
    return deleteById(db, 'templates', id);
  },
};
