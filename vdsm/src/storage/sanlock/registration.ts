/**
 * Our registration with the sanlock daemon: one unix-socket connection that stays open while we may hold leases.
 * sanlock ties leases acquired for our pid to it and frees them if the connection (or vdsmd) goes away. A kill path
 * makes sanlock signal us (SIGUSR2 by default) instead of killing vdsmd when it has to revoke a lease, so the SPM
 * role can be dropped at once.
 */
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';

const SM_MAGIC = 0x04282010;
const SM_PROTO = 0x00000001;
const SM_CMD_REGISTER = 1;
const SM_CMD_KILLPATH = 17;
const HEADER_SIZE = 32;
const HELPER_LEN = 128;
const SANLK_KILLPATH_PID = 0x1;

/** `data2` -1 means "the registered client on this connection" (commands that can also name another pid). */
function header(cmd: number, flags: number, dataLength: number, data2 = 0): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeUInt32LE(SM_MAGIC, 0);
  h.writeUInt32LE(SM_PROTO, 4);
  h.writeUInt32LE(cmd, 8);
  h.writeUInt32LE(flags, 12);
  h.writeUInt32LE(HEADER_SIZE + dataLength, 16);
  h.writeInt32LE(data2, 28);
  return h;
}

function fixed(text: string): Buffer {
  const b = Buffer.alloc(HELPER_LEN, 0);
  b.write(text.slice(0, HELPER_LEN - 1), 'latin1');
  return b;
}

export interface KillPath {
  readonly path: string;
  /** Space separated; sanlock appends our pid. */
  readonly args: string;
}

export class SanlockRegistration extends EventEmitter<{ closed: [] }> {
  private constructor(private readonly socket: Socket) {
    super();
    socket.on('error', () => {});
    socket.on('close', () => this.emit('closed'));
  }

  static async register(runDir: string | undefined, killPath?: KillPath): Promise<SanlockRegistration> {
    const path = join(runDir ?? '/run/sanlock', 'sanlock.sock');
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(header(SM_CMD_REGISTER, 0, 0));
    if (killPath !== undefined) {
      const reply = new Promise<number>((resolve, reject) => {
        socket.once('data', (data: Buffer) =>
          data.length >= HEADER_SIZE ? resolve(data.readInt32LE(24)) : reject(new Error('short sanlock reply')),
        );
        socket.once('close', () => reject(new Error('sanlock closed the registration')));
      });
      socket.write(
        Buffer.concat([
          header(SM_CMD_KILLPATH, SANLK_KILLPATH_PID, 2 * HELPER_LEN, -1),
          fixed(killPath.path),
          fixed(killPath.args),
        ]),
      );
      const rc = await reply;
      if (rc !== 0) {
        socket.destroy();
        throw new Error(`sanlock killpath failed: ${rc}`);
      }
    }
    return new SanlockRegistration(socket);
  }

  get open(): boolean {
    return !this.socket.destroyed;
  }

  close(): void {
    this.socket.destroy();
  }
}
