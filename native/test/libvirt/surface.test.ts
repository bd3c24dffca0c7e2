import t from 'tap';
import { loadAddon } from '../../src/addon.js';
import {
  CONNECTION_CALLS,
  CONNECTION_NATIVE_EXTRAS,
  Connection,
  DOMAIN_CALLS,
  DOMAIN_NATIVE_EXTRAS,
} from '../../src/libvirt/index.js';

interface AddonClasses {
  readonly Connection: { readonly prototype: object };
  readonly Domain: { readonly prototype: object };
}

function registered(prototype: object): string[] {
  return Object.getOwnPropertyNames(prototype)
    .filter((name) => name !== 'constructor')
    .sort();
}

t.test("the connection call table is exactly what the addon's Connection class registers", async (t) => {
  const addon = loadAddon<AddonClasses>('libvirt');
  const declared = [...Object.keys(CONNECTION_CALLS), ...CONNECTION_NATIVE_EXTRAS].sort();
  t.same(registered(addon.Connection.prototype), declared);
});

t.test("the domain call table is exactly what the addon's Domain class registers", async (t) => {
  const addon = loadAddon<AddonClasses>('libvirt');
  const declared = [...Object.keys(DOMAIN_CALLS), ...DOMAIN_NATIVE_EXTRAS].sort();
  t.same(registered(addon.Domain.prototype), declared);
});

t.test('every table call is a method of Connection and reaches the addon with defaults filled', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  for (const name of Object.keys(CONNECTION_CALLS)) {
    t.type((c as unknown as Record<string, unknown>)[name], 'function', name);
  }
  // Defaults: cpuNum -1 (all CPUs) and flags 0; a missing default would reach the addon as undefined and throw.
  t.same(Object.keys(await c.getNodeCPUStats()).sort(), ['idle', 'iowait', 'kernel', 'user']);
  // Conversions: native handles come back as Domain objects, the capabilities query is spread into arguments.
  const [first] = await c.listAllDomains();
  t.equal(first?.name, 'test');
  t.equal((await c.lookupByUUID(first?.uuid ?? '')).name, 'test');
  const stats = await c.domainListGetStats(first === undefined ? [] : [first]);
  t.equal(stats[0]?.uuid, first?.uuid);
  for (const name of Object.keys(DOMAIN_CALLS)) {
    t.type((first as unknown as Record<string, unknown>)[name], 'function', `Domain.${name}`);
  }
  // Domain defaults: flags 0, and a missing optional uri reaches the addon as null.
  t.match(await first?.getXMLDesc(), /<domain/);
  t.equal((await first?.getState())?.state, 1, 'the test driver domain runs');
});
