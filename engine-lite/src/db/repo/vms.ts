import { json, type Queryable } from '../db.js';
import { deleteById, firstRow, insertedRow } from './rows.js';

/** VM statuses as oVirt names them (subset engine-lite reaches). */
export const VM_STATUSES = [
  'Down',
  'WaitForLaunch',
  'PoweringUp',
  'Up',
  'Paused',
  'Suspended',
  'PoweringDown',
  'RebootInProgress',
  'MigratingFrom',
  'MigratingTo',
  'NotResponding',
  'Unknown',
  'ImageLocked',
] as const;
export type VmStatus = (typeof VM_STATUSES)[number];

export interface Vm {
  id: string;
  name: string;
  description: string;
  clusterId: string;
  templateId: string;
  memoryMb: number;
  cpus: number;
  osType: string;
  displayType: 'vnc' | 'spice';
  /** direct kernel boot (oVirt's os.kernel/initrd/cmdline): paths on the host; '' = boot from disk */
  kernelPath: string;
  initrdPath: string;
  kernelCmdline: string;
  status: VmStatus;
  runOnHostId: string | null;
  stats: Record<string, unknown>;
}

export interface VmDevice {
  id: string;
  vmId: string;
  type: string;
  device: string;
  spec: Record<string, unknown>;
}

const BASE_COLS = `id, name, description, cluster_id AS "clusterId", template_id AS "templateId",
  memory_mb AS "memoryMb", cpus, os_type AS "osType", display_type AS "displayType", status,
  run_on_host_id AS "runOnHostId", kernel_path AS "kernelPath", initrd_path AS "initrdPath",
  kernel_cmdline AS "kernelCmdline"`;
const COLS = `${BASE_COLS}, stats`;

/** A VM without its last stats document: what lists return (the document is large, and lists never show it). */
export type VmRow = Omit<Vm, 'stats'>;

export type VmEdit = Partial<
  Pick<
    Vm,
    | 'name'
    | 'description'
    | 'memoryMb'
    | 'cpus'
    | 'osType'
    | 'displayType'
    | 'kernelPath'
    | 'initrdPath'
    | 'kernelCmdline'
  >
>;

export const vms = {
  list: (db: Queryable) => db.query<VmRow>(`SELECT ${BASE_COLS} FROM vms ORDER BY name`),
  /** The VMs `userId` holds a permission on (directly on the VM). */
  listVisibleTo: (db: Queryable, userId: string) =>
    db.query<VmRow>(
      `SELECT ${BASE_COLS} FROM vms WHERE id IN
       (SELECT object_id FROM permissions WHERE user_id = $1 AND object_type = 'vm') ORDER BY name`,
      [userId],
    ),
  listOnHost: (db: Queryable, hostId: string) =>
    db.query<VmRow>(`SELECT ${BASE_COLS} FROM vms WHERE run_on_host_id = $1`, [hostId]),
  async get(db: Queryable, id: string): Promise<Vm | undefined> {
    return firstRow<Vm>(db, `SELECT ${COLS} FROM vms WHERE id = $1`, [id]);
  },
  async findByName(db: Queryable, name: string): Promise<Vm | undefined> {
    return firstRow<Vm>(db, `SELECT ${COLS} FROM vms WHERE name = $1`, [name]);
  },
  async insert(
    db: Queryable,
    vm: Omit<Vm, 'status' | 'runOnHostId' | 'stats' | 'kernelPath' | 'initrdPath' | 'kernelCmdline'> &
      Partial<Pick<Vm, 'kernelPath' | 'initrdPath' | 'kernelCmdline'>>,
  ): Promise<Vm> {
    return insertedRow<Vm>(
      db,
      `INSERT INTO vms (id, name, description, cluster_id, template_id, memory_mb, cpus, os_type, display_type,
       kernel_path, initrd_path, kernel_cmdline)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLS}`,
      [
        vm.id,
        vm.name,
        vm.description,
        vm.clusterId,
        vm.templateId,
        vm.memoryMb,
        vm.cpus,
        vm.osType,
        vm.displayType,
        vm.kernelPath ?? '',
        vm.initrdPath ?? '',
        vm.kernelCmdline ?? '',
      ],
    );
  },
  async update(db: Queryable, id: string, patch: VmEdit): Promise<Vm | undefined> {
    const rows = await db.query<Vm>(
      `UPDATE vms SET name = COALESCE($2, name), description = COALESCE($3, description),
       memory_mb = COALESCE($4, memory_mb), cpus = COALESCE($5, cpus), os_type = COALESCE($6, os_type),
       display_type = COALESCE($7, display_type), kernel_path = COALESCE($8, kernel_path),
       initrd_path = COALESCE($9, initrd_path), kernel_cmdline = COALESCE($10, kernel_cmdline)
       WHERE id = $1 RETURNING ${COLS}`,
      [
        id,
        patch.name ?? null,
        patch.description ?? null,
        patch.memoryMb ?? null,
        patch.cpus ?? null,
        patch.osType ?? null,
        patch.displayType ?? null,
        patch.kernelPath ?? null,
        patch.initrdPath ?? null,
        patch.kernelCmdline ?? null,
      ],
    );
    return rows[0];
  },
  async setRuntime(db: Queryable, id: string, status: VmStatus, hostId: string | null): Promise<void> {
    await db.query('UPDATE vms SET status = $2, run_on_host_id = $3 WHERE id = $1', [id, status, hostId]);
  },
  async setStatus(db: Queryable, id: string, status: VmStatus): Promise<void> {
    await db.query('UPDATE vms SET status = $2 WHERE id = $1', [id, status]);
  },
  async setStats(db: Queryable, id: string, status: VmStatus, stats: Record<string, unknown>): Promise<void> {
    await db.query('UPDATE vms SET status = $2, stats = $3 WHERE id = $1', [id, status, json(stats)]);
  },
  /** Where each of `ids` is placed (VMs the engine does not know are absent): one query for a whole poll. */
  async placements(db: Queryable, ids: readonly string[]): Promise<Map<string, string | null>> {
    const rows = await db.query<{ id: string; runOnHostId: string | null }>(
      `SELECT id, run_on_host_id AS "runOnHostId" FROM vms
       WHERE id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))`,
      [json(ids)],
    );
    return new Map(rows.map((r) => [r.id, r.runOnHostId]));
  },
  /** One poll's statuses and stats documents in one statement. */
  async setStatsMany(
    db: Queryable,
    rows: readonly { id: string; status: VmStatus; stats: Record<string, unknown> }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await db.query(
      `UPDATE vms SET status = u.status, stats = u.stats
       FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, status text, stats jsonb) WHERE vms.id = u.id`,
      [json(rows)],
    );
  },
  /** A host stopped answering: its VMs are Unknown (kept, still placed on it) until it comes back. */
  async markUnknownOnHost(db: Queryable, hostId: string): Promise<number> {
    const rows = await db.query(
      `UPDATE vms SET status = 'Unknown' WHERE run_on_host_id = $1 AND status <> 'Down' RETURNING id`,
      [hostId],
    );
    return rows.length;
  },
  async remove(db: Queryable, id: string): Promise<boolean> {
    return deleteById(db, 'vms', id);
  },
  devices: (db: Queryable, vmId: string) =>
    db.query<VmDevice>(
      'SELECT id, vm_id AS "vmId", type, device, spec FROM vm_devices WHERE vm_id = $1 ORDER BY type',
      [vmId],
    ),
  async addDevice(db: Queryable, d: VmDevice): Promise<void> {
    await db.query('INSERT INTO vm_devices (id, vm_id, type, device, spec) VALUES ($1, $2, $3, $4, $5)', [
      d.id,
      d.vmId,
      d.type,
      d.device,
      json(d.spec),
    ]);
  },
};
