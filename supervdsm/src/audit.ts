import type { Logger } from '@vdsm-ts/common/logging';
import type { PeerCred } from './peer.js';

/** One line per privileged action: who asked, what, with which params, and how it ended. */
export interface AuditRecord {
  readonly op: string;
  readonly params: unknown;
  readonly peer: PeerCred;
  readonly outcome: 'ok' | 'error';
  readonly code?: string;
  readonly message?: string;
  readonly durationMs: number;
}

export class Audit {
  constructor(private readonly log: Logger) {}

  record(entry: AuditRecord): void {
    const line = { audit: true, ...entry };
    if (entry.outcome === 'ok') this.log.info(line, `${entry.op} by uid ${entry.peer.uid}: ok`);
    else this.log.warn(line, `${entry.op} by uid ${entry.peer.uid}: ${entry.code}`);
  }

  refused(peer: PeerCred, reason: string): void {
    this.log.warn({ audit: true, refused: true, peer }, `connection refused: ${reason}`);
  }
}
