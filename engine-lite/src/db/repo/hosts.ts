import type { Queryable } from '../db.js';
import { deleteById, firstRow, insertedRow } from './rows.js';

/** oVirt's host statuses that engine-lite uses. */
export const HOST_STATUSES = [
  'Installing',
  'Initializing',
  'Up',
  'Maintenance',
  'NonResponsive',
  'NonOperational',
] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

export interface Host {
  id: string;
  name: string;
  address: string;
  port: number;
  clusterId: string;
  tls: boolean;
  status: HostStatus;
  statusDetail: string;
  spmPriority: number;
  spmStatus: string;
  cpuModel: string;
  cpuThreads: number;
  memTotalMb: number;
  memFreeMb: number;
  cpuUsagePct: number;
  vmCount: number;
  softwareVersion: string;
  missedPolls: number;
  lastSeen: Date | null;
  /** the host's id in its data center's storage pool (sanlock host id), once connected */
  poolHostId: number | null;
}

const COLS = `id, name, address, port, cluster_id AS "clusterId", tls, status, status_detail AS "statusDetail",
  spm_priority AS "spmPriority", spm_status AS "spmStatus", cpu_model AS "cpuModel", cpu_threads AS "cpuThreads",
  mem_total_mb AS "memTotalMb", mem_free_mb AS "memFreeMb", cpu_usage_pct AS "cpuUsagePct", vm_count AS "vmCount",
  software_version AS "softwareVersion", missed_polls AS "missedPolls", last_seen AS "lastSeen",
  pool_host_id AS "poolHostId"`;

export interface HostFacts {
  cpuModel: string;
  cpuThreads: number;
  memTotalMb: number;
  softwareVersion: string;
}

/** null = the host did not report it: the last known value stays. */
export interface HostSample {
  memFreeMb: number | null;
  cpuUsagePct: number | null;
  vmCount: number;
}

export const hosts = {
  list: (db: Queryable) => db.query<Host>(`SELECT ${COLS} FROM hosts ORDER BY name`),
  listByDataCenter: (db: Queryable, dataCenterId: string) =>
    db.query<Host>(
      `SELECT ${COLS} FROM hosts WHERE cluster_id IN (SELECT id FROM clusters WHERE datacenter_id = $1) ORDER BY name`,
      [dataCenterId],
    ),
  /** SPM of its data center's pool: 'SPM' for `id`, 'None' for every other host of that data center. */
  async setSpm(db: Queryable, dataCenterId: string, spmHostId: string | null): Promise<void> {
    await db.query(
      `UPDATE hosts SET spm_status = CASE WHEN id = $2 THEN 'SPM' ELSE 'None' END
       WHERE cluster_id IN (SELECT id FROM clusters WHERE datacenter_id = $1)`,
      [dataCenterId, spmHostId],
    );
  },
  async setPoolHostId(db: Queryable, id: string, poolHostId: number): Promise<void> {
    await db.query('UPDATE hosts SET pool_host_id = $2 WHERE id = $1', [id, poolHostId]);
  },
  listByCluster: (db: Queryable, clusterId: string) =>
    db.query<Host>(`SELECT ${COLS} FROM hosts WHERE cluster_id = $1 ORDER BY name`, [clusterId]),
  async get(db: Queryable, id: string): Promise<Host | undefined> {
    return firstRow<Host>(db, `SELECT ${COLS} FROM hosts WHERE id = $1`, [id]);
  },
  async insert(
    db: Queryable,
    h: Pick<Host, 'id' | 'name' | 'address' | 'port' | 'clusterId' | 'tls' | 'spmPriority'>,
  ): Promise<Host> {
    return insertedRow<Host>(
      db,
      `INSERT INTO hosts (id, name, address, port, cluster_id, tls, spm_priority)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLS}`,
      [h.id, h.name, h.address, h.port, h.clusterId, h.tls, h.spmPriority],
    );
  },
  async setStatus(db: Queryable, id: string, status: HostStatus, detail = ''): Promise<void> {
    await db.query('UPDATE hosts SET status = $2, status_detail = $3 WHERE id = $1', [id, status, detail]);
  },
  async setFacts(db: Queryable, id: string, f: HostFacts): Promise<void> {
    await db.query(
      'UPDATE hosts SET cpu_model = $2, cpu_threads = $3, mem_total_mb = $4, software_version = $5 WHERE id = $1',
      [id, f.cpuModel, f.cpuThreads, f.memTotalMb, f.softwareVersion],
    );
  },
  async recordSample(db: Queryable, id: string, s: HostSample): Promise<void> {
    await db.query(
      `UPDATE hosts SET mem_free_mb = COALESCE($2, mem_free_mb), cpu_usage_pct = COALESCE($3, cpu_usage_pct),
       vm_count = $4, missed_polls = 0, last_seen = now() WHERE id = $1`,
      [id, s.memFreeMb, s.cpuUsagePct, s.vmCount],
    );
  },
  /** Counts one missed poll; returns the new count. */
  async recordAlive(db: Queryable, id: string): Promise<void> {
    await db.query('UPDATE hosts SET missed_polls = 0, last_seen = now() WHERE id = $1', [id]);
  },
  async recordMiss(db: Queryable, id: string): Promise<number> {
    const rows = await db.query<{ missed: number }>(
      'UPDATE hosts SET missed_polls = missed_polls + 1 WHERE id = $1 RETURNING missed_polls AS missed',
      [id],
    );
    return rows[0]?.missed ?? 0;
  },
  async update(db: Queryable, id: string, patch: Partial<Pick<Host, 'name' | 'spmPriority'>>) {
    const rows = await db.query<Host>(
      `UPDATE hosts SET name = COALESCE($2, name), spm_priority = COALESCE($3, spm_priority)
       WHERE id = $1 RETURNING ${COLS}`,
      [id, patch.name ?? null, patch.spmPriority ?? null],
    );
    return rows[0];
  },
  async remove(db: Queryable, id: string): Promise<boolean> {
    return deleteById(db, 'hosts', id);
  },
};
