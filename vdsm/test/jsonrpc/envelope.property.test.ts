/**
 * Property tests of the JSON-RPC envelope: every id JSON.parse can produce is echoed back exactly, however deep;
 * the batch scanner agrees with JSON.parse on how many elements a batch has, wherever the body is split. Runs are
 * bounded (FC_RUNS overrides, for longer local runs).
 */

import { silentLogger } from '@vdsm-ts/common/logging';
import fc from 'fast-check';
import t from 'tap';
import { countBatchElements } from '../../src/rpc/jsonrpc/batch-scan.js';
import { stringifyDeep, stringifySafe } from '../../src/rpc/jsonrpc/deep-json.js';
import { Dispatcher } from '../../src/rpc/jsonrpc/dispatcher.js';
import { errorObject, errorReply, resultReply } from '../../src/rpc/jsonrpc/envelope.js';

const RUNS = Number(process.env.FC_RUNS ?? 300);

/** Splits `buf` at the given offsets (taken modulo its length), as socket reads would. */
function split(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => (buf.length === 0 ? 0 : c % buf.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

function nest(depth: number, leaf: unknown, asObject: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asObject ? { k: v } : [v];
  return v;
}

t.test('stringifyDeep writes what JSON.stringify writes, for any JSON value', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      t.equal(stringifyDeep(value), JSON.stringify(value));
    }),
    { numRuns: RUNS },
  );
});

t.test('replies echo any id, including ids nested far beyond JSON.stringify', async (t) => {
  fc.assert(
    fc.property(
      fc.jsonValue(),
      fc.integer({ min: 0, max: 20_000 }),
      fc.boolean(),
      fc.boolean(),
      (leaf, depth, asObject, ok) => {
        const id = nest(depth, leaf, asObject);
        const text = ok ? resultReply(id, true) : errorReply(id, errorObject('MethodNotFound', { method: 'X.y' }));
        const reply = JSON.parse(text) as { id: unknown };
        // compare as text: deep structures are compared without recursion
        t.equal(stringifySafe(reply.id), stringifySafe(id ?? null));
      },
    ),
    { numRuns: Math.min(RUNS, 100) },
  );
});

t.test('the batch scanner counts like JSON.parse, wherever the body is split', async (t) => {
  const limit = 20;
  fc.assert(
    fc.property(
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.constantFrom('', ' ', '\n\t '),
      (batch, cuts, pad) => {
        const body = Buffer.from(`${pad}${JSON.stringify(batch, null, pad === '' ? undefined : 1)}`);
        const n = countBatchElements(split(body, cuts), limit);
        t.equal(n, Math.min(batch.length, limit + 1));
      },
    ),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      if (Array.isArray(value)) return;
      t.equal(countBatchElements([Buffer.from(JSON.stringify(value))], limit), 0, 'not a batch');
    }),
    { numRuns: RUNS },
  );
});

t.test('the dispatcher refuses exactly the batches over its limit, with one error, whatever the body', async (t) => {
  const dispatcher = new Dispatcher({ methods: new Map(), logger: silentLogger(), ready: true, maxBatchSize: 5 });
  const ctx = { transport: 'stomp', peer: 'test' } as const;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 12 }).map((a) => JSON.stringify(a)),
        fc.string({ maxLength: 64 }),
        fc.json(),
      ),
      async (body) => {
        const early = dispatcher.screen([Buffer.from(body)], Buffer.byteLength(body), ctx);
        const reply = early ?? (await dispatcher.handle(body, ctx));
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        const tooLong = Array.isArray(parsed) && parsed.length > 5;
        if (tooLong) {
          t.ok(reply !== undefined, 'answered');
          t.match(JSON.parse(reply as string), { id: null, error: { code: -32600, message: /batch of more than 5/ } });
        } else if (early !== undefined) {
          t.fail(`screened a body that is not a long batch: ${body}`);
        }
      },
    ),
    { numRuns: RUNS },
  );
});
