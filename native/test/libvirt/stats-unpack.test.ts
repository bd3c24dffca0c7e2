import t from 'tap';
import { type PackedStats, parseField, unpackStats } from '../../src/libvirt/stats.js';

t.test('parseField maps dotted libvirt names onto groups, items and camelCase keys', async (t) => {
  t.same(parseField('state.state'), { group: 'state', index: -1, key: 'state' });
  t.same(parseField('cpu.time'), { group: 'cpu', index: -1, key: 'time' });
  t.same(parseField('balloon.last-update'), { group: 'balloon', index: -1, key: 'lastUpdate' });
  t.same(parseField('block.0.rd.total.times'), { group: 'block', index: 0, key: 'rdTotalTimes' });
  t.same(parseField('vcpu.12.wait'), { group: 'vcpu', index: 12, key: 'wait' });
  t.same(parseField('iothread.1.poll-max-ns'), { group: 'iothread', index: 1, key: 'pollMaxNs' });
  t.same(parseField('dirtyrate.calc_status'), { group: 'dirtyrate', index: -1, key: 'calcStatus' });
  t.same(parseField('memory.bandwidth.monitor.count'), {
    group: 'memory',
    index: -1,
    key: 'bandwidthMonitorCount',
  });
  t.same(parseField('odd'), { group: 'other', index: -1, key: 'odd' });
});

t.test('unpackStats builds nested records with every value kind', async (t) => {
  const fields = ['state.state', 'vcpu.current', 'vcpu.0.state', 'vcpu.1.halted', 'block.count', 'block.0.name'];
  const packed: PackedStats = {
    names: ['a', 'b'],
    uuids: ['u-a', 'u-b'],
    ids: new Float64Array([3, -1]),
    counts: new Uint32Array([6, 1]),
    fields,
    keys: new Uint32Array([0, 1, 2, 3, 4, 5, 0]),
    nums: new Float64Array([1, 2, 1, 1, 1, 0, 5]),
    kinds: new Uint8Array([0, 0, 0, 1, 0, 2, 0]),
    strs: ['vda'],
  };
  t.same(unpackStats(packed), [
    {
      name: 'a',
      uuid: 'u-a',
      id: 3,
      state: { state: 1 },
      vcpu: { current: 2, items: [{ state: 1 }, { halted: true }] },
      block: { count: 1, items: [{ name: 'vda' }] },
    },
    { name: 'b', uuid: 'u-b', id: -1, state: { state: 5 } },
  ]);
  t.same(unpackStats({ ...packed, names: [], uuids: [], counts: new Uint32Array() }), []);
});

t.test('values of an unknown kind are skipped, not invented', async (t) => {
  const packed: PackedStats = {
    names: ['a'],
    uuids: ['u'],
    ids: new Float64Array([1]),
    counts: new Uint32Array([2]),
    fields: ['cpu.time', 'cpu.weird'],
    keys: new Uint32Array([0, 1]),
    nums: new Float64Array([7, 0]),
    kinds: new Uint8Array([0, 3]),
    strs: [],
  };
  t.same(unpackStats(packed), [{ name: 'a', uuid: 'u', id: 1, cpu: { time: 7 } }]);
});
