// The libsanlock binding against a real, private sanlock daemon (no watchdog, io_timeout 1): format by direct I/O
// (compared with what the sanlock command writes), join/inquire/leave a lockspace, acquire/inquire/read owners/release a lease
// for this process (registered on the daemon's socket), bad arguments and failures as rejected promises with
// sanlock's code, and the event loop free while add_lockspace waits.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSanlockDaemon } from '@vdsm-ts/testing/sanlock-daemon';
import t from 'tap';
import { SanlockLibrary, SanlockLibraryError, writeLockspace, writeResource } from '../src/sanlock.js';

const run = promisify(execFile);

/** Registers this process with the daemon (SM_CMD_REGISTER), as a lease holder must be; closed at teardown. */
async function register(runDir: string): Promise<() => void> {
  const socket = connect(join(runDir, 'sanlock.sock'));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0x04282010, 0); // SM_MAGIC
  header.writeUInt32LE(1, 4); // SM_PROTO
  header.writeUInt32LE(1, 8); // SM_CMD_REGISTER
  header.writeUInt32LE(32, 16);
  socket.write(header);
  socket.on('error', () => {});
  return () => socket.destroy();
}

const dir = await mkdtemp('/var/tmp/native-sanlock-');
await chmod(dir, 0o755);
const sanlock = await startSanlockDaemon(dir);
const runDir = sanlock.runDir;
const env = { ...process.env, SANLOCK_RUN_DIR: runDir, SANLOCK_PRIVILEGED: '0' };
t.teardown(async () => {
  await sanlock.stop().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const ids = join(dir, 'ids');
const leases = join(dir, 'leases');
await writeFile(ids, '');
await writeFile(leases, '');
const space = { name: 'NATIVE-LS', hostId: 1, path: ids, offset: 0 };
const sdm = { lockspace: 'NATIVE-LS', name: 'SDM', path: leases, offset: 1024 * 1024 };

t.test('one daemon per process: the first run directory is pinned', async (t) => {
  const lib = SanlockLibrary.for(runDir);
  t.ok(lib, 'bound to our daemon');
  t.equal(lib?.runDir, runDir);
  t.equal(SanlockLibrary.for(join(dir, 'other')), null, 'another daemon is not reachable through the library');
  t.ok(SanlockLibrary.for(runDir), 'the pinned one again');
});

t.test('format by direct I/O: byte for byte what `sanlock direct init` writes', async (t) => {
  await writeLockspace({ ...space, hostId: 0 }, 1);
  await writeResource(sdm);
  const cliIds = join(dir, 'cli-ids');
  const cliLeases = join(dir, 'cli-leases');
  await writeFile(cliIds, '');
  await writeFile(cliLeases, '');
  await run('sanlock', ['direct', 'init', '-s', `NATIVE-LS:0:${cliIds}:0`, '-o', '1'], { env });
  await run('sanlock', ['direct', 'init', '-r', `NATIVE-LS:SDM:${cliLeases}:${1024 * 1024}`, '-o', '1'], { env });
  t.ok((await readFile(ids)).equals(await readFile(cliIds)), 'delta lease area');
  t.ok((await readFile(leases)).equals(await readFile(cliLeases)), 'paxos lease');
  const leader = await run('sanlock', ['direct', 'read_leader', '-s', `NATIVE-LS:1:${ids}:0`], { env });
  t.match(leader.stdout, /^space_name NATIVE-LS$/m, 'read back by the sanlock command');
});

t.test('lockspace: join, inquire, list, lease, leave', async (t) => {
  const lib = SanlockLibrary.for(runDir)!;
  t.equal(await lib.hasLockspace(space), false, 'not joined yet');

  let ticks = 0;
  const ticker = setInterval(() => ticks++, 50);
  const started = Date.now();
  await lib.addLockspace(space, 1);
  clearInterval(ticker);
  const waitedMs = Date.now() - started;
  t.ok(
    ticks >= Math.floor(waitedMs / 50) / 2,
    `event loop ran during add_lockspace (${ticks} ticks in ${waitedMs} ms)`,
  );
  t.equal(await lib.hasLockspace(space), true, 'host id held');
  t.equal(await lib.hasLockspace({ ...space, hostId: 2 }), false, 'another host id is not ours');
  const listed = await lib.lockspaces();
  t.ok(
    listed.some((ls) => ls.name === 'NATIVE-LS' && ls.hostId === 1 && ls.path === ids && ls.offset === 0),
    'get_lockspaces lists it',
  );

  const unregister = await register(runDir);
  t.teardown(unregister);
  t.same(await lib.inquire(process.pid), [], 'no leases yet');
  await lib.acquire(sdm, process.pid);
  const held = await lib.inquire(process.pid);
  t.equal(held.length, 1);
  t.match(held[0], new RegExp(`^NATIVE-LS:SDM:${leases.replaceAll('/', '\\/')}:1048576:\\d+$`), 'inquire names it');
  const owners = await lib.readResourceOwners(sdm);
  t.ok(owners.lver >= 1, `lver ${owners.lver}`);
  t.equal(owners.owners.length, 1);
  t.equal(owners.owners[0]?.hostId, 1, 'owned by host 1');
  t.ok((owners.owners[0]?.timestamp ?? 0) > 0, 'with a live timestamp');
  const direct = await run('sanlock', ['direct', 'read_leader', '-r', `NATIVE-LS:SDM:${leases}:1048576`], { env });
  t.match(direct.stdout, new RegExp(`lver ${owners.lver}\\b`), 'the same lver as the leader record');

  const again = await lib.acquire(sdm, process.pid).catch((e: unknown) => e);
  t.type(again, SanlockLibraryError, 'acquiring a held lease again fails');
  t.ok((again as SanlockLibraryError).rc < 0);
  t.equal((again as SanlockLibraryError).call, 'acquire');

  await lib.release(sdm, process.pid);
  t.same(await lib.inquire(process.pid), [], 'released');
  const after = await lib.readResourceOwners(sdm);
  t.same(after.owners, [], 'no owner once released');
  t.equal(after.lver, owners.lver, 'lver kept');

  await lib.remLockspace(space);
  t.equal(await lib.hasLockspace(space), false, 'left');
});

t.test('bad arguments and failures reject with a code, the process lives on', async (t) => {
  const lib = SanlockLibrary.for(runDir)!;
  const rejects = async (p: Promise<unknown>, rc: number | null, what: string) => {
    const error = await p.then(
      () => null,
      (e: unknown) => e,
    );
    t.type(error, SanlockLibraryError, what);
    if (rc !== null) t.equal((error as SanlockLibraryError).rc, rc, `${what}: rc`);
    else t.ok((error as SanlockLibraryError).rc < 0, `${what}: rc ${(error as SanlockLibraryError).rc}`);
  };
  await rejects(lib.addLockspace({ ...space, name: 'x'.repeat(49) }, 1), -22, 'name too long');
  await rejects(lib.addLockspace({ ...space, path: '' }, 1), -22, 'empty path');
  await rejects(lib.acquire({ ...sdm, offset: -1 }, process.pid), -22, 'negative offset');
  await rejects(lib.acquire(sdm, 0), -22, 'pid 0');
  await rejects(lib.inquire(-5), -22, 'negative pid');
  await rejects(lib.acquire(sdm, process.pid), null, 'a lease in a lockspace we have not joined');
  await rejects(lib.remLockspace(space), null, 'leaving a lockspace we are not in');
  await rejects(writeResource({ ...sdm, path: join(dir, 'missing', 'leases') }), null, 'formatting a missing file');
  t.equal(await lib.hasLockspace(space), false, 'still answering');
});
