import type { Queryable } from '../db.js';
import { deleteById, firstRow, insertedRow } from './rows.js';

export interface StorageConnection {
  id: string;
  type: 'nfs' | 'posixfs' | 'localfs' | 'iscsi' | 'glusterfs';
  connection: string;
}

export interface StorageDomain {
  id: string;
  name: string;
  dataCenterId: string | null;
  connectionId: string | null;
  domainType: 'data' | 'iso' | 'export';
  storageType: string;
  status: string;
  isMaster: boolean;
}

const COLS = `id, name, datacenter_id AS "dataCenterId", connection_id AS "connectionId", domain_type AS "domainType",
  storage_type AS "storageType", status, is_master AS "isMaster"`;

export const storage = {
  list: (db: Queryable) => db.query<StorageDomain>(`SELECT ${COLS} FROM storage_domains ORDER BY name`),
  async get(db: Queryable, id: string): Promise<StorageDomain | undefined> {
    return firstRow<StorageDomain>(db, `SELECT ${COLS} FROM storage_domains WHERE id = $1`, [id]);
  },
  async insertConnection(db: Queryable, c: StorageConnection): Promise<void> {
    await db.query('INSERT INTO storage_connections (id, type, connection) VALUES ($1, $2, $3)', [
      c.id,
      c.type,
      c.connection,
    ]);
  },
  async getConnection(db: Queryable, id: string): Promise<StorageConnection | undefined> {
    return (
      await db.query<StorageConnection>('SELECT id, type, connection FROM storage_connections WHERE id = $1', [id])
    )[0];
  },
  async insert(db: Queryable, sd: Omit<StorageDomain, 'status' | 'isMaster'>): Promise<StorageDomain> {
    return insertedRow<StorageDomain>(
      db,
      `INSERT INTO storage_domains (id, name, datacenter_id, connection_id, domain_type, storage_type)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLS}`,
      [sd.id, sd.name, sd.dataCenterId, sd.connectionId, sd.domainType, sd.storageType],
    );
  },
  async setAttached(db: Queryable, id: string, dataCenterId: string, status: string, isMaster: boolean): Promise<void> {
    await db.query('UPDATE storage_domains SET datacenter_id = $2, status = $3, is_master = $4 WHERE id = $1', [
      id,
      dataCenterId,
      status,
      isMaster,
    ]);
  },
  async remove(db: Queryable, id: string): Promise<boolean> {
    return deleteById(db, 'storage_domains', id);
  },
};
