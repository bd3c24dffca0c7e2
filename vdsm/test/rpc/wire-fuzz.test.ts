/**
 * A short run of the wire fuzzer's traffic inside the suite, against an in-process server on the real API
 * endpoint: the server survives, keeps serving a well-behaved client between bursts, gives back every byte of the
 * body budget, and the traffic is varied enough to hit the paths it is meant to (closes, refusals, replies).
 * `npm run fuzz` runs the same generator at scale against a vdsmd process.
 */
import { connect, type Socket } from 'node:net';
import t from 'tap';
import { nextFrame, Rng } from '../../fuzz/wire-frames.js';
import { apiDispatcher } from '../api/api-dispatcher.js';
import { quietLogging, RawPeer, startTestServer, testConfig } from './helpers.js';

const FRAMES = Number(process.env.WIRE_FUZZ_FRAMES ?? 5000);

t.test(`${FRAMES} fuzz frames: no crash, the budget returns to zero, a good client is served throughout`, async (t) => {
  const api = apiDispatcher({ config: testConfig(), logging: quietLogging() });
  api.setReady(true);
  t.teardown(() => api.close());
  const { port, server } = await startTestServer(t, api);
  const good = await RawPeer.connect(port);
  t.teardown(() => good.destroy());
  good.write('SUBSCRIBE\ndestination:good-q\nack:auto\nid:g\n\n\0');
  const rng = new Rng(20261204);
  let socket: Socket | undefined;
  let closes = 0;
  let received = 0;
  for (let i = 0; i < FRAMES; i++) {
    if (socket === undefined || socket.destroyed || !socket.writable) {
      socket = connect({ port, host: '127.0.0.1' });
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => {
        received += d.length;
      });
      socket.on('close', () => {
        closes++;
      });
      await new Promise((r) => socket?.once('connect', r));
    }
    socket.write(nextFrame(rng, 'fuzz-q'));
    if (i % 500 === 499) {
      const id = `good-${i}`;
      good.write(
        `SEND\ndestination:jms.topic.vdsm_requests\nreply-to:good-q\n\n[{"jsonrpc":"2.0","method":"Host.ping2","params":{},"id":"${id}"}]\0`,
      );
      await good.waitForText(`"${id}"`, 10_000);
    } else if (i % 16 === 0) await new Promise((r) => setImmediate(r));
  }
  socket?.destroy();
  await new Promise((r) => setTimeout(r, 200));
  for (const deadline = Date.now() + 10_000; server.budget.inUse > 0 && Date.now() < deadline; )
    await new Promise((r) => setTimeout(r, 50));
  t.equal(server.budget.inUse, 0, 'every reserved body byte was given back');
  t.ok(closes > 10, `the server closed ${closes} fuzz connections`);
  t.ok(received > 0, `and answered ${received} bytes to them`);
  good.write(
    'SEND\ndestination:jms.topic.vdsm_requests\nreply-to:good-q\n\n[{"jsonrpc":"2.0","method":"Host.ping2","params":{},"id":"last"}]\0',
  );
  await good.waitForText('"last"');
});
