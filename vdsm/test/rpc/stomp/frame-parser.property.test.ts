/**
 * Property tests of the STOMP parser under a shared body budget: whatever bytes arrive, in whatever pieces, the
 * parser never throws, every frame's body matches its length, and once the frames are released and the parser is
 * stopped the budget is back to zero (no leak, whether decoding ended in a frame, an error or mid-body).
 */
import fc from 'fast-check';
import t from 'tap';
import { BodyBudget } from '../../../src/rpc/body-budget.js';
import { FrameParser } from '../../../src/rpc/stomp/frame-parser.js';
import { encodeFrame } from '../../../src/rpc/stomp/frame-writer.js';

const RUNS = Number(process.env.FC_RUNS ?? 300);

const validFrame = fc
  .record({
    command: fc.constantFrom('SEND', 'SUBSCRIBE', 'CONNECT'),
    body: fc.uint8Array({ maxLength: 300 }),
    counted: fc.boolean(),
  })
  .map(({ command, body, counted }) => {
    if (counted) return encodeFrame(command, [['destination', 'q']], Buffer.from(body));
    const noNul = Buffer.from(body.filter((b) => b !== 0));
    return Buffer.concat([Buffer.from(`${command}\ndestination:q\n\n`), noNul, Buffer.from([0])]);
  });
const noise = fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a));
const wire = fc.array(fc.oneof(validFrame, noise, fc.constant(Buffer.from('\n'))), { maxLength: 8 });

t.test('the budget always returns to zero, and frames are whole', async (t) => {
  fc.assert(
    fc.property(
      wire,
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.integer({ min: 0, max: 2000 }),
      (parts, cuts, limit) => {
        const budget = new BodyBudget(limit);
        const held: number[] = [];
        const parser = new FrameParser(
          (frame, reserved) => {
            if (frame.body.length !== frame.bodyLength) throw new Error('body length mismatch');
            held.push(reserved);
          },
          { budget, maxFrameSize: 4096 },
        );
        const all = Buffer.concat(parts);
        const at = [...new Set(cuts.map((c) => (all.length === 0 ? 0 : c % all.length)))].sort((a, b) => a - b);
        let prev = 0;
        for (const c of [...at, all.length]) {
          parser.push(all.subarray(prev, c));
          prev = c;
          if (budget.inUse > limit) throw new Error('budget exceeded');
        }
        for (const r of held) budget.release(r);
        parser.stop();
        t.equal(budget.inUse, 0);
      },
    ),
    { numRuns: RUNS },
  );
});

t.test('a counted body that does not fit is refused before any of it is read', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (size, limit) => {
      const budget = new BodyBudget(limit);
      const frames: number[] = [];
      const parser = new FrameParser(
        (f, reserved) => {
          frames.push(f.bodyLength);
          budget.release(reserved);
        },
        { budget },
      );
      const head = Buffer.from(`SEND\ndestination:q\ncontent-length:${size}\n\n`);
      const err = parser.push(head);
      if (size <= limit) {
        t.equal(err, undefined);
        t.equal(budget.inUse, size, 'reserved whole at the end of the headers');
        parser.push(Buffer.concat([Buffer.alloc(size, 0x61), Buffer.from([0])]));
        t.same(frames, [size]);
      } else t.equal(err?.code, 'STOMP_ERR_BUSY');
      parser.stop();
      t.equal(budget.inUse, 0);
    }),
    { numRuns: RUNS },
  );
});
