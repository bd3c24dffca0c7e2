import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Connection, ErrorCode } from '../../src/libvirt/index.js';
import { openSystem } from './helpers.js';

t.test('networks on test:///default: define, start, list, XML, stop, undefine', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const name = await c.networkDefineXML(
    "<network><name>ovirtmgmt</name><forward mode='bridge'/><bridge name='ovirtmgmt'/></network>",
  );
  t.equal(name, 'ovirtmgmt');
  let nets = await c.listNetworks();
  t.same(
    nets.find((n) => n.name === 'ovirtmgmt'),
    {
      name: 'ovirtmgmt',
      uuid: nets.find((n) => n.name === 'ovirtmgmt')?.uuid,
      active: false,
      persistent: true,
      autostart: false,
    },
  );
  await c.networkCreate('ovirtmgmt');
  await c.networkSetAutostart('ovirtmgmt', true);
  nets = await c.listNetworks();
  t.match(
    nets.find((n) => n.name === 'ovirtmgmt'),
    { active: true, autostart: true },
  );
  t.match(await c.networkGetXMLDesc('ovirtmgmt'), /<bridge name='ovirtmgmt'/);
  await c.networkDestroy('ovirtmgmt');
  await c.networkUndefine('ovirtmgmt');
  t.notOk((await c.listNetworks()).some((n) => n.name === 'ovirtmgmt'));
  await t.rejects(c.networkCreate('ovirtmgmt'), { name: 'LibvirtError', code: ErrorCode.NO_NETWORK });
  const transient = await c.networkCreateXML("<network><name>tmpnet</name><bridge name='tmpbr0'/></network>");
  t.equal(transient, 'tmpnet');
  await c.networkDestroy('tmpnet');
});

t.test('secrets on qemu:///system: define, set/get value, lookup by usage, undefine', async (t) => {
  const c = await openSystem();
  if (typeof c === 'string') return t.plan(0, c);
  t.teardown(() => c.close());
  const usage = `vdsm-ts-native-${randomUUID()}`;
  const uuid = await c.secretDefineXML(
    `<secret ephemeral='no' private='yes'><usage type='iscsi'><target>${usage}</target></usage></secret>`,
  );
  t.teardown(() => c.secretUndefine(uuid).catch(() => {}));
  t.match(uuid, /^[0-9a-f-]{36}$/);
  t.equal(await c.secretLookupByUsage(3 /* ISCSI */, usage), uuid);
  t.ok((await c.listSecrets()).some((s) => s.uuid === uuid && s.usageType === 3 && s.usageID === usage));
  await c.secretSetValue(uuid, Buffer.from('s3cr3t\u0000bytes'));
  // private='yes' secrets cannot be read back through the API: that refusal must be a typed error.
  await t.rejects(c.secretGetValue(uuid), { name: 'LibvirtError', code: ErrorCode.INVALID_SECRET });
  t.match(await c.secretGetXMLDesc(uuid), new RegExp(usage));
  await c.secretUndefine(uuid);
  await t.rejects(c.secretGetXMLDesc(uuid), { name: 'LibvirtError', code: ErrorCode.NO_SECRET });

  const pub = await c.secretDefineXML(
    `<secret ephemeral='yes' private='no'><usage type='ceph'><name>${usage}</name></usage></secret>`,
  );
  t.teardown(() => c.secretUndefine(pub).catch(() => {}));
  await c.secretSetValue(pub, 'AQBkey==');
  t.same(await c.secretGetValue(pub), Buffer.from('AQBkey=='));
});

t.test('network definitions on qemu:///system', async (t) => {
  const c = await openSystem();
  if (typeof c === 'string') return t.plan(0, c);
  t.teardown(() => c.close());
  const name = `vdsmts-${randomUUID().slice(0, 8)}`;
  await c.networkDefineXML(
    `<network><name>${name}</name><forward mode='bridge'/><bridge name='vt${name.slice(7)}'/></network>`,
  );
  t.teardown(() => c.networkUndefine(name).catch(() => {}));
  t.match(
    (await c.listNetworks()).find((n) => n.name === name),
    { active: false, persistent: true },
  );
  await c.networkUndefine(name);
  t.notOk((await c.listNetworks()).some((n) => n.name === name));
});
