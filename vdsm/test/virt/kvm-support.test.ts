import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { decideKvmSupport, probeKvm } from '../../src/virt/kvm-support.js';

async function fakeRoot(
  t: { teardown(fn: () => unknown): void },
  o: { kvm?: boolean; modules?: string[]; flags?: string },
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kvm-probe-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'dev'));
  await mkdir(join(root, 'proc'));
  if (o.kvm) await writeFile(join(root, 'dev/kvm'), '');
  for (const m of o.modules ?? []) await mkdir(join(root, 'sys/module', m), { recursive: true });
  await writeFile(join(root, 'proc/cpuinfo'), `processor\t: 0\nflags\t\t: fpu ${o.flags ?? ''} sse\n`);
  return root;
}

t.test('PVM-only /dev/kvm cannot run ordinary guests', async (t) => {
  const root = await fakeRoot(t, { kvm: true, modules: ['kvm', 'kvm_pvm'] });
  const probe = await probeKvm({ root, arch: 'x64' });
  t.equal(probe.usable, false);
  t.match(probe.reason, /kvm_pvm only/);
  t.equal(decideKvmSupport('auto', probe).useTcg, true, 'auto falls back to TCG');
  t.equal(decideKvmSupport('false', probe).useTcg, false, 'false keeps kvm');
});

t.test('a hardware KVM host keeps kvm', async (t) => {
  const root = await fakeRoot(t, { kvm: true, modules: ['kvm', 'kvm_intel'], flags: 'vmx' });
  const probe = await probeKvm({ root, arch: 'x64' });
  t.same(probe, { usable: true, reason: '/dev/kvm is served by kvm_intel' });
  t.equal(decideKvmSupport('auto', probe).useTcg, false);
  t.equal(decideKvmSupport('true', probe).useTcg, true, 'true forces TCG');
});

t.test('no /dev/kvm, or no vendor module', async (t) => {
  t.match((await probeKvm({ root: await fakeRoot(t, {}), arch: 'x64' })).reason, /does not exist/);
  const noModule = await probeKvm({
    root: await fakeRoot(t, { kvm: true, modules: ['kvm'], flags: 'svm' }),
    arch: 'x64',
  });
  t.same(noModule, { usable: false, reason: 'no KVM vendor module (kvm_intel/kvm_amd) is loaded' });
  t.equal((await probeKvm({ root: await fakeRoot(t, { kvm: true }), arch: 'arm64' })).usable, true);
});

t.test('this machine is probed without error', async (t) => {
  const probe = await probeKvm();
  t.type(probe.usable, 'boolean');
  t.type(probe.reason, 'string');
});
