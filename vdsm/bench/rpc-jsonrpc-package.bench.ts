/**
 * Issue #13: should the JSON-RPC layer be built on the `json-rpc-2.0` package (the design card's pick)? Both
 * variants run behind the same STOMP server (in this process, plain TCP) with the same methods, driven by the same
 * VdsmClient load:
 *  - ours: the Dispatcher (vdsm/src/rpc/jsonrpc), which splices a RawJson result (Host.getAllVmStats' body built
 *    once per sampling cycle) into the reply;
 *  - package: json-rpc-2.0's JSONRPCServer.receiveJSON + JSON.stringify of its response object, which can only
 *    return values, so the 1000-VM result is stringified per call (a batch of one is unwrapped, as VDSM replies).
 * Results: rpc.jsonrpc-package.ping2.c4x16 (req/s) and rpc.jsonrpc-package.getAllVmStats.1000.p50 (ms), each as a
 * ratio package / ours. Medians of 5 interleaved runs. The 1000 records are shaped like vdsmd's on test:///default
 * and sized like them (~477 KB in all, see virt.getAllVmStats.1000.bytes).
 */
import { performance } from 'node:perf_hooks';
import { defaultConfig } from '@vdsm-ts/common/config';
import { Logging } from '@vdsm-ts/common/logging';
import { JSONRPCServer } from 'json-rpc-2.0';
import { VdsmClient } from '../src/client/index.js';
import { RawJson } from '../src/common/raw-json.js';
import type { JsonRpcEndpoint } from '../src/rpc/endpoint.js';
import { Dispatcher, type MethodEntry } from '../src/rpc/jsonrpc/dispatcher.js';
import { startRpcServer } from '../src/rpc/server/index.js';

const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 3000);
const STATS_CALLS = Number(process.env.BENCH_CALLS ?? 150);
const RUNS = 5;
const VMS = 1000;

function vmStats(i: number): Record<string, unknown> {
  const id = `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
  return {
    vmId: id,
    vmName: `bench-${i}`,
    status: 'Up',
    elapsedTime: '1234',
    displayInfo: [{ type: 'vnc', port: String(5900 + i), tlsPort: '-1', ipAddress: '127.0.0.1' }],
    cpuUser: '1.25',
    cpuSys: '0.50',
    cpuUsage: '123456789000',
    memUsage: '42',
    disks: { vda: { readRate: '0.0', writeRate: '0.0', truesize: '1073741824', imageID: id } },
    network: { [`vnet${i}`]: { name: `vnet${i}`, rxRate: '0.0', txRate: '0.0', state: 'unknown' } },
    vcpuCount: '2',
    statsAge: '0.52',
  };
}

const stats = Array.from({ length: VMS }, (_, i) => vmStats(i));
const statsText = JSON.stringify(stats);

function ours(logging: Logging): JsonRpcEndpoint {
  const methods = new Map<string, MethodEntry>([
    ['Host.ping2', { validate: (p) => (p ?? {}) as Record<string, unknown>, run: () => undefined, reply: true }],
    [
      'Host.getAllVmStats',
      { validate: (p) => (p ?? {}) as Record<string, unknown>, run: () => new RawJson(statsText), reply: 'value' },
    ],
  ]);
  return new Dispatcher({ methods, logger: logging.get('jsonrpc'), ready: true });
}

function pkg(): JsonRpcEndpoint {
  const server = new JSONRPCServer();
  server.addMethod('Host.ping2', () => true);
  server.addMethod('Host.getAllVmStats', () => stats);
  return {
    async handle(body) {
      const response = await server.receiveJSON(body);
      if (response === null) return undefined;
      const one = Array.isArray(response) && response.length === 1 ? response[0] : response;
      return JSON.stringify(one);
    },
  };
}

async function measure(endpoint: JsonRpcEndpoint, logging: Logging): Promise<{ rate: number; statsP50: number }> {
  const config = defaultConfig();
  const mutable = config as unknown as { vars: Record<string, unknown>; addresses: Record<string, unknown> };
  mutable.vars.ssl = false;
  mutable.addresses.management_ip = '127.0.0.1';
  mutable.addresses.management_port = 0;
  const server = await startRpcServer({ config, logging, endpoint });
  const port = server.address().port;
  const clients = await Promise.all(
    Array.from({ length: 4 }, () => VdsmClient.connect({ host: '127.0.0.1', port, tls: false, reconnect: false })),
  );
  try {
    let count = 0;
    let running = true;
    const worker = async (c: VdsmClient) => {
      while (running) {
        await c.call('Host.ping2');
        count++;
      }
    };
    const workers = clients.flatMap((c) => Array.from({ length: 16 }, () => worker(c)));
    await new Promise((r) => setTimeout(r, 300));
    count = 0;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, RUN_MS));
    const rate = (count / (performance.now() - t0)) * 1000;
    running = false;
    await Promise.all(workers);
    const latencies: number[] = [];
    const c = clients[0] as VdsmClient;
    for (let i = 0; i < STATS_CALLS + 10; i++) {
      const a = performance.now();
      const r = await c.call<unknown[]>('Host.getAllVmStats');
      if (i >= 10) latencies.push(performance.now() - a);
      if (r.length !== VMS) throw new Error(`expected ${VMS} records, got ${r.length}`);
    }
    latencies.sort((x, y) => x - y);
    return { rate, statsP50: latencies[Math.floor(latencies.length / 2)] as number };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  }
}

function emit(bench: string, value: number, unit: string, baseline?: string, ratio?: number): void {
  const line: Record<string, unknown> = { bench, value: Math.round(value * 100) / 100, unit };
  if (baseline !== undefined && ratio !== undefined) {
    line.baseline = baseline;
    line.ratio = Math.round(ratio * 1000) / 1000;
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const logging = new Logging({ name: 'bench', level: 'warn' });
const a: Array<{ rate: number; statsP50: number }> = [];
const b: Array<{ rate: number; statsP50: number }> = [];
for (let i = 0; i < RUNS; i++) {
  a.push(await measure(ours(logging), logging));
  b.push(await measure(pkg(), logging));
}
const oursRate = median(a.map((r) => r.rate));
const pkgRate = median(b.map((r) => r.rate));
const oursP50 = median(a.map((r) => r.statsP50));
const pkgP50 = median(b.map((r) => r.statsP50));
emit(
  'rpc.jsonrpc-package.ping2.c4x16',
  pkgRate,
  'req/s',
  `our Dispatcher (${Math.round(oursRate)} req/s)`,
  pkgRate / oursRate,
);
emit(
  `rpc.jsonrpc-package.getAllVmStats.${VMS}.p50`,
  pkgP50,
  'ms',
  `our Dispatcher (${oursP50.toFixed(2)} ms)`,
  pkgP50 / oursP50,
);
emit(`rpc.jsonrpc-package.getAllVmStats.${VMS}.bytes`, Buffer.byteLength(statsText), 'bytes');
