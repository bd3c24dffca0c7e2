import type { Queryable } from '../db.js';

export type Severity = 'normal' | 'warning' | 'error' | 'alert';

export interface AuditEvent {
  id: number;
  time: Date;
  severity: Severity;
  code: string;
  message: string;
  userId: string | null;
  hostId: string | null;
  vmId: string | null;
}

export interface NewEvent {
  severity: Severity;
  code: string;
  message: string;
  userId?: string | null;
  hostId?: string | null;
  vmId?: string | null;
  clusterId?: string | null;
  dataCenterId?: string | null;
}

export const events = {
  async add(db: Queryable, e: NewEvent): Promise<void> {
    await db.query(
      `INSERT INTO events (severity, code, message, user_id, host_id, vm_id, cluster_id, datacenter_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        e.severity,
        e.code,
        e.message,
        e.userId ?? null,
        e.hostId ?? null,
        e.vmId ?? null,
        e.clusterId ?? null,
        e.dataCenterId ?? null,
      ],
    );
  },
  /** Newest first; `after` = only events with a larger id. */
  list: (db: Queryable, limit: number, after = 0) =>
    db.query<AuditEvent>(
      `SELECT id, time, severity, code, message, user_id AS "userId", host_id AS "hostId", vm_id AS "vmId"
       FROM events WHERE id > $1 ORDER BY id DESC LIMIT $2`,
      [after, limit],
    ),
};
