/**
 * network-interfaces from inside a network namespace the test builds: a veth pair with IPv4 and IPv6
 * addresses, a bridge, a link left down. The agent runs there through `ip netns exec`, which also gives
 * it that namespace's /sys/class/net.
 */
import { tempNetns } from '@vdsm-ts/testing/netns';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { run, which } from '../../src/agent/exec.js';
import { AgentProcess, fastFlags, HostSide } from '../helpers/host-side.js';

const ip = await which('ip');
const canRun = process.getuid?.() === 0 && ip !== undefined;
if (!canRun) {
  if (process.env.CI === 'true') t.fail('needs root and iproute2 to build a network namespace');
  else t.plan(0, 'needs root and iproute2 to build a network namespace');
} else {
  t.test('interfaces, MACs and addresses inside a namespace', async (t) => {
    const ns = await tempNetns(t, 'ga-test');
    const sh = async (...argv: string[]): Promise<string> => {
      const res = await run([ip as string, ...argv], { timeoutMs: 10_000 });
      if (res.exitCode !== 0) throw new Error(`ip ${argv.join(' ')}: ${res.error ?? res.stderr}`);
      return res.stdout;
    };
    await sh('-n', ns, 'link', 'add', 'gaveth0', 'type', 'veth', 'peer', 'name', 'gaveth1');
    await sh('-n', ns, 'link', 'add', 'gabr0', 'type', 'bridge');
    await sh('-n', ns, 'link', 'add', 'gadown0', 'type', 'bridge');
    await sh('-n', ns, 'addr', 'add', '10.77.0.2/24', 'dev', 'gaveth0');
    await sh('-n', ns, 'addr', 'add', 'fd77::2/64', 'dev', 'gaveth0', 'nodad');
    await sh('-n', ns, 'addr', 'add', '10.78.0.1/24', 'dev', 'gabr0');
    for (const link of ['lo', 'gaveth0', 'gaveth1', 'gabr0']) await sh('-n', ns, 'link', 'set', link, 'up');
    const mac = JSON.parse(await sh('-j', '-n', ns, 'link', 'show', 'gaveth0'))[0].address as string;

    const dir = await tempDir(t, 'ga-test-');
    const host = await HostSide.listen(t, dir);
    const agent = AgentProcess.start(t, fastFlags(host.path), { wrap: [ip as string, 'netns', 'exec', ns] });
    await host.waitConnected();
    const msg = await host.waitFor('network-interfaces');
    const nics = msg.interfaces as Array<{ name: string; hw: string; inet: string[]; inet6: string[] }>;
    t.same(
      nics.map((n) => n.name),
      ['gabr0', 'gaveth0', 'gaveth1'],
      'up, non-loopback links only (not lo, not the link left down)',
    );
    const veth = nics.find((n) => n.name === 'gaveth0');
    t.equal(veth?.hw, mac, 'MAC as ip link shows it');
    t.same(veth?.inet, ['10.77.0.2']);
    t.ok(veth?.inet6.includes('fd77::2'), `IPv6 ${veth?.inet6.join(' ')}`);
    t.same(nics.find((n) => n.name === 'gabr0')?.inet, ['10.78.0.1']);
    t.same(nics.find((n) => n.name === 'gaveth1')?.inet, []);
    agent.kill('SIGTERM');
    t.match(await agent.waitExit(), { code: 0 });
  });
}
