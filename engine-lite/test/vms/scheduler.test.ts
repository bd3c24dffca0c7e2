import t from 'tap';
import type { Host } from '../../src/db/repo/hosts.js';
import { schedule } from '../../src/vms/scheduler.js';
import { vmRow } from '../helpers/rows.js';

const CLUSTER = '11111111-1111-1111-1111-111111111111';

function host(name: string, over: Partial<Host> = {}): Host {
  return {
    id: `${name}-id`,
    name,
    address: '127.0.0.1',
    port: 54321,
    clusterId: CLUSTER,
    tls: false,
    status: 'Up',
    statusDetail: '',
    spmPriority: 5,
    spmStatus: 'None',
    cpuModel: 'AMD EPYC',
    cpuThreads: 4,
    memTotalMb: 8192,
    memFreeMb: 4096,
    cpuUsagePct: 0,
    vmCount: 0,
    softwareVersion: '0.1.0',
    missedPolls: 0,
    lastSeen: null,
    poolHostId: null,
    ...over,
  };
}

const vm = vmRow({ clusterId: CLUSTER });

t.test('filters drop hosts that cannot run the VM, saying why', async (t) => {
  const result = schedule(vm, [
    host('down', { status: 'NonResponsive' }),
    host('elsewhere', { clusterId: '22222222-2222-2222-2222-222222222222' }),
    host('small', { memFreeMb: 512 }),
    host('narrow', { cpuThreads: 1 }),
  ]);
  t.equal(result.ok, false);
  if (result.ok) return;
  t.same(
    result.rejections.map((r) => [r.hostName, r.filter]),
    [
      ['down', 'status'],
      ['elsewhere', 'cluster'],
      ['small', 'memory'],
      ['narrow', 'cpu'],
    ],
  );
  t.match(result.rejections[2]?.reason, /needs 1024 MiB, host has 512 MiB free/);
});

t.test('weights prefer free memory and fewer VMs', async (t) => {
  const roomy = schedule(vm, [host('a', { memFreeMb: 2048 }), host('b', { memFreeMb: 8000 })]);
  t.equal(roomy.ok && roomy.host.name, 'b', 'more free memory wins');
  const spread = schedule(vm, [host('a', { vmCount: 5 }), host('b', { vmCount: 1 })]);
  t.equal(spread.ok && spread.host.name, 'b', 'fewer VMs wins when memory is equal');
  const tie = schedule(vm, [host('b'), host('a')]);
  t.equal(tie.ok && tie.host.name, 'a', 'ties broken by name, deterministically');
});
