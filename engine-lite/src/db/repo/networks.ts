import type { Queryable } from '../db.js';
import { insertedRow } from './rows.js';

export interface Network {
  id: string;
  name: string;
  dataCenterId: string;
  vlanId: number | null;
  mtu: number;
  vmNetwork: boolean;
}

const COLS = 'id, name, datacenter_id AS "dataCenterId", vlan_id AS "vlanId", mtu, vm_network AS "vmNetwork"';

export const networks = {
  listByDataCenter: (db: Queryable, dcId: string) =>
    db.query<Network>(`SELECT ${COLS} FROM networks WHERE datacenter_id = $1 ORDER BY name`, [dcId]),
  async insert(db: Queryable, n: Network): Promise<Network> {
    return insertedRow<Network>(
      db,
      `INSERT INTO networks (id, name, datacenter_id, vlan_id, mtu, vm_network) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING ${COLS}`,
      [n.id, n.name, n.dataCenterId, n.vlanId, n.mtu, n.vmNetwork],
    );
  },
};
