import type { Queryable } from '../db.js';
import { deleteById, firstRow, insertedRow } from './rows.js';

export interface Disk {
  id: string;
  name: string;
  vmId: string | null;
  storageDomainId: string | null;
  sizeBytes: number;
  format: 'cow' | 'raw';
  interface: string;
  bootable: boolean;
  status: string;
}

const COLS = `id, name, vm_id AS "vmId", storage_domain_id AS "storageDomainId", size_bytes::float8 AS "sizeBytes",
  format, interface, bootable, status`;

export const disks = {
  list: (db: Queryable) => db.query<Disk>(`SELECT ${COLS} FROM disks ORDER BY name`),
  listByVm: (db: Queryable, vmId: string) =>
    db.query<Disk>(`SELECT ${COLS} FROM disks WHERE vm_id = $1 ORDER BY name`, [vmId]),
  async get(db: Queryable, id: string): Promise<Disk | undefined> {
    return firstRow<Disk>(db, `SELECT ${COLS} FROM disks WHERE id = $1`, [id]);
  },
  async insert(db: Queryable, d: Omit<Disk, 'status'>): Promise<Disk> {
    return insertedRow<Disk>(
      db,
      `INSERT INTO disks (id, name, vm_id, storage_domain_id, size_bytes, format, interface, bootable)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLS}`,
      [d.id, d.name, d.vmId, d.storageDomainId, d.sizeBytes, d.format, d.interface, d.bootable],
    );
  },
  async remove(db: Queryable, id: string): Promise<boolean> {
    return deleteById(db, 'disks', id);
  },
};
