import type { Socket } from 'node:net';
import { loadAddon } from '@vdsm-ts/native/addon';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { run } from './exec.js';

/** Who is on the other end of a connection (SO_PEERCRED), and whether supervdsmd serves them. */

export interface PeerCred {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

interface PeerCredAddon {
  peerCred(fd: number): PeerCred;
}

const addon = loadAddon<PeerCredAddon>('peercred');

/** The kernel's record of the connecting process; Node keeps the fd on the socket's libuv handle. */
export function peerCredOf(socket: Socket): PeerCred {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no file descriptor');
  return addon.peerCred(fd);
}

export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** Looks a user up through NSS (getent), as the rest of the system would. */
export async function lookupUser(name: string): Promise<Account> {
  const out = await run(['getent', 'passwd', name], { timeoutMs: 10_000 }).catch(() => {
    throw new SupervdsmError('NOT_AVAILABLE', `user ${JSON.stringify(name)} does not exist`);
  });
  const [, , uid, gid] = out.trim().split(':');
  return { name, uid: Number(uid), gid: Number(gid) };
}

export async function lookupGroup(name: string): Promise<number> {
  const out = await run(['getent', 'group', name], { timeoutMs: 10_000 }).catch(() => {
    throw new SupervdsmError('NOT_AVAILABLE', `group ${JSON.stringify(name)} does not exist`);
  });
  return Number(out.trim().split(':')[2]);
}

/**
 * Root and the vdsm user, and nobody else: the socket's mode keeps most processes out, this keeps out the
 * rest (other members of its group, processes that inherited a connected fd's address).
 */
export class PeerPolicy {
  constructor(private readonly vdsm: Account) {}

  allows(peer: PeerCred): boolean {
    return peer.uid === 0 || peer.uid === this.vdsm.uid;
  }

  describe(): string {
    return `root and ${this.vdsm.name} (uid ${this.vdsm.uid})`;
  }
}
