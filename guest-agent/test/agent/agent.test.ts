/**
 * The real agent process against a UNIX socket server playing vdsmd: the upstream exchange, the figures
 * checked against this machine, every command, hostile input and reconnects.
 */
import { chmod, mkdir, readdir, readFile, statfs, writeFile } from 'node:fs/promises';
import { hostname, machine, release } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { parseMeminfo } from '../../src/collectors/memory.js';
import { parseCpuList } from '../../src/collectors/system.js';
import { AgentProcess, fastFlags, HostSide, type Message, recorder } from '../helpers/host-side.js';

function utmpRecord(type: number, user: string): Buffer {
  const rec = Buffer.alloc(384);
  rec.writeInt32LE(type, 0);
  rec.write('pts/0', 8, 'utf8');
  rec.write(user, 44, 'utf8');
  return rec;
}

async function upNonLoopbackNics(): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir('/sys/class/net')) {
    const flags = Number.parseInt(await readFile(`/sys/class/net/${name}/flags`, 'utf8'), 16);
    if ((flags & 1) !== 0 && (flags & 8) === 0 && name !== 'docker0') out.push(name);
  }
  return out.sort();
}

t.test('start, refresh and API negotiation, with figures from this machine', async (t) => {
  const dir = await tempDir(t, 'ga-test-');
  const host = await HostSide.listen(t, dir);
  const agent = AgentProcess.start(t, fastFlags(host.path));
  await host.waitConnected();

  // Version 0 until negotiated: the start sequence and the first refresh carry no v2/v3 messages.
  const first = await host.waitFor('heartbeat');
  t.equal(first.apiVersion, 0, 'the first heartbeat offers version 0');
  // The start sequence, then the greeting's refresh (its disks-usage), all still at version 0.
  await host.waitFor('disks-usage');
  await host.waitFor('fqdn', { from: host.names().indexOf('disks-usage') });
  const before = host.names();
  for (const name of ['session-startup', 'host-name', 'os-version', 'network-interfaces', 'active-user', 'fqdn']) {
    t.ok(before.includes(name), `${name} sent at start`);
  }
  t.ok(before.includes('applications'), 'applications sent at start');
  t.notOk(before.includes('os-info') || before.includes('timezone') || before.includes('containers'), 'v2/v3 gated');
  const refreshAt = before.indexOf('session-startup', 1); // the greeting's refresh starts here
  t.ok(refreshAt > 0 && before.indexOf('disks-usage') > refreshAt, 'no disks-usage at start, only on refresh');

  const mark = host.messages.length;
  host.send({ __name__: 'api-version', apiVersion: 3 });
  const osInfo = await host.waitFor('os-info', { from: mark });
  const tz = await host.waitFor('timezone', { from: mark });
  await host.waitFor('containers', { from: mark });
  const later = await host.waitFor('heartbeat', { from: mark });
  t.equal(later.apiVersion, 3, 'later heartbeats offer version 3');
  await agent.waitLog(/API version updated \{"from":0,"to":3\}/);

  // Figures against this machine.
  const name = (await host.waitFor('host-name')).name as string;
  t.ok(name === hostname() || name.startsWith(`${hostname()}.`), `host-name ${name} is this host`);
  t.equal((await host.waitFor('os-version')).version, release());
  t.equal(osInfo.kernel, release());
  t.equal(osInfo.type, 'linux');
  t.equal(osInfo.arch, machine());
  const osRelease = await readFile('/etc/os-release', 'utf8');
  t.match(osRelease, new RegExp(`VERSION_ID="?${osInfo.version as string}"?`), 'os-info version is VERSION_ID');
  t.match(tz, { zone: /\S/, offset: Number });

  const hb = later;
  const mem = parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
  const stat = hb['memory-stat'] as Record<string, number>;
  t.equal(stat.mem_total, mem.get('MemTotal'), 'mem_total is MemTotal');
  t.equal(typeof hb['free-ram'], 'string', 'free-ram travels as a string');
  const freeNow = ((mem.get('MemFree') ?? 0) + (mem.get('Buffers') ?? 0) + (mem.get('Cached') ?? 0)) / 1024;
  const reported = Number(hb['free-ram']);
  t.ok(
    Math.abs(reported - freeNow) < Math.max(256, freeNow * 0.1),
    `free-ram ${reported} MiB ≈ ${freeNow.toFixed(0)} MiB`,
  );
  t.equal(Math.trunc((stat.mem_free ?? 0) / 1024), reported, 'free-ram is mem_free in MiB');
  for (const key of [
    'mem_unused',
    'mem_buffers',
    'mem_cached',
    'swap_in',
    'swap_out',
    'pageflt',
    'majflt',
    'swap_usage',
  ]) {
    t.ok(Number.isInteger(stat[key]) && (stat[key] ?? -1) >= 0, `memory-stat.${key} is a count`);
  }

  const nics = (await host.waitFor('network-interfaces')).interfaces as Array<Record<string, unknown>>;
  t.same(
    nics.map((n) => n.name),
    await upNonLoopbackNics(),
    'interfaces are the up, non-loopback ones',
  );
  for (const nic of nics) {
    t.equal(nic.hw, (await readFile(`/sys/class/net/${nic.name as string}/address`, 'utf8')).trim(), `${nic.name} MAC`);
  }

  const disks = (await host.waitFor('disks-usage')).disks as Array<Record<string, unknown>>;
  const root = disks.find((d) => d.path === '/');
  t.ok(root, 'the root filesystem is reported');
  const st = await statfs('/');
  t.equal(root?.total, st.bsize * st.blocks, 'root total matches statfs');
  t.ok(typeof root?.used === 'number' && root.used <= (root.total as number), 'root used within total');

  t.same(host.garbage, [], 'every line was a JSON object with a __name__');
  agent.kill('SIGTERM');
  t.match(await agent.waitExit(), { code: 0 });
  await host.waitFor('session-shutdown');
});

t.test('host commands', async (t) => {
  const dir = await tempDir(t, 'ga-test-');
  const power = await recorder(dir, 'power');
  const lock = await recorder(dir, 'lock');
  const logoff = await recorder(dir, 'logoff');
  const hibernate = await recorder(dir, 'hibernate');
  const hook = await recorder(dir, 'hook');
  await mkdir(join(dir, 'hooks', 'before_migration'), { recursive: true });
  await writeFile(join(dir, 'hooks', 'before_migration', '10-record'), `#!/bin/sh\nexec ${hook.path} "$0"\n`);
  await chmod(join(dir, 'hooks', 'before_migration', '10-record'), 0o755);
  await writeFile(join(dir, 'hooks', 'before_migration', '20-fail'), '#!/bin/sh\necho nope >&2\nexit 3\n');
  await chmod(join(dir, 'hooks', 'before_migration', '20-fail'), 0o755);
  const utmp = join(dir, 'utmp');
  await writeFile(utmp, Buffer.concat([utmpRecord(8, 'ghost'), utmpRecord(7, 'zoe'), utmpRecord(7, 'alice')]));

  const host = await HostSide.listen(t, dir);
  const agent = AgentProcess.start(
    t,
    fastFlags(host.path, {
      shutdown: power.path,
      'lock-screen': lock.path,
      'log-off': logoff.path,
      hibernate: hibernate.path,
      'hooks-dir': join(dir, 'hooks'),
      utmp,
    }),
  );
  await host.waitConnected();
  t.equal((await host.waitFor('active-user')).name, 'alice', 'active user from utmp (first by name)');
  host.send({ __name__: 'api-version', apiVersion: 3 });
  await host.waitFor('os-info');

  let mark = host.messages.length;
  host.send({ __name__: 'echo', text: 'héllo ✓', n: 1 });
  const echo = await host.waitFor('echo', { from: mark });
  t.same(echo, { __name__: 'echo', text: 'héllo ✓', n: 1 }, 'echo returns the arguments');

  host.send({ __name__: 'shutdown', timeout: 90, message: 'Bye now', reboot: 'False' });
  host.send({ __name__: 'shutdown', timeout: 0, message: 'Back soon', reboot: 'True' });
  // A JSON boolean is not "True": upstream treats it as a plain shutdown.
  host.send({ __name__: 'shutdown', reboot: true });
  await agent
    .waitLogCount(/(shutdown|reboot) (done|failed)/g, 3)
    .catch((err: Error) => t.fail(`${err.message}\n${agent.stderr}`));
  const calls = await power.calls();
  t.equal(calls.length, 3);
  t.same(
    calls.sort(),
    [
      ['-h', '+0', 'System is going down'],
      ['-h', '+2', 'Bye now'],
      ['-r', '+0', 'Back soon'],
    ].sort(),
    'shutdown -h|-r +MINUTES MESSAGE, minutes rounded up, upstream defaults',
  );

  host.send({ __name__: 'lock-screen' });
  host.send({ __name__: 'log-off' });
  host.send({ __name__: 'hibernate', state: 'mem' });
  await agent.waitLog(/lock-screen done/);
  await agent.waitLog(/log-off done/);
  await agent.waitLog(/hibernate done/);
  t.same(await lock.calls(), [[]]);
  t.same(await logoff.calls(), [['alice']], 'log-off names the active user');
  t.same(await hibernate.calls(), [['mem']]);

  mark = host.messages.length;
  host.send({ __name__: 'lifecycle-event', type: 'before_migration', reply_id: 'c0ffee-1' });
  t.same(await host.waitFor('completion', { from: mark }), {
    __name__: 'completion',
    reply_id: 'c0ffee-1',
    done: true,
  });
  t.equal((await hook.calls()).length, 1, 'the before_migration hook ran');
  await agent.waitLog(/hook before_migration failed .*20-fail.*exit 3: nope/);

  mark = host.messages.length;
  host.send({ __name__: 'set-number-of-cpus', count: 1 });
  const cpus = await host.waitFor('number-of-cpus', { from: mark });
  t.equal(cpus.count, parseCpuList(await readFile('/sys/devices/system/cpu/online', 'utf8')), 'online CPUs');

  host.send({ __name__: 'login', username: 'alice', password: 'secret' });
  await agent.waitLog(/command not implemented: login/);
  t.notMatch(agent.stderr, /secret/, 'the password never reaches the log');

  // refresh without apiVersion: an old host; versioning goes back to 0.
  host.send({ __name__: 'refresh' });
  await agent.waitLog(/disabling versioning/);
  mark = host.messages.length;
  host.send({ __name__: 'echo', barrier: 1 });
  await host.waitFor('echo', { from: mark });

  t.equal(agent.exit, undefined, 'still running');
  t.same(host.garbage, []);
});

t.test('hostile input is logged and ignored, never fatal', async (t) => {
  const dir = await tempDir(t, 'ga-test-');
  const host = await HostSide.listen(t, dir);
  const agent = AgentProcess.start(t, fastFlags(host.path, { 'max-line': '65536' }));
  await host.waitConnected();
  await host.waitFor('heartbeat');

  host.raw(Buffer.alloc(200_000, 0x61)); // an oversized line, in pieces
  host.raw(Buffer.alloc(100_000, 0x62));
  host.raw('tail of the long line\n');
  host.raw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a])); // invalid UTF-8
  host.raw(Buffer.from([0x00, 0x01, 0x02, 0x80, 0x0a])); // binary junk
  host.raw('{"__name__": "refr'); // half a line ...
  host.raw('esh", "apiVersion": "x"}\n'); // ... completed, with a bad argument
  host.raw('[1,2,3]\n"just a string"\nnull\n{}\n{"__name__": 5}\n\n   \n');
  host.raw('{"__name__": "frobnicate", "x": 1}\n');
  host.raw('{"__name__": "api-version", "apiVersion": "three"}\n');
  host.raw('{"__name__": "hibernate", "state": "sideways"}\n');
  host.raw('{"__name__": "lifecycle-event", "type": "teleport"}\n');
  host.raw('{"__name__": "login", "username": 1}\n');
  host.raw('{"__name__": "__proto__", "polluted": true}\n');
  host.raw('{not json}\n');
  const mark = host.messages.length;
  host.raw('{"__name__": "echo", "still": "alive"}\n');
  t.same(await host.waitFor('echo', { from: mark }), { __name__: 'echo', still: 'alive' }, 'the channel still works');
  // stderr and the socket are separate pipes: wait for all 18 refusals to be logged.
  await agent.waitLogCount(/ignored input from host/g, 18);

  for (const code of [
    'GA_ERR_LINE_TOO_LONG',
    'GA_ERR_BAD_UTF8',
    'GA_ERR_BAD_JSON',
    'GA_ERR_NOT_OBJECT',
    'GA_ERR_NO_NAME',
    'GA_ERR_UNKNOWN_NAME',
    'GA_ERR_BAD_ARGS',
    'GA_ERR_EMPTY_LINE',
  ]) {
    t.match(agent.stderr, new RegExp(`"code":"${code}"`), `${code} logged`);
  }
  t.equal(agent.exit, undefined, 'still running');
  agent.kill('SIGTERM');
  t.match(await agent.waitExit(), { code: 0 });
  const stopped = agent.stderr.match(/agent stopped (\{.*\})/);
  const counters = JSON.parse(stopped?.[1] ?? '{}').counters as { refused: Record<string, number> };
  t.equal(counters.refused.GA_ERR_LINE_TOO_LONG, 1, 'one oversized line');
  t.equal(counters.refused.GA_ERR_BAD_ARGS, 5, 'five commands with bad arguments');
  t.equal(counters.refused.GA_ERR_UNKNOWN_NAME, 2, 'two unknown names');
  t.equal(counters.refused.GA_ERR_NOT_OBJECT, 3, 'array, string and null');
});

t.test('reconnects when the host side goes away and comes back', async (t) => {
  const dir = await tempDir(t, 'ga-test-');
  const host = await HostSide.listen(t, dir);
  const agent = AgentProcess.start(t, fastFlags(host.path));
  await host.waitConnected();
  await host.waitFor('heartbeat');

  // The host drops the connection: the agent comes back, the host's refresh gets a fresh report.
  host.dropClient();
  await agent.waitLog(/channel disconnected/);
  let mark = host.messages.length;
  await host.waitConnected();
  t.equal(host.connections, 2);
  await host.waitFor('session-startup', { from: mark });
  await host.waitFor('host-name', { from: mark });
  await host.waitFor('heartbeat', { from: mark });

  // The host goes away entirely (nobody listening), then a new one appears at the same path.
  await host.close();
  await agent.waitLog(/channel socket error/);
  const host2 = await HostSide.listen(t, dir);
  mark = 0;
  await host2.waitConnected();
  await host2.waitFor('session-startup', { from: mark });
  const hb = await host2.waitFor('heartbeat');
  t.equal(hb.apiVersion, 3, 'version 0 is offered once per agent start, not per connection');
  t.equal(agent.exit, undefined, 'still running');
  t.same(host2.garbage, []);
});

t.test('waits for a channel that does not exist yet', async (t) => {
  const dir = await tempDir(t, 'ga-test-');
  const agent = AgentProcess.start(t, fastFlags(join(dir, 'channel.sock')));
  await agent.waitLog(/channel does not exist yet/);
  const host = await HostSide.listen(t, dir);
  await host.waitConnected();
  const names: Message[] = [await host.waitFor('session-startup'), await host.waitFor('heartbeat')];
  t.equal(names.length, 2);
});

t.test('bad flags and configuration stop the agent with a clear message', async (t) => {
  const dir = await tempDir(t, 'ga-test-');
  const bad = AgentProcess.start(t, ['--heart-beat-rate', 'soon', '--config', '/dev/null']);
  t.match(await bad.waitExit(), { code: 1 });
  t.match(bad.stderr, /configuration error: --heart-beat-rate: heart_beat_rate: expected seconds/);
  const conf = join(dir, 'agent.conf');
  await writeFile(conf, '[general]\nreport_user_rate = 10\nno_such_key = 1\n');
  const badFile = AgentProcess.start(t, ['--config', conf]);
  t.match(await badFile.waitExit(), { code: 1 });
  t.match(badFile.stderr, /agent\.conf:3: \[general\] no_such_key: unknown key/);
  const unknown = AgentProcess.start(t, ['--frobnicate']);
  t.match(await unknown.waitExit(), { code: 2 });
  const help = AgentProcess.start(t, ['--help']);
  t.match(await help.waitExit(), { code: 0 });
});

t.test('a burst of commands is coalesced and bounded', async (t) => {
  const dir = await tempDir(t, 'ga-test-');
  const lock = await recorder(dir, 'lock');
  const host = await HostSide.listen(t, dir);
  const agent = AgentProcess.start(t, fastFlags(host.path, { 'lock-screen': lock.path }));
  await host.waitConnected();
  host.send({ __name__: 'api-version', apiVersion: 3 }); // number-of-cpus, the barrier below, needs v1
  await host.waitFor('os-info');
  host.send({ __name__: 'set-number-of-cpus', count: 1 }); // FIFO behind every refresh queued so far
  await host.waitFor('number-of-cpus');

  const mark = host.messages.length;
  host.raw('{"__name__": "refresh", "apiVersion": 3}\n'.repeat(200));
  await agent.waitLogCount(/command received \{"name":"refresh"\}/g, 201);
  host.send({ __name__: 'set-number-of-cpus', count: 1 }); // queued behind every refresh
  const barrier = await host.waitFor('number-of-cpus', { from: mark });
  const upTo = host.messages.indexOf(barrier);
  const refreshes = host
    .names(mark)
    .slice(0, upTo - mark)
    .filter((n) => n === 'session-startup').length;
  t.ok(refreshes >= 1 && refreshes <= 2, `200 refresh commands ran ${refreshes} refreshes`);

  host.raw('{"__name__": "lock-screen"}\n'.repeat(100));
  const settled = await agent.waitLogCount(/lock-screen done|command dropped/g, 100);
  t.equal(settled, 100, 'every lock-screen either ran or was dropped');
  const ran = (agent.stderr.match(/lock-screen done/g) ?? []).length;
  t.ok(ran < 100 && ran >= 1, `${ran} ran, the rest were refused`);
  t.equal((await lock.calls()).length, ran, 'one program run per accepted command');
  t.equal(agent.exit, undefined, 'still running');
});
