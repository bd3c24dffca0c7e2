/**
 * The shipped artefact: dist/ovirt-guest-agent.cjs copied alone into an empty directory and run with a
 * bare `node` (no node_modules anywhere above it) against a host socket.
 */
import { copyFile, readFile, stat } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { AGENT_BUNDLE, AgentProcess, fastFlags, HostSide } from './helpers/host-side.js';

t.test('the bundle runs alone with a bare node', async (t) => {
  const exists = await stat(AGENT_BUNDLE).catch(() => undefined);
  if (exists === undefined) {
    t.fail(`${AGENT_BUNDLE} is missing: run \`npm run build\` (it bundles the agent after tsc)`);
    return;
  }
  const text = await readFile(AGENT_BUNDLE, 'utf8');
  const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1] ?? ''));
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  // systeminformation requires these only on macOS, inside a try.
  const macOnly = new Set(['osx-temperature-sensor', 'macos-temperature-sensor']);
  const foreign = [...required].filter((m) => !builtins.has(m) && !macOnly.has(m));
  t.same(foreign, [], 'the bundle requires only Node built-ins');

  const dir = await tempDir(t, 'ga-bundle-');
  const script = join(dir, 'ovirt-guest-agent.cjs');
  await copyFile(AGENT_BUNDLE, script);
  const host = await HostSide.listen(t, dir);
  const agent = AgentProcess.start(t, fastFlags(host.path), {
    script,
    cwd: dir,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
  });
  await host.waitConnected();
  t.equal((await host.waitFor('heartbeat')).apiVersion, 0);
  const mark = host.messages.length;
  host.send({ __name__: 'api-version', apiVersion: 3 });
  const osInfo = await host.waitFor('os-info', { from: mark });
  t.equal(osInfo.type, 'linux', 'os-info through the bundled systeminformation');
  t.ok((osInfo.distribution as string).length > 0, `distribution ${osInfo.distribution}`);
  await host.waitFor('applications');
  agent.kill('SIGTERM');
  t.match(await agent.waitExit(), { code: 0 });

  const help = AgentProcess.start(t, ['--help'], { script, cwd: dir, env: { PATH: '/usr/bin:/bin' } });
  t.match(await help.waitExit(), { code: 0 });
});
