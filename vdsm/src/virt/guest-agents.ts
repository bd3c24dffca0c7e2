/**
 * The guest agent factories the VM layer is given: the oVirt guest agent's channel (its socket, its events turned
 * into VM refreshes and metadata) and the qemu-guest-agent poller (through libvirt).
 */
import type { Logger } from '@vdsm-ts/common/logging';
import { GuestAgentChannel, QemuGuestAgentPoller } from './guestagent/index.js';
import type { GuestAgentFactory, QemuGuestAgentFactory } from './vm/lifecycle.js';
import type { GuestAgent, QemuGuestAgent } from './vm/vm.js';

export function ovirtGuestAgentFactory(logger: Logger): GuestAgentFactory {
  return ({ vmId, socketPath, memSizeMiB, apiVersion, onChange, onApiVersion }): GuestAgent => {
    const channel = new GuestAgentChannel({ vmId, socketPath, logger, memSizeMiB, apiVersion });
    channel.on('message', onChange);
    channel.on('disconnected', onChange);
    channel.on('apiVersion', onApiVersion);
    return channel;
  };
}

export function qemuGuestAgentFactory(logger: Logger, intervalSeconds?: number): QemuGuestAgentFactory {
  return ({ vmId, domain }): QemuGuestAgent =>
    new QemuGuestAgentPoller({ vmId, domain, logger, ...(intervalSeconds === undefined ? {} : { intervalSeconds }) });
}
