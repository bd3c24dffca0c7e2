/**
 * Progress while an action waits for an entity's state: on a terminal one line rewritten in place (spinner, current
 * state, elapsed time); otherwise one line per state change, so logs stay readable.
 */
const FRAMES = ['|', '/', '-', '\\'];

export class Progress {
  private frame = 0;
  private last: string | undefined;
  private readonly started = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = out.isTTY === true;
  }

  update(state: string): void {
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.tty) {
      this.frame = (this.frame + 1) % FRAMES.length;
      this.out.write(`\r\x1b[K${FRAMES[this.frame]} ${this.label}: ${state} (${elapsed}s)`);
    } else if (state !== this.last) {
      this.out.write(`${this.label}: ${state} (${elapsed}s)\n`);
    }
    this.last = state;
  }

  done(state: string): void {
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.tty) this.out.write(`\r\x1b[K${this.label}: ${state} (${elapsed}s)\n`);
    else if (state !== this.last) this.out.write(`${this.label}: ${state} (${elapsed}s)\n`);
  }
}
