import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

/**
 * Admission of new connections on the API port, decided when the TCP connection arrives (before TLS and
 * protocol detection, which already hold a descriptor):
 *  1. a peer (remote address) holding `maxPerPeer` connections is refused;
 *  2. at `maxTotal`, a peer holding fewer than `GUARANTEED_PER_PEER` connections still gets in: the least
 *     recently active connection of the peer holding the most is evicted for it. One peer flooding the port
 *     cannot lock out an engine that holds one or two connections;
 *  3. otherwise, at `maxTotal`, the connection is refused.
 * `maxTotal` is also kept below the descriptor limit (RLIMIT_NOFILE) with room for everything else vdsmd opens.
 */

/** Connections of a peer that never lose to a flood from elsewhere. */
export const GUARANTEED_PER_PEER = 8;
/** Descriptors left for libvirt, storage, logs and supervdsm when capping the connection total. */
export const DESCRIPTOR_RESERVE = 512;

export interface AdmissionLimits {
  readonly maxTotal: number;
  readonly maxPerPeer: number;
}

/** One admitted connection; the transport that takes it over says how active it is and how to evict it. */
export class Admitted {
  /** Last input time (ms since the epoch); the accept time until a transport attaches. */
  lastInput: () => number;
  /** Closes the connection to make room, with `text` as the reason where the protocol allows one. */
  evict: (text: string) => void;

  constructor(
    readonly peer: string,
    readonly socket: Socket,
  ) {
    const accepted = Date.now();
    this.lastInput = () => accepted;
    this.evict = () => socket.destroy();
  }
}

export type Admission =
  | { readonly admitted: Admitted; readonly evicted?: Admitted }
  | { readonly refused: 'peer' | 'total' };

export const RefusalText = {
  peer: 'Too many connections from this address; closing',
  total: 'Too many connections to this host; closing',
  evicted: 'Connection closed to make room for another client',
} as const;

export class ConnectionAdmission {
  private readonly byPeer = new Map<string, Set<Admitted>>();
  private total = 0;
  readonly limits: AdmissionLimits;

  constructor(limits: AdmissionLimits, descriptorLimit = openFilesLimit()) {
    const cap = descriptorLimit === undefined ? limits.maxTotal : Math.max(1, descriptorLimit - DESCRIPTOR_RESERVE);
    this.limits = { maxTotal: Math.min(limits.maxTotal, cap), maxPerPeer: limits.maxPerPeer };
  }

  get size(): number {
    return this.total;
  }

  peerCount(peer: string): number {
    return this.byPeer.get(peer)?.size ?? 0;
  }

  admit(socket: Socket): Admission {
    const peer = peerAddress(socket);
    const mine = this.byPeer.get(peer)?.size ?? 0;
    if (mine >= this.limits.maxPerPeer) return { refused: 'peer' };
    let evicted: Admitted | undefined;
    if (this.total >= this.limits.maxTotal) {
      if (mine >= GUARANTEED_PER_PEER) return { refused: 'total' };
      evicted = this.victim(mine);
      if (evicted === undefined) return { refused: 'total' };
      this.remove(evicted);
      evicted.evict(RefusalText.evicted);
    }
    const admitted = new Admitted(peer, socket);
    let set = this.byPeer.get(peer);
    if (set === undefined) {
      set = new Set();
      this.byPeer.set(peer, set);
    }
    set.add(admitted);
    this.total++;
    socket.once('close', () => this.remove(admitted));
    return evicted === undefined ? { admitted } : { admitted, evicted };
  }

  /** The least recently active connection of the peer holding the most, if that peer holds more than `than` + 1. */
  private victim(than: number): Admitted | undefined {
    let biggest: Set<Admitted> | undefined;
    for (const set of this.byPeer.values()) if (biggest === undefined || set.size > biggest.size) biggest = set;
    if (biggest === undefined || biggest.size <= than + 1) return undefined;
    let idlest: Admitted | undefined;
    let oldest = Infinity;
    for (const a of biggest) {
      const t = a.lastInput();
      if (t < oldest) {
        oldest = t;
        idlest = a;
      }
    }
    return idlest;
  }

  private remove(admitted: Admitted): void {
    const set = this.byPeer.get(admitted.peer);
    if (set === undefined || !set.delete(admitted)) return;
    this.total--;
    if (set.size === 0) this.byPeer.delete(admitted.peer);
  }
}

/** The remote address, IPv4-mapped IPv6 folded to IPv4, so one host is one peer whatever the listener family. */
export function peerAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? '?';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The soft RLIMIT_NOFILE of this process, from /proc (Node has no getrlimit); undefined when unknown. */
export function openFilesLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (line === null || line[1] === 'unlimited') return undefined;
    return Number(line[1]);
  } catch {
    return undefined;
  }
}
