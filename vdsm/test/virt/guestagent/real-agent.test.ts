/**
 * GuestAgentChannel against the real agent process (@vdsm-ts/guest-agent), joined the way QEMU joins the host
 * socket and the guest's virtio port: negotiation to API 3, v2 data after it, getStats fields from this machine,
 * echo, shutdown reaching the agent's power program, and re-negotiation when the agent restarts.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { GuestAgentChannel } from '../../../src/virt/guestagent/index.js';
import { ChannelRelay, capturedLogging } from './helpers.js';

const AGENT = fileURLToPath(import.meta.resolve('@vdsm-ts/guest-agent/bin/ovirt-guest-agent'));

function startAgent(device: string, powerProgram: string, hooksDir: string): ChildProcess {
  const flags: Record<string, string> = {
    device,
    'heart-beat-rate': '0.2',
    'report-user-rate': '0.5',
    'report-num-cpu-rate': '1',
    'report-application-rate': '60',
    'report-disk-usage': '60',
    shutdown: powerProgram,
    'lock-screen': '/bin/false',
    'log-off': '/bin/false',
    hibernate: '/bin/false',
    'hooks-dir': hooksDir,
  };
  const args = ['--config', '/dev/null', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])];
  const child = spawn(process.execPath, [AGENT, ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  return child;
}

t.test('the real agent through a QEMU-like relay', async (t) => {
  const dir = await tempDir(t, 'vdsm-ga-');
  const relay = await ChannelRelay.listen(t, dir);
  const calls = join(dir, 'power.calls');
  const power = join(dir, 'power');
  await writeFile(
    power,
    `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(calls)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`,
  );
  await chmod(power, 0o755);
  const hooksDir = join(dir, 'hooks.d');
  const hookRan = join(dir, 'hook.ran');
  await mkdir(join(hooksDir, 'before_migration'), { recursive: true });
  await writeFile(join(hooksDir, 'before_migration', '10-record'), `#!/bin/sh\necho "$0" > ${hookRan}\n`);
  await chmod(join(hooksDir, 'before_migration', '10-record'), 0o755);

  const { logging } = capturedLogging();
  const ch = new GuestAgentChannel({
    vmId: 'real-agent',
    socketPath: relay.hostPath,
    logger: logging.get('virt.guestagent'),
    timing: { retryInitialMs: 20, retryMaxMs: 200 },
  });
  t.teardown(() => ch.stop());
  const versions: number[] = [];
  ch.on('apiVersion', (v) => versions.push(v));
  ch.start();
  const first = startAgent(relay.agentPath, power, hooksDir);

  const stats = await waitUntil(
    () => {
      const s = ch.stats();
      return s.guestOsInfo !== undefined && s.guestTimezone !== undefined && s.memoryStats !== undefined
        ? s
        : undefined;
    },
    { timeoutMs: 20_000, what: 'os-info and timezone (API 2+) from the agent' },
  );
  t.same(versions, [3], 'negotiated API 3');
  t.equal(ch.guestStatus(), 'Up');
  t.equal(stats.guestOs, release(), 'guestOs is the kernel release');
  t.ok(typeof stats.guestName === 'string' && (stats.guestName as string).startsWith(hostname()), 'guestName');
  t.equal((stats.guestOsInfo as Record<string, string>).kernel, release());
  const memTotal = /^MemTotal:\s+(\d+) kB/m.exec(await readFile('/proc/meminfo', 'utf8'))?.[1];
  t.equal((stats.memoryStats as Record<string, string>).mem_total, memTotal, 'mem_total is MemTotal in KiB, a string');
  t.ok(Array.isArray(stats.netIfaces), 'netIfaces');
  t.same(ch.counters.refused, {}, 'the agent sends nothing the host refuses');

  t.same(await ch.echo({ hello: 'agent' }), { hello: 'agent' }, 'echo round trip');
  t.equal(await ch.lifecycleEvent('before_migration'), true, 'before_migration completed by the agent');
  t.match(await readFile(hookRan, 'utf8'), /before_migration\/10-record/, 'after its hook ran');
  t.equal(await ch.shutdown({ delaySeconds: 90, message: 'Going down for maintenance', reboot: false }), true);
  const recorded = await waitUntil(
    async () => {
      const text = await readFile(calls, 'utf8').catch(() => '');
      return text === ''
        ? undefined
        : text
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as string[]);
    },
    { timeoutMs: 10_000, what: 'the agent to run its power program' },
  );
  t.same(recorded, [['-h', '+2', 'Going down for maintenance']], 'delay in whole minutes, rounded up, and the message');

  // A restarted agent offers 0 first and then 3: the host falls back and announces 3 again.
  first.kill('SIGKILL');
  startAgent(relay.agentPath, power, hooksDir);
  await waitUntil(() => versions.length >= 3, {
    timeoutMs: 20_000,
    what: 're-negotiation after the agent restarted',
  });
  t.same(versions, [3, 0, 3]);
  t.equal(ch.apiVersion, 3);
});
