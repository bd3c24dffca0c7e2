/** What ships next to the bundle: the systemd unit (checked by systemd-analyze) and the udev rule. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { DEFAULT_DEVICE, LEGACY_DEVICE } from '../src/agent/config.js';
import { run, which } from '../src/agent/exec.js';
import { AGENT_BUNDLE } from './helpers/host-side.js';

const UNIT = fileURLToPath(new URL('../../../systemd/ovirt-guest-agent.service', import.meta.url));
const RULES = fileURLToPath(new URL('../../dist-files/99-ovirt-guest-agent.rules', import.meta.url));

t.test('the udev rule starts the service for both port names', async (t) => {
  const rules = (await readFile(RULES, 'utf8')).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  for (const device of [DEFAULT_DEVICE, LEGACY_DEVICE]) {
    const rule = rules.find((r) => r.includes(`ATTR{name}=="${basename(device)}"`));
    t.ok(rule, `a rule for ${basename(device)}`);
    t.match(rule, /SUBSYSTEM=="virtio-ports"/);
    t.match(rule, /TAG\+="systemd"/);
    t.match(rule, /ENV\{SYSTEMD_WANTS\}\+="ovirt-guest-agent\.service"/);
  }
});

t.test('the unit runs the bundle and passes systemd-analyze verify', async (t) => {
  const unit = await readFile(UNIT, 'utf8');
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
  t.equal(basename(exec[1] ?? ''), basename(AGENT_BUNDLE), 'ExecStart runs the bundled agent');
  const analyze = await which('systemd-analyze');
  if (analyze === undefined) {
    if (process.env.CI === 'true') t.fail('systemd-analyze is missing (package systemd)');
    else t.comment('systemd-analyze not installed: verify skipped');
    return;
  }
  // Verify a copy whose ExecStart names programs that exist here.
  const dir = await tempDir(t, 'ga-test-');
  await mkdir(join(dir, 'units'));
  const copy = join(dir, 'units', 'ovirt-guest-agent.service');
  await writeFile(copy, unit.replace(`${exec[0]} ${exec[1]}`, `${process.execPath} ${AGENT_BUNDLE}`));
  const res = await run([analyze, 'verify', copy], { timeoutMs: 60_000 });
  t.equal(res.exitCode, 0, `systemd-analyze verify: ${res.stderr.trim() || 'clean'}`);
  t.notMatch(res.stderr, /ovirt-guest-agent\.service/, 'no complaint about the unit');
});
