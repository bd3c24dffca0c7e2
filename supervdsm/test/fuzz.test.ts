// Property tests of supervdsm's framing, and a bounded run of the fuzzer (../fuzz/) against a live supervdsmd.
import { encodeFrame, FrameDecoder, FrameTooLargeError } from '@vdsm-ts/supervdsm-protocol/protocol';
import fc from 'fast-check';
import t from 'tap';
import { runFuzz, startFuzzDaemon } from '../fuzz/fuzz.js';
import { clientFor } from './helpers.js';

// Bounded in CI; a local run may ask for more with FUZZ_RUNS.
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

t.test('framing: any bodies, cut anywhere, decode to the same bodies', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (bodies, cuts) => {
        const stream = Buffer.concat(
          bodies.map((b) => {
            const header = Buffer.alloc(4);
            header.writeUInt32BE(b.length);
            return Buffer.concat([header, Buffer.from(b)]);
          }),
        );
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder(1024);
        const out: Buffer[] = [];
        let from = 0;
        for (const p of [...points, stream.length]) {
          out.push(...decoder.push(stream.subarray(from, p)));
          from = p;
        }
        return out.length === bodies.length && out.every((b, i) => b.equals(Buffer.from(bodies[i] as Uint8Array)));
      },
    ),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} runs`);
});

t.test('framing: arbitrary bytes give frames or FrameTooLargeError, nothing else', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (chunks) => {
      const decoder = new FrameDecoder(256);
      try {
        for (const c of chunks) for (const body of decoder.push(Buffer.from(c))) if (body.length > 256) return false;
        return true;
      } catch (err) {
        return err instanceof FrameTooLargeError && err.length > 256;
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} runs`);
});

t.test('framing: encodeFrame round-trips any JSON value', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.nat(), (result, id) => {
      const [body] = new FrameDecoder(1 << 20).push(encodeFrame({ id, ok: true, result }));
      return (
        body !== undefined && JSON.stringify(JSON.parse(body.toString())) === JSON.stringify({ id, ok: true, result })
      );
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} runs`);
});

t.test('hostile probes against a live supervdsmd: no crash, no hang, nothing hostile accepted', async (t) => {
  const daemon = await startFuzzDaemon();
  t.teardown(() => daemon.stop());
  const seed = Number(process.env.FUZZ_SEED ?? 20261204);
  const report = await runFuzz({ requests: RUNS * 2, seed, daemon });
  t.comment(JSON.stringify(report));
  t.equal(report.crashes, 0, 'the daemon is alive');
  t.equal(report.hangs, 0, 'every probe answered or dropped in time');
  t.equal(report.accepted, 0, `no hostile request changed the host (seed ${seed})`);
  t.ok(report.byClass.mount > 0 && report.byClass.framing > 0 && report.byClass.request > 0, 'every class sent');
  t.equal(report.codes.INTERNAL ?? 0, 0, 'no probe reached an unexpected error');
  const ping = await clientFor(t, daemon.socket).ops.ping({});
  t.equal(ping.pid, daemon.pid, 'the same daemon still answers');
});
