/**
 * The project's own units under a real systemd (PID 1 of its own namespaces, see fixtures/systemd-ns.ts):
 * supervdsmd.service and vdsmd.service become active only through READY=1, vdsmd answers Host.ping2 and feeds the
 * watchdog, supervdsmd's systemd operations drive that systemd through the real supervdsm client, and
 * `systemctl stop` ends both cleanly.
 */

import { chown, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SupervdsmClient } from '@vdsm-ts/supervdsm-protocol/client';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { freeLoopbackPort } from '@vdsm-ts/testing/free-port';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import { VdsmClient } from '@vdsm-ts/vdsm/client/index';
import { execa } from 'execa';
import t from 'tap';
import { SystemdNamespace, systemdNamespaceUnavailable } from '../../src/fixtures/systemd-ns.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url)).replace(/\/$/, '');
const DAEMONS = ['supervdsmd.service', 'vdsmd.service'];

const unavailable = await systemdNamespaceUnavailable();
if (unavailable === undefined) {
  await serviceTests();
} else if (process.env.CI === 'true') {
  t.fail(`CI=true but a namespaced systemd cannot run here: ${unavailable}`);
} else {
  t.test('units under a namespaced systemd', { skip: unavailable }, () => {});
}

/** `systemctl show` properties of one unit as a record. */
async function show(ns: SystemdNamespace, unit: string, props: readonly string[]): Promise<Record<string, string>> {
  const res = await ns.systemctl(['show', unit, ...props.map((p) => `--property=${p}`)]);
  if (res.exitCode !== 0) throw new Error(`systemctl show ${unit}: ${res.stderr}`);
  return Object.fromEntries(
    res.stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

async function serviceTests(): Promise<void> {
  const ns = await SystemdNamespace.boot();
  t.teardown(() => ns.stop());
  t.comment(`namespaced systemd booted in ${ns.bootMs} ms (host PID ${ns.pid})`);

  const port = await freeLoopbackPort();
  const vdsmUid = Number((await execa('id', ['-u', 'vdsm'], { timeout: 5000 })).stdout.trim());
  const kvmGid = Number((await execa('getent', ['group', 'kvm'], { timeout: 5000 })).stdout.split(':')[2]);
  const repository = join(ns.base, 'data-center');
  await mkdir(repository);
  await chown(repository, vdsmUid, kvmGid);
  const config = join(ns.base, 'vdsm.conf');
  await writeFile(
    config,
    [
      '[vars]',
      'ssl = false',
      'libvirt_uri = test:///default',
      '[addresses]',
      'management_ip = 127.0.0.1',
      `management_port = ${port}`,
      '[irs]',
      `repository = ${ns.nsPath(repository)}`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const install = await execa(
    join(REPO, 'scripts/install-units'),
    [
      ...['--dest', join(ns.base, 'units'), '--node', process.execPath, '--config', ns.nsPath(config)],
      ...['--no-reload', ...DAEMONS],
    ],
    { timeout: 30_000, reject: false },
  );
  if (install.exitCode !== 0) throw new Error(`install-units: ${install.stderr}`);
  // A short watchdog so the test sees vdsmd's WATCHDOG=1 pings arrive (the unit ships 60 s).
  await ns.installDropIn('vdsmd.service', 'test-watchdog', '[Service]\nWatchdogSec=2s\n');
  // An ordering-only reference from the (always loaded) boot target keeps both units loaded after they stop, so
  // their exit status stays readable: systemd unloads unreferenced inactive units.
  await ns.installDropIn(ns.bootTarget, 'test-keep-loaded', `[Unit]\nBefore=${DAEMONS.join(' ')}\n`);
  await ns.systemctl(['daemon-reload']);

  const journals = async (): Promise<string> =>
    (await Promise.all(DAEMONS.map(async (u) => `--- ${u}\n${await ns.journal(u)}`))).join('\n');
  const socketPath = `/proc/${ns.pid}/root/run/vdsm/svdsm.sock`;

  await t.test('systemctl start vdsmd starts supervdsmd first; both are active only after READY=1', async (t) => {
    const started = performance.now();
    const res = await ns.systemctl(['start', 'vdsmd.service'], { timeoutMs: 90_000 });
    t.equal(res.exitCode, 0, `systemctl start vdsmd.service ${res.stderr}`);
    if (res.exitCode !== 0) t.comment(await journals());
    t.comment(`systemctl start vdsmd.service (with supervdsmd) took ${Math.round(performance.now() - started)} ms`);

    const props = ['Type', 'ActiveState', 'SubState', 'StatusText', 'MainPID', 'ExecMainPID', 'NRestarts'];
    const svdsm = await show(ns, 'supervdsmd.service', props);
    t.match(svdsm, { Type: 'notify', ActiveState: 'active', SubState: 'running', NRestarts: '0' });
    // STATUS= arrives in the same sd_notify message as READY=1: proof that the daemon itself said it was ready.
    t.equal(svdsm.StatusText, 'listening on /run/vdsm/svdsm.sock', 'supervdsmd notified READY with its socket');
    const vdsm = await show(ns, 'vdsmd.service', [...props, 'ActiveEnterTimestampMonotonic']);
    t.match(vdsm, { Type: 'notify', ActiveState: 'active', SubState: 'running', NRestarts: '0' });
    t.equal(vdsm.StatusText, `serving on 127.0.0.1:${port}`, 'vdsmd notified READY once serving');
    const order = await show(ns, 'supervdsmd.service', ['ActiveEnterTimestampMonotonic']);
    t.ok(
      Number(order.ActiveEnterTimestampMonotonic) <= Number(vdsm.ActiveEnterTimestampMonotonic),
      'supervdsmd was ready before vdsmd became active',
    );

    const user = await ns.run(['ps', '-o', 'user=,group=', '-p', String(vdsm.MainPID)]);
    t.same(user.stdout.trim().split(/\s+/), ['vdsm', 'kvm'], 'vdsmd runs as vdsm:kvm');
    const rootUser = await ns.run(['ps', '-o', 'user=', '-p', String(svdsm.MainPID)]);
    t.equal(rootUser.stdout.trim(), 'root', 'supervdsmd runs as root');

    const sock = await stat(socketPath);
    t.ok(sock.isSocket(), '/run/vdsm/svdsm.sock (RuntimeDirectory=vdsm) is a socket');
    t.equal(sock.uid, 0);
    t.equal(sock.gid, kvmGid, 'group kvm');
    t.equal(sock.mode & 0o777, 0o660);
  });

  await t.test('vdsmd answers Host.ping2 on its port', async (t) => {
    const client = await VdsmClient.connect({
      host: '127.0.0.1',
      port,
      tls: false,
      reconnect: false,
      timeoutMs: 10_000,
    });
    t.teardown(() => client.close());
    t.equal(await client.call('Host.ping2', {}), true);
  });

  await t.test('vdsmd feeds the watchdog', async (t) => {
    const stamp = async (): Promise<number> =>
      Number((await show(ns, 'vdsmd.service', ['WatchdogTimestampMonotonic'])).WatchdogTimestampMonotonic);
    const first = await waitUntil(async () => ((await stamp()) > 0 ? stamp() : undefined), {
      timeoutMs: 10_000,
      what: 'a first WATCHDOG=1',
      intervalMs: 50,
    });
    const next = await waitUntil(
      async () => {
        const now = await stamp();
        return now > first ? now : undefined;
      },
      { timeoutMs: 10_000, what: 'another WATCHDOG=1', intervalMs: 50 },
    );
    t.ok(next > first, `pings ${Math.round((next - first) / 1000)} ms apart with WatchdogSec=2s`);
    t.match(await show(ns, 'vdsmd.service', ['ActiveState', 'NRestarts']), { ActiveState: 'active', NRestarts: '0' });
  });

  await t.test("supervdsmd's systemd operations drive this systemd through the supervdsm client", async (t) => {
    const client = new SupervdsmClient({ socketPath, connectTimeoutMs: 10_000 });
    t.teardown(() => client.close());
    const ops = client.ops;

    await ns.installUnit('vdsm-ts-trivial.service', '[Service]\nExecStart=/bin/sleep infinity\n');
    await ns.installUnit('vdsm-ts-failing.service', "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'exit 3'\n");

    t.match(await ops.systemdStatus({ unit: 'vdsm-ts-trivial.service' }), {
      name: 'vdsm-ts-trivial.service',
      loadState: 'loaded',
      activeState: 'inactive',
      subState: 'dead',
      mainPid: 0,
    });

    t.equal(await ops.systemdStart({ unit: 'vdsm-ts-trivial.service' }), null);
    const running = await ops.systemdStatus({ unit: 'vdsm-ts-trivial.service' });
    t.match(running, { activeState: 'active', subState: 'running', loadState: 'loaded' });
    const shown = await show(ns, 'vdsm-ts-trivial.service', ['MainPID', 'ActiveState']);
    t.equal(running.mainPid, Number(shown.MainPID), 'mainPid is what systemctl reports');
    t.ok(running.mainPid > 0);

    t.equal(await ops.systemdRestart({ unit: 'vdsm-ts-trivial.service' }), null);
    const restarted = await ops.systemdStatus({ unit: 'vdsm-ts-trivial.service' });
    t.match(restarted, { activeState: 'active', subState: 'running' });
    t.not(restarted.mainPid, running.mainPid, 'restart started a new main process');

    // Reload, while the unit is running and so stays loaded: a changed unit file is "NeedDaemonReload" until then.
    await ns.installUnit('vdsm-ts-trivial.service', '[Service]\nExecStart=/bin/sleep 3600\n');
    t.equal((await show(ns, 'vdsm-ts-trivial.service', ['NeedDaemonReload'])).NeedDaemonReload, 'yes');
    t.equal(await ops.systemdReload({}), null);
    t.equal((await show(ns, 'vdsm-ts-trivial.service', ['NeedDaemonReload'])).NeedDaemonReload, 'no');
    t.match(await ops.systemdStatus({ unit: 'vdsm-ts-trivial.service' }), {
      activeState: 'active',
      loadState: 'loaded',
    });

    t.equal(await ops.systemdStop({ unit: 'vdsm-ts-trivial.service' }), null);
    t.match(await ops.systemdStatus({ unit: 'vdsm-ts-trivial.service' }), {
      activeState: 'inactive',
      subState: 'dead',
      mainPid: 0,
    });
    t.equal((await show(ns, 'vdsm-ts-trivial.service', ['ActiveState'])).ActiveState, 'inactive');

    const failed = await ops.systemdStart({ unit: 'vdsm-ts-failing.service' }).catch((e: unknown) => e);
    t.type(failed, SupervdsmError);
    t.match(failed, {
      code: 'COMMAND_FAILED',
      message: /start vdsm-ts-failing\.service: job failed \(unit failed\/failed, result exit-code, exit status 3\)/,
    });

    const unknown = await ops.systemdStart({ unit: 'vdsm-ts-nosuch.service' }).catch((e: unknown) => e);
    t.match(unknown, { code: 'INVALID_PARAMS', message: /Unit vdsm-ts-nosuch\.service not found/ });
    const unknownStop = await ops.systemdStop({ unit: 'vdsm-ts-nosuch.service' }).catch((e: unknown) => e);
    t.match(unknownStop, { code: 'INVALID_PARAMS', message: /vdsm-ts-nosuch\.service/ });
    t.match(await ops.systemdStatus({ unit: 'vdsm-ts-nosuch.service' }), {
      loadState: 'not-found',
      activeState: 'inactive',
    });

    const bad = await ops.systemdStart({ unit: '../../etc/passwd' }).catch((e: unknown) => e);
    t.match(bad, { code: 'INVALID_PARAMS', message: /not a valid systemd unit name/ });
    const extra = await ops.systemdStatus({ unit: 'dbus.service', x: 1 } as never).catch((e: unknown) => e);
    t.match(extra, { code: 'INVALID_PARAMS', message: /unknown parameter "x"/ });

    t.match(await ops.systemdStatus({ unit: 'dbus.service' }), { activeState: 'active', loadState: 'loaded' });
    t.match(await show(ns, 'supervdsmd.service', ['ActiveState', 'NRestarts']), {
      ActiveState: 'active',
      NRestarts: '0',
    });
  });

  await t.test('a job that outlives the operation timeout is cancelled and reported as TIMEOUT', async (t) => {
    // The daemon's limit is 90 s; the handler honours its context's signal, shown here with 300 ms.
    await ns.installUnit(
      'vdsm-ts-slow.service',
      '[Service]\nType=oneshot\nExecStart=/bin/sleep 30\nTimeoutStartSec=60\n',
    );
    const script = join(ns.base, 'slow-start.mjs');
    await writeFile(
      script,
      [
        `import { systemdHandlers } from ${JSON.stringify(join(REPO, 'supervdsm/dist/src/ops/systemd.js'))};`,
        'const signal = AbortSignal.timeout(300);',
        'const context = { signal, timeoutMs: 300, config: {}, log: console };',
        "const result = await systemdHandlers.systemdStart({ unit: 'vdsm-ts-slow.service' }, context)",
        '  .then(() => ({ ok: true }), (e) => ({ ok: false, code: e.code, message: e.message }));',
        'process.stdout.write(JSON.stringify(result));',
      ].join('\n'),
    );
    const res = await ns.run([process.execPath, ns.nsPath(script)], { timeoutMs: 30_000 });
    t.equal(res.exitCode, 0, res.stderr);
    t.match(JSON.parse(res.stdout || '{}'), { ok: false, code: 'TIMEOUT' });
    // Cancelling the job does not kill what already runs (as with systemctl): the start job is gone, the unit
    // never became active.
    const state = await waitUntil(
      async () => {
        const s = await show(ns, 'vdsm-ts-slow.service', ['ActiveState', 'Job']);
        return s.Job === '' ? s : undefined;
      },
      { timeoutMs: 10_000, what: 'the slow start job to be cancelled', intervalMs: 50 },
    );
    t.not(state.ActiveState, 'active', `no start job left, unit ${state.ActiveState}`);
  });

  await t.test(
    'a killed supervdsmd is restarted and serves again; vdsmd (Requires=) is restarted with it',
    async (t) => {
      const before = await show(ns, 'supervdsmd.service', ['MainPID', 'NRestarts']);
      const vdsmBefore = await show(ns, 'vdsmd.service', ['MainPID']);
      const kill = await ns.systemctl(['kill', '--signal=SIGKILL', '--kill-whom=main', 'supervdsmd.service']);
      t.equal(kill.exitCode, 0, kill.stderr);
      const after = await waitUntil(
        async () => {
          const s = await show(ns, 'supervdsmd.service', ['ActiveState', 'SubState', 'MainPID', 'NRestarts']);
          return s.ActiveState === 'active' && s.NRestarts === String(Number(before.NRestarts) + 1) ? s : undefined;
        },
        { timeoutMs: 20_000, what: 'supervdsmd to be restarted (RestartSec=2s)', intervalMs: 50 },
      );
      t.not(after.MainPID, before.MainPID, 'a new supervdsmd process');
      t.equal(after.SubState, 'running');
      const client = new SupervdsmClient({ socketPath, connectTimeoutMs: 10_000 });
      t.teardown(() => client.close());
      t.match(await client.ops.ping({}), { version: 1 }, 'the restarted daemon answers on the same socket path');
      // The restart job propagates along Requires=, as with upstream's units: vdsmd comes back after supervdsmd.
      const vdsm = await waitUntil(
        async () => {
          const s = await show(ns, 'vdsmd.service', ['ActiveState', 'MainPID']);
          return s.ActiveState === 'active' ? s : undefined;
        },
        { timeoutMs: 30_000, what: 'vdsmd to be active again', intervalMs: 50 },
      );
      t.not(vdsm.MainPID, vdsmBefore.MainPID, 'vdsmd was restarted');
      const vdsmClient = await VdsmClient.connect({ host: '127.0.0.1', port, tls: false, reconnect: false });
      t.teardown(() => vdsmClient.close());
      t.equal(await vdsmClient.call('Host.ping2', {}), true, 'the restarted vdsmd answers');
    },
  );

  await t.test('systemctl stop ends both daemons cleanly', async (t) => {
    const res = await ns.systemctl(['stop', 'vdsmd.service', 'supervdsmd.service'], { timeoutMs: 60_000 });
    t.equal(res.exitCode, 0, `systemctl stop: ${res.stderr}`);
    for (const unit of DAEMONS) {
      const s = await show(ns, unit, ['ActiveState', 'SubState', 'Result', 'ExecMainCode', 'ExecMainStatus']);
      t.match(s, { ActiveState: 'inactive', SubState: 'dead', Result: 'success' }, `${unit} stopped`);
      // CLD_EXITED (1) with status 0: the daemon exited by itself after SIGTERM, it was not killed.
      t.match(s, { ExecMainCode: '1', ExecMainStatus: '0' }, `${unit} exited with status 0`);
    }
    await t.rejects(stat(socketPath), { code: 'ENOENT' }, 'supervdsmd removed its socket');
  });
}
