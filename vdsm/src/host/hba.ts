/**
 * Host bus adapters (upstream storage/hba.py): the iSCSI initiator name of /etc/iscsi/initiatorname.iscsi and the
 * Fibre Channel ports of /sys/class/fc_host. A host without them reports empty lists, as upstream.
 */
import type { FcHba, HbaInventory } from '../schema/api-types.generated.js';
import { listDir, readText } from './procfs.js';

const INITIATOR_FILE = '/etc/iscsi/initiatorname.iscsi';
const FC_HOSTS = '/sys/class/fc_host';

/** The `InitiatorName=` value, or '' when open-iscsi is not configured (upstream's answer then). */
export async function iscsiInitiatorName(): Promise<string> {
  const text = await readText(INITIATOR_FILE);
  if (text === undefined) return '';
  return /^InitiatorName\s*=\s*(.*)$/m.exec(text)?.[1]?.trim() ?? '';
}

/** WWNs as sysfs prints them (`0x21000024ff3e5a10`) without the prefix and leading zeros, as upstream strips them. */
function wwn(text: string | undefined): string {
  return (text ?? '').trim().replace(/^[0x]+/, '');
}

/** The first name/description pair the driver exports (attribute names differ between FC drivers). */
async function modelOf(fcHost: string): Promise<string> {
  const dir = `${FC_HOSTS}/${fcHost}/device/scsi_host/${fcHost}`;
  for (const [name, desc] of [
    ['modelname', 'modeldesc'],
    ['model', 'model_description'],
    ['model_name', 'model_desc'],
  ] as const) {
    const [n, d] = await Promise.all([readText(`${dir}/${name}`), readText(`${dir}/${desc}`)]);
    if (n !== undefined && d !== undefined) return `${n.trim()} - ${d.trim()}`;
  }
  return 'Unknown - Unknown';
}

async function fcInitiators(): Promise<FcHba[]> {
  const hosts = (await listDir(FC_HOSTS)).filter((h) => h.startsWith('host')).sort();
  return Promise.all(
    hosts.map(async (host) => {
      const [port, node, model] = await Promise.all([
        readText(`${FC_HOSTS}/${host}/port_name`),
        readText(`${FC_HOSTS}/${host}/node_name`),
        modelOf(host),
      ]);
      return { wwpn: wwn(port), wwnn: wwn(node), model };
    }),
  );
}

export async function hbaInventory(): Promise<HbaInventory> {
  const [initiator, fc] = await Promise.all([iscsiInitiatorName(), fcInitiators()]);
  return { iSCSI: initiator === '' ? [] : [{ InitiatorName: initiator }], FC: fc };
}
