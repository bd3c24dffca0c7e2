// Recovery racing libvirt events, on test:///default (the real libvirt library and its in-memory driver). The domain
// is stopped inside recovery, right after the one call that reads every domain's state, through a Proxy over the
// real connection: the interleaving is fixed, no timing decides it.

import { EventId, type Hypervisor, LifecycleEvent } from '@vdsm-ts/native/libvirt/index';
import { uuidOf } from '@vdsm-ts/testing/domain-xml';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { HypervisorConnection } from '../../src/virt/hypervisor-connection.js';
import type { KvmSupport } from '../../src/virt/kvm-support.js';
import { type ManagedHypervisor, VmManager } from '../../src/virt/vm-manager.js';
import { engineVmXml, silentLogger } from './helpers.js';

const KVM: KvmSupport = { usable: false, reason: 'test', useTcg: true, setting: 'auto' };

function manager(hypervisor: ManagedHypervisor): VmManager {
  return new VmManager({ hypervisor, logger: silentLogger(), kvm: KVM, publish: () => undefined });
}

/** The connection, with `afterStates` run once the bulk state read has answered and before recovery sees it. */
function stallingStateRead(hv: HypervisorConnection, afterStates: () => Promise<void>): ManagedHypervisor {
  return new Proxy(hv, {
    get(target, prop) {
      if (prop === 'getAllDomainStats') {
        return async (...args: Parameters<Hypervisor['getAllDomainStats']>) => {
          const records = await target.getAllDomainStats(...args);
          await afterStates();
          return records;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

t.test('a domain that stops during recovery, after its state was read, is Down once recovery ends', async (t) => {
  const hypervisor = new HypervisorConnection({ uri: 'test:///default', logger: silentLogger() });
  await hypervisor.connect();
  t.teardown(() => hypervisor.close());
  const first = manager(hypervisor);
  await first.start();
  const xml = engineVmXml({ name: 'race-stop' });
  const id = uuidOf(xml);
  await first.create(id, { xml });
  await waitUntil(() => first.get(id).internalStatus === 'Up', { timeoutMs: 10_000, what: 'Up' });
  await first.stop();

  let stoppedMidRecovery = false;
  const restarted = manager(
    stallingStateRead(hypervisor, async () => {
      // Registered after the manager's, so libvirt calls this one second and both go through one ordered queue: when
      // it hears STOPPED, the manager has had it. (libvirt takes one callback per event per connection unless it is
      // bound to a domain, hence the domain.)
      const domain = await hypervisor.lookupByUUID(id);
      let stopped = false;
      const sub = await hypervisor.subscribe(
        EventId.LIFECYCLE,
        (e) => {
          if (e.event === LifecycleEvent.STOPPED) stopped = true;
        },
        domain,
      );
      await domain.destroy();
      await waitUntil(() => stopped, { timeoutMs: 10_000, intervalMs: 5, what: 'STOPPED delivered' });
      await sub.unsubscribe();
      stoppedMidRecovery = true;
    }),
  );
  await restarted.start();
  t.teardown(() => restarted.stop());
  t.ok(stoppedMidRecovery, 'the domain stopped between the state read and the end of recovery');
  t.equal((await (await hypervisor.lookupByUUID(id)).getState()).state, 5, 'libvirt: shut off');
  t.equal(restarted.get(id).internalStatus, 'Down', 'the STOPPED event that arrived during recovery was applied');
  t.match(restarted.stats(id), { status: 'Down', exitCode: 1 }, 'an unexpected stop, as when vdsmd sees it live');
  await restarted.destroy(id, 1);
});
