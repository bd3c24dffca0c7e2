/**
 * The character-device path (what runs in a real guest on /dev/virtio-ports/...): the agent opens a pty
 * that socat bridges to the test's host socket, and does the same exchange as over a socket.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@vdsm-ts/testing/temp-storage';
import t from 'tap';
import { which } from '../../src/agent/exec.js';
import { AgentProcess, fastFlags, HostSide } from '../helpers/host-side.js';

const socat = await which('socat');
if (socat === undefined) {
  if (process.env.CI === 'true') t.fail('socat is missing (scripts/setup-host installs it)');
  else t.plan(0, 'socat is not installed (scripts/setup-host installs it): no pty to stand in for the port');
} else {
  t.test('over a character device', async (t) => {
    const dir = await tempDir(t, 'ga-test-');
    const host = await HostSide.listen(t, dir);
    const port = join(dir, 'port');
    const startBridge = (): ChildProcess => {
      const bridge = spawn(socat, ['-d', `PTY,link=${port},rawer`, `UNIX-CONNECT:${host.path}`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      t.teardown(() => bridge.kill('SIGKILL'));
      return bridge;
    };
    const bridge = startBridge();
    await host.waitConnected();
    // socat creates the pty (and its link) before it connects to the host.
    const dev = await stat(port);
    t.ok(dev.isCharacterDevice(), `${port} is a character device`);

    const agent = AgentProcess.start(t, fastFlags(port));
    await agent.waitLog(/agent started .*"transport":"device"/);
    const hb = await host.waitFor('heartbeat');
    t.equal(hb.apiVersion, 0);
    // The host's greeting went out before the agent opened the pty, so refresh by hand.
    let mark = host.messages.length;
    host.send({ __name__: 'refresh', apiVersion: 3 });
    await host.waitFor('disks-usage', { from: mark });
    mark = host.messages.length;
    host.send({ __name__: 'api-version', apiVersion: 2 });
    await host.waitFor('os-info', { from: mark });
    await host.waitFor('timezone', { from: mark });
    mark = host.messages.length;
    host.raw(Buffer.from([0xff, 0x00, 0x0a]));
    host.send({ __name__: 'echo', over: 'pty' });
    t.same(await host.waitFor('echo', { from: mark }), { __name__: 'echo', over: 'pty' });
    t.match(agent.stderr, /GA_ERR_BAD_UTF8/);
    t.same(host.garbage, []);

    // The other end of the port goes away (the pty disappears) and a new one appears at the same path.
    bridge.kill('SIGTERM');
    await agent.waitLog(/channel read failed; reopening .*"code":"(HANGUP|EIO)"/);
    startBridge();
    await host.waitConnected();
    t.equal(host.connections, 2);
    mark = host.messages.length;
    host.send({ __name__: 'echo', over: 'the new pty' });
    t.same(await host.waitFor('echo', { from: mark }), { __name__: 'echo', over: 'the new pty' }, 'the agent reopened');
    agent.kill('SIGTERM');
    t.match(await agent.waitExit(), { code: 0 });
  });
}
