/** The host side of the guest agent channels: oVirt guest agent over its own socket, qemu-guest-agent via libvirt. */
export {
  type ChannelCounters,
  type ChannelTiming,
  DEFAULT_CHANNEL_TIMING,
  GuestAgentChannel,
  type GuestAgentChannelEvents,
  type GuestAgentChannelOptions,
  type ShutdownRequest,
} from './channel.js';
export type { GuestDiskUsage, GuestMemoryStats, GuestNetIface, GuestSession, GuestTimezone } from './guest-info.js';

/** Where libvirt binds a VM's channel sockets (upstream P_LIBVIRT_VMCHANNELS). */
export const LIBVIRT_CHANNELS_DIR = '/var/lib/libvirt/qemu/channels';
export const OVIRT_GUEST_AGENT_PORT = 'ovirt-guest-agent.0';
export const LEGACY_GUEST_AGENT_PORT = 'com.redhat.rhevm.vdsm';

/** The upstream socket path of a VM's oVirt guest agent channel. */
export function guestAgentSocketPath(vmId: string, port: string = OVIRT_GUEST_AGENT_PORT): string {
  return `${LIBVIRT_CHANNELS_DIR}/${vmId}.${port}`;
}
export {
  DEFAULT_QGA_PERIODS,
  QemuGuestAgentPoller,
  type QemuGuestAgentPollerOptions,
  type QgaPeriods,
} from './qga-poller.js';
