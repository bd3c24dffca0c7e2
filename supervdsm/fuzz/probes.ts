import { OPERATIONS, type OperationName } from '@vdsm-ts/supervdsm-protocol/operations';
import { MAX_REQUEST_BYTES, PROTOCOL_VERSION } from '@vdsm-ts/supervdsm-protocol/protocol';
import fc from 'fast-check';

/**
 * What the supervdsm fuzzer sends, one probe per connection: broken framing, broken JSON, and well-framed requests
 * full of shell metacharacters, path traversal and hostile mount specs. Every value that reaches an operation is
 * one no validator may accept (each hostile string carries a character no name pattern allows, every number is
 * negative or fractional), so a probe that succeeds on an operation that changes the host is a finding, and the
 * fuzzer never stops a unit, deletes a link or writes a kernel knob of the host it runs on.
 */

export type ProbeClass = 'framing' | 'oversize' | 'short' | 'json' | 'request' | 'mount';

export interface Probe {
  readonly kind: ProbeClass;
  readonly bytes: Buffer;
  /** 'answer': exactly one response frame is owed; 'close': the daemon must drop the connection; 'any': either. */
  readonly expect: 'answer' | 'close' | 'any';
  /** The operation, for well-framed requests. */
  readonly op?: string;
}

/** Where the daemon under test keeps its repository, and the host's own block device for the mount specs. */
export interface ProbeTargets {
  readonly repository: string;
  readonly hostDevice: string;
}

const frame = (body: Buffer): Buffer => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
};

/** None of these characters is allowed by any name pattern in src/validate.ts. */
const METACHARACTERS = [
  '; rm -rf /',
  '$(id)',
  '`id`',
  '|cat /etc/shadow',
  '&& reboot',
  '\n',
  '\0',
  "'",
  '"',
  ' ',
  '*',
  '<',
  '>',
  '(',
  '{',
  '%s%n',
  '\u202e',
  '\ud800',
];

const hostileString = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...METACHARACTERS), fc.string({ maxLength: 12 }))
  .map(([a, b, c]) => `${a}${b}${c}`);

/** Paths that lie outside the repository however they are spelled. */
const traversal = (repo: string): fc.Arbitrary<string> =>
  fc.constantFrom(
    `${repo}/../../etc/shadow`,
    `${repo}/mnt/../../../etc`,
    `${repo}/./../`,
    `${repo}/..`,
    `${repo}`,
    `${repo}/`,
    `${repo}//`,
    `${repo}\0/x`,
    '/etc/shadow',
    '//etc',
    '/proc/self/root/etc',
    'mnt/relative',
    '../etc',
    '',
    `${repo}/${'a/'.repeat(600)}`,
  );

/** Never 0 or a positive integer: no count, size, uid or MTU the fuzzer sends is a valid one. */
const badNumber = fc.constantFrom(-1, -0.5, 0.5, 3.14, -(2 ** 31), -1e9, Number.MIN_VALUE, -Number.MAX_VALUE);

const KEYS = [
  'spec',
  'target',
  'vfsType',
  'options',
  'path',
  'uid',
  'gid',
  'mode',
  'devices',
  'pvs',
  'pv',
  'vg',
  'lv',
  'tags',
  'sizeMiB',
  'name',
  'netns',
  'master',
  'mtu',
  'address',
  'portal',
  'iqn',
  'unit',
  'sizeKiB',
  'count',
  'force',
  'lazy',
  '__proto__',
  'constructor',
];

const hostileValue = (repo: string): fc.Arbitrary<unknown> =>
  fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      hostileString,
      traversal(repo),
      badNumber,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), hostileString), tie('value'), { maxKeys: 4 }),
    ),
  })).value;

const hostileParams = (repo: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), hostileString), hostileValue(repo), { maxKeys: 6 }),
    hostileValue(repo),
    fc.constant({}),
  );

const OP_NAMES = Object.keys(OPERATIONS) as OperationName[];
const opName = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...OP_NAMES) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'Ping', 'ping;id'),
  },
);

const envelope = (op: fc.Arbitrary<string>, params: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> =>
  fc.record({
    v: fc.oneof({ weight: 8, arbitrary: fc.constant(PROTOCOL_VERSION) }, fc.constantFrom(0, 2, '1', null, -1)),
    id: fc.oneof({ weight: 8, arbitrary: fc.nat() }, fc.constantFrom(-1, 1.5, '1', null, 2 ** 53)),
    op,
    params,
    // Short limits, so that nothing the fuzzer asks for can keep a command running for minutes.
    timeoutMs: fc.oneof({ weight: 8, arbitrary: fc.constant(5000) }, fc.constantFrom(-1, 0, 1e12, 'x')),
  });

const HOSTILE_TYPES = ['ext4', 'xfs', 'nfs', 'glusterfs', 'proc', 'sysfs', 'tmpfs', 'overlay', 'bind', 'fuse', 'EXT4'];
const HOSTILE_OPTIONS = [
  'suid',
  'dev',
  'exec',
  'defaults',
  'lowerdir=/etc',
  'x-mount.mkdir',
  'loop',
  'loop=/dev/loop0',
  'remount',
  'bind',
  'errors=panic',
  'uid=0',
  'context=system_u:object_r:etc_t:s0',
  'helper=/bin/sh',
  'secretfile=/etc/shadow',
  'ro,suid',
];

/** mount requests with everything issue #14 names: host devices under other spellings, kernel filesystems, binds. */
const hostileMount = (t: ProbeTargets): fc.Arbitrary<Record<string, unknown>> => {
  const dev = t.hostDevice;
  const specs = [
    `/${dev}`,
    dev.replace('/dev/', '/./dev/'),
    dev.replace('/dev/', '/dev/../dev/'),
    `/proc/self/root${dev}`,
    dev,
    'proc',
    'sysfs',
    'overlay',
    '/etc',
    '/',
    '/dev/zero',
    '/dev/mem',
    'srv:/exp;reboot',
    '-oremount',
    '--bind',
  ];
  const target = fc.oneof(
    fc.constantFrom(`${t.repository}/mnt/fuzz`, `${t.repository}/mnt/a/b`),
    traversal(t.repository),
    hostileString.map((s) => `${t.repository}/mnt/${s}`),
  );
  return envelope(
    fc.constant('mount'),
    fc.record(
      {
        spec: fc.oneof(fc.constantFrom(...specs), hostileString),
        target,
        vfsType: fc.oneof(fc.constantFrom(...HOSTILE_TYPES), hostileString),
        options: fc.array(fc.oneof(fc.constantFrom(...HOSTILE_OPTIONS), hostileString), { maxLength: 3 }),
      },
      { requiredKeys: ['spec', 'target', 'vfsType'] },
    ),
  );
};

const jsonText = (body: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify(body), 'utf8');

/** Every probe class with its weight. */
export function probes(t: ProbeTargets): fc.Arbitrary<Probe> {
  const framing = fc
    .uint8Array({ maxLength: 64 })
    .map((b): Probe => ({ kind: 'framing', bytes: Buffer.from(b), expect: 'any' }));
  const oversize = fc.integer({ min: MAX_REQUEST_BYTES + 1, max: 0xffffffff }).map((n): Probe => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(n);
    return { kind: 'oversize', bytes: header, expect: 'answer' };
  });
  // The header promises more than is sent, then the caller goes away.
  const short = fc.tuple(fc.integer({ min: 2, max: 4096 }), fc.uint8Array({ maxLength: 1 })).map(([n, b]): Probe => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(n);
    return { kind: 'short', bytes: Buffer.concat([header, Buffer.from(b)]), expect: 'close' };
  });
  const badJson = fc
    .oneof(
      fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.integer({ min: 1, max: 100_000 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
      fc
        .constantFrom(
          '{"v":1,"id":1,"op":"ping","params":{"__proto__":{"polluted":1}}}',
          '{"v":1,"id":1,"op":"ping","params":{},"__proto__":{"op":"mount"}}',
          '{"v":1,"id":1e400,"op":"ping","params":{}}',
          '{"v":1,"id":1,"op":"ping","params":{},"v":2}',
          '',
          'null',
          '"ping"',
          '\ufeff{"v":1,"id":1,"op":"ping","params":{}}',
        )
        .map((s) => Buffer.from(s)),
    )
    .map((body): Probe => ({ kind: 'json', bytes: frame(body), expect: 'answer' }));
  const request = envelope(opName, hostileParams(t.repository)).map(
    (body): Probe => ({ kind: 'request', bytes: frame(jsonText(body)), expect: 'answer', op: String(body.op) }),
  );
  const mount = hostileMount(t).map(
    (body): Probe => ({ kind: 'mount', bytes: frame(jsonText(body)), expect: 'answer', op: 'mount' }),
  );
  return fc.oneof(
    { weight: 2, arbitrary: framing },
    { weight: 1, arbitrary: oversize },
    { weight: 1, arbitrary: short },
    { weight: 2, arbitrary: badJson },
    { weight: 6, arbitrary: request },
    { weight: 3, arbitrary: mount },
  );
}

/** Whether a successful answer to `op` would mean the daemon accepted hostile input that changes the host. */
export function mutates(op: string | undefined): boolean {
  return op !== undefined && Object.hasOwn(OPERATIONS, op) && OPERATIONS[op as OperationName].mutates;
}
