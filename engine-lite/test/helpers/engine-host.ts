/** A real vdsmd on a loopback port, added to an engine as a plain-TCP host: the setup most engine tests share. */
import type { EngineClient } from '../../src/sdk/client.js';
import type { Host, Ref } from '../../src/sdk/types.js';
import { startVdsmd, type Vdsmd } from './vdsmd.js';

/** Starts a vdsmd (pushed on `daemons`, which the caller's teardown stops) and adds it as host NAME of CLUSTER. */
export async function addPlainHost(
  api: EngineClient,
  daemons: Vdsmd[],
  name: string,
  cluster: Ref,
): Promise<{ host: Host; vdsmd: Vdsmd }> {
  const vdsmd = await startVdsmd();
  daemons.push(vdsmd);
  const host = await api.hosts.add({ name, address: '127.0.0.1', port: vdsmd.port, cluster, tls: false });
  return { host, vdsmd };
}
