/**
 * supervdsm's systemd handlers where there is no systemd to talk to: bad params fail before any D-Bus traffic, and
 * a missing system bus, or a bus without systemd on it, is a clear NOT_AVAILABLE instead of a hang or a crash.
 * (Against a real systemd: services.test.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpContext } from '@vdsm-ts/supervdsm/ops/handler';
import { systemdHandlers as h } from '@vdsm-ts/supervdsm/ops/systemd';
import { execa } from 'execa';
import t from 'tap';

function context(timeoutMs = 10_000): OpContext {
  return { signal: AbortSignal.timeout(timeoutMs), timeoutMs, config: {} as never, log: {} as never };
}

async function withBus<T>(address: string, work: () => Promise<T>): Promise<T> {
  const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  process.env.DBUS_SYSTEM_BUS_ADDRESS = address;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
    else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
  }
}

const dir = await mkdtemp(join(tmpdir(), 'vdsm-ts-systemd-ops-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const NO_BUS = `unix:path=${join(dir, 'no-such-bus')}`;

t.test('bad params are INVALID_PARAMS before any D-Bus traffic', async (t) => {
  const bad: unknown[] = [
    undefined,
    {},
    { unit: '' },
    { unit: 42 },
    { unit: 'sshd' },
    { unit: '../etc/passwd.service' },
    { unit: 'a b.service' },
    { unit: 'x.service; reboot' },
    { unit: `${'a'.repeat(300)}.service` },
    { unit: 'ok.service', extra: true },
    'ok.service',
  ];
  await withBus(NO_BUS, async () => {
    for (const params of bad) {
      for (const op of ['systemdStart', 'systemdStop', 'systemdRestart', 'systemdStatus'] as const) {
        await t.rejects(h[op](params, context()), { code: 'INVALID_PARAMS' }, `${op}(${JSON.stringify(params)})`);
      }
    }
    await t.rejects(h.systemdReload({ unit: 'x.service' }, context()), { code: 'INVALID_PARAMS' });
  });
});

t.test('no system bus: NOT_AVAILABLE naming the socket', async (t) => {
  await withBus(NO_BUS, async () => {
    for (const op of ['systemdStart', 'systemdStop', 'systemdRestart', 'systemdStatus'] as const) {
      await t.rejects(h[op]({ unit: 'vdsmd.service' }, context()), {
        code: 'NOT_AVAILABLE',
        message: /no system D-Bus to reach systemd: .*no-such-bus/,
      });
    }
    await t.rejects(h.systemdReload({}, context()), { code: 'NOT_AVAILABLE' });
  });
  await withBus('not-an-address', async () => {
    await t.rejects(h.systemdStatus({ unit: 'vdsmd.service' }, context()), {
      code: 'NOT_AVAILABLE',
      message: /bad system D-Bus address "not-an-address"/,
    });
  });
});

t.test('a bus with no systemd on it: NOT_AVAILABLE', async (t) => {
  const socket = join(dir, 'bus');
  // A real dbus-daemon with the session policy (open to its owner), on which nobody owns org.freedesktop.systemd1.
  const daemon = execa('dbus-daemon', ['--session', '--nofork', `--address=unix:path=${socket}`, '--print-address'], {
    timeout: 60_000,
    reject: false,
    buffer: false,
    stdin: 'ignore',
  });
  t.teardown(async () => {
    daemon.kill();
    await daemon;
  });
  await new Promise<void>((resolve, reject) => {
    daemon.stdout?.once('data', () => resolve());
    daemon.once('exit', () => reject(new Error('dbus-daemon exited')));
  });
  await withBus(`unix:path=${socket}`, async () => {
    await t.rejects(h.systemdStatus({ unit: 'vdsmd.service' }, context()), {
      code: 'NOT_AVAILABLE',
      message: /systemd is not running on the system bus/,
    });
    await t.rejects(h.systemdStart({ unit: 'vdsmd.service' }, context()), { code: 'NOT_AVAILABLE' });
  });
});

t.test('an operation whose time is up fails with TIMEOUT', async (t) => {
  const signal = AbortSignal.abort();
  await withBus(NO_BUS, async () => {
    await t.rejects(h.systemdStatus({ unit: 'vdsmd.service' }, { ...context(), signal }), { code: 'TIMEOUT' });
  });
});
