import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { execaNode } from 'execa';
import t, { type Test as Tap } from 'tap';
import { startDaemon } from './helpers.js';

const PING_AS = fileURLToPath(new URL('./fixtures/ping-as.js', import.meta.url));

function ids(db: 'passwd' | 'group', name: string): number {
  return Number(execFileSync('getent', [db, name]).toString().split(':')[2]);
}

async function pingAs(t: Tap, socket: string, uid: number, gid: number): Promise<Record<string, unknown>> {
  // No tap loaders in the child: they would write tap's process info as a user who may not.
  const r = await execaNode(PING_AS, [socket], {
    uid,
    gid,
    cwd: '/',
    nodeOptions: [],
    env: { NODE_OPTIONS: '' },
    timeout: 30_000,
    reject: false,
  });
  t.equal(r.exitCode, 0, `ping-as ran as ${uid}:${gid} ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

t.test('SO_PEERCRED decides who is served: root and vdsm yes, anybody else no', async (t) => {
  const d = await startDaemon(t);
  const kvm = ids('group', 'kvm');
  const vdsm = ids('passwd', 'vdsm');
  const nobody = ids('passwd', 'nobody');

  const asVdsm = await pingAs(t, d.socket, vdsm, kvm);
  t.match(asVdsm, { ok: true, result: { version: 1 } }, 'the vdsm user is served');

  // In the socket's group, so the file mode lets it connect: only the credential check stands in the way.
  const asNobodyInKvm = await pingAs(t, d.socket, nobody, kvm);
  t.match(asNobodyInKvm, { ok: false, code: 'PERMISSION_DENIED', message: /uid 65534 may not use supervdsm/ });
  await waitUntil(() => d.stderr().includes('connection refused'), {
    timeoutMs: 10_000,
    what: 'the refusal to be logged',
  });
  t.match(
    d.stderr(),
    /"refused":true.*"uid":65534.*connection refused: uid 65534 gid \d+ pid \d+ is not root and vdsm/,
  );

  // Outside the group the socket's mode (0660 root:kvm) refuses it before supervdsmd sees anything.
  const asNobody = await pingAs(t, d.socket, nobody, ids('group', 'nogroup'));
  t.match(asNobody, { ok: false, code: 'CONNECTION', message: /EACCES/ });

  const survivors = await pingAs(t, d.socket, vdsm, kvm);
  t.match(survivors, { ok: true }, 'the daemon keeps serving after refusals');
});
