/**
 * vdsmd's sanlock session: the sanlock client (library or command) plus our registration with the daemon, made on first use. Leases
 * are acquired for our pid; if sanlock must revoke them it runs the kill path, which signals us (SIGUSR2) and the
 * listeners drop whatever role the leases gave.
 */
import { SanlockRegistration } from './registration.js';
import { Sanlock, type SanlockOptions } from './sanlock.js';

export const LEASE_REVOKE_SIGNAL = 'SIGUSR2';

export class SanlockSession {
  readonly client: Sanlock;
  private registration: Promise<SanlockRegistration> | null = null;
  private readonly revokeListeners = new Set<() => void>();
  private readonly onSignal = () => {
    for (const listener of this.revokeListeners) listener();
  };

  constructor(readonly options: SanlockOptions) {
    this.client = new Sanlock(options);
  }

  get pid(): number {
    return process.pid;
  }

  /** Registers with the daemon (once; again after the connection was lost). */
  async ensureRegistered(): Promise<void> {
    if (this.registration !== null) {
      const current = await this.registration.catch(() => null);
      if (current?.open === true) return;
    }
    this.registration = SanlockRegistration.register(this.options.runDir, { path: '/bin/kill', args: '-USR2' });
    const reg = await this.registration.catch((error: unknown) => {
      this.registration = null;
      throw error;
    });
    reg.once('closed', () => this.onSignal());
    // Kept while registered: sanlock may run the kill path more than once, and SIGUSR2 unhandled would end vdsmd.
    if (!this.signalInstalled) {
      process.on(LEASE_REVOKE_SIGNAL, this.onSignal);
      this.signalInstalled = true;
    }
  }

  private signalInstalled = false;

  /** Called when sanlock asks us to give leases up (kill path) or our registration is gone. */
  onRevoke(listener: () => void): () => void {
    this.revokeListeners.add(listener);
    return () => {
      this.revokeListeners.delete(listener);
    };
  }

  close(): void {
    if (this.signalInstalled) process.off(LEASE_REVOKE_SIGNAL, this.onSignal);
    this.signalInstalled = false;
    void this.registration?.then((r) => r.close()).catch(() => {});
    this.registration = null;
  }
}
