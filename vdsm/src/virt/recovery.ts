/**
 * Recovery after a vdsmd restart: every domain vdsm owns (it carries ovirt-vm metadata or the legacy agent channel)
 * is rebuilt from its live XML and metadata, without touching the guest. Exit info in the metadata means Down;
 * otherwise the libvirt state decides: running Up, paused Paused, shut off Down with the reason mapped from libvirt's
 * (a guest that died while vdsmd was down). A running or paused domain without either is an external VM (upstream
 * recovery.py `_is_external_vm`): reported like the others, its definition left alone; a shut-off one and guestfs
 * appliances are ignored.
 */

import type { Logger } from '@vdsm-ts/common/logging';
import {
  type DomainHandle,
  DomainState,
  type DomainStateInfo,
  type Hypervisor,
  StatsGroup,
} from '@vdsm-ts/native/libvirt/index';
import { type DomainDescription, describeDomain } from './domain-xml.js';
import { VmMetadata } from './metadata.js';
import { PausedReason, shutoffDown } from './vm/libvirt-events.js';
import type { SamplerHooks, VmLifecycle } from './vm/lifecycle.js';
import { downInfo, ExitCode, isExitReason } from './vm/status.js';
import type { Vm } from './vm/vm.js';

const GUESTFS_CHANNEL = 'org.libguestfs.channel.0';
const LEGACY_AGENT_CHANNEL = 'com.redhat.rhevm.vdsm';
/** Domains examined at once: each costs two or three libvirt calls. */
const CONCURRENCY = 8;

export interface RecoveryOptions {
  readonly hypervisor: Hypervisor;
  readonly lifecycle: VmLifecycle;
  readonly logger: Logger;
  readonly sampler?: SamplerHooks;
  readonly makeVm: (description: DomainDescription, metadata: VmMetadata, external: boolean) => Vm;
}

export async function recoverVms(o: RecoveryOptions): Promise<Vm[]> {
  const begun = performance.now();
  const domains = await o.hypervisor.listAllDomains(0);
  // Every domain's state in one call rather than one call per domain.
  const states = new Map<string, DomainStateInfo>();
  for (const record of await o.hypervisor.getAllDomainStats(StatsGroup.STATE, 0)) {
    const { state, reason } = record.state ?? {};
    if (state !== undefined) states.set(record.uuid.toLowerCase(), { state, reason: reason ?? 0 });
  }
  const recovered: Vm[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < domains.length) {
      const handle = domains[next++] as DomainHandle;
      try {
        const vm = await recoverDomain(handle, states.get(handle.uuid.toLowerCase()), o);
        if (vm !== undefined) recovered.push(vm);
      } catch (err) {
        o.logger.warn({ domain: handle.name, err }, 'cannot recover domain; leaving it alone');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, domains.length) }, worker));
  o.logger.info(
    { recovered: recovered.length, domains: domains.length, ms: Math.round(performance.now() - begun) },
    'VM recovery done',
  );
  return recovered;
}

/** One domain as recovery sees it (also for a domain started behind vdsmd's back): its VM, or undefined if ignored. */
export async function recoverDomain(
  handle: DomainHandle,
  known: DomainStateInfo | undefined,
  o: RecoveryOptions,
): Promise<Vm | undefined> {
  const description = describeDomain(await handle.getXMLDesc(0));
  if (description.channels.some((c) => c.name === GUESTFS_CHANNEL)) return undefined;
  const legacy = description.channels.some((c) => c.name === LEGACY_AGENT_CHANNEL);
  const external = description.metadata === undefined && !legacy;
  const metadata = description.metadata ?? VmMetadata.fromXml(undefined);
  const state = known ?? (await handle.getState());
  if (external) return recoverExternal(handle, description, metadata, state, o);
  const exitReason = metadata.getNumber('exitReason');
  const startTime = metadata.getNumber('startTime');
  if (exitReason !== undefined && isExitReason(exitReason)) {
    const vm = o.makeVm(description, metadata, false);
    vm.bindDomain(handle);
    vm.restoreDown(
      downInfo(
        metadata.getNumber('exitCode') === 1 ? ExitCode.ERROR : ExitCode.NORMAL,
        exitReason,
        metadata.getString('exitMessage'),
      ),
    );
    return vm;
  }
  const vm = o.makeVm(description, metadata, false);
  vm.bindDomain(handle);
  switch (state.state) {
    case DomainState.RUNNING:
    case DomainState.BLOCKED:
    case DomainState.SHUTDOWN:
      vm.recoveredRunning({ kind: 'running' }, startTime);
      break;
    case DomainState.PAUSED:
    case DomainState.PMSUSPENDED:
      vm.recoveredRunning(
        { kind: 'paused', pauseCode: state.reason === PausedReason.IOERROR ? 'EIO' : 'NOERR' },
        startTime,
      );
      break;
    default: {
      // Died (or was shut down) while vdsmd was away: Down with libvirt's reason, persisted like any Down.
      const info = shutoffDown(state.reason);
      vm.restoreDown(info);
      metadata.set('exitCode', info.exitCode);
      metadata.set('exitMessage', info.exitMessage);
      metadata.set('exitReason', info.exitReason);
      await o.lifecycle.writeMetadata(vm);
      return vm;
    }
  }
  if (startTime !== undefined) o.sampler?.setStartTime?.(vm.id, startTime * 1000);
  o.lifecycle.startAgent(vm);
  return vm;
}

/** An external domain: kept only while it runs or is paused (upstream ignores external VMs in a down state). */
function recoverExternal(
  handle: DomainHandle,
  description: DomainDescription,
  metadata: VmMetadata,
  state: DomainStateInfo,
  o: RecoveryOptions,
): Vm | undefined {
  let running: Parameters<Vm['recoveredRunning']>[0];
  switch (state.state) {
    case DomainState.RUNNING:
    case DomainState.BLOCKED:
    case DomainState.SHUTDOWN:
      running = { kind: 'running' };
      break;
    case DomainState.PAUSED:
    case DomainState.PMSUSPENDED:
      running = { kind: 'paused', pauseCode: state.reason === PausedReason.IOERROR ? 'EIO' : 'NOERR' };
      break;
    default:
      return undefined;
  }
  const vm = o.makeVm(description, metadata, true);
  vm.bindDomain(handle);
  vm.recoveredRunning(running, undefined);
  o.logger.info({ vmId: vm.id, name: description.name }, 'external VM recovered');
  return vm;
}
