// The REST API through fastify's inject() on a real PostgreSQL: authentication, roles on every route, 400s that
// name the field, CRUD shapes, and the OpenAPI document generated from the route schemas.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApi } from '../../src/api/server.js';
import { createUser, ensureAdmin } from '../../src/auth/principal.js';
import { openDb } from '../../src/db/open.js';
import { HostManager } from '../../src/hosts/manager.js';
import { DEFAULT_MONITOR_CONFIG } from '../../src/hosts/monitor.js';
import { CertificateAuthority } from '../../src/pki/ca.js';
import { PoolManager } from '../../src/storage/pool-manager.js';
import { VmService } from '../../src/vms/service.js';
import { startPostgres } from '../helpers/postgres.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary reply JSON
type Json = Record<string, any>;

t.test('REST API', async (t) => {
  const server = await startPostgres();
  const dir = await mkdtemp(join(tmpdir(), 'engine-lite-api-'));
  const db = await openDb(server.url);
  const ca = await CertificateAuthority.open(join(dir, 'pki'));
  const hostManager = new HostManager(db, DEFAULT_MONITOR_CONFIG, () => ca.engineIdentity());
  const app: FastifyInstance = await buildApi({
    db,
    ca,
    hosts: hostManager,
    vms: new VmService(db, hostManager),
    pools: new PoolManager(db, hostManager),
  });
  t.teardown(async () => {
    await app.close();
    await hostManager.stopAll();
    await db.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await ensureAdmin(db, 'admin-secret');
  await createUser(db, 'alice', 'alice-secret', false);
  await createUser(db, 'bob', 'bob-secret', false);

  const login = async (username: string, password: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/ovirt-engine/sso/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'password', username, password, scope: 'ovirt-app-api' }).toString(),
    });
    return { status: res.statusCode, token: (res.json() as { access_token?: string }).access_token };
  };
  const call = async (token: string | undefined, method: Method, path: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url: `/ovirt-engine/api${path}`,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as Json) };
  };

  t.equal((await login('admin@internal', 'wrong')).status, 401, 'wrong password refused');
  t.equal((await login('nobody', 'x')).status, 401, 'unknown user refused');
  const admin = (await login('admin@internal', 'admin-secret')).token!;
  const alice = (await login('alice', 'alice-secret')).token!;
  const bob = (await login('bob', 'bob-secret')).token!;
  t.ok(admin && alice && bob, 'tokens issued');

  await t.test('unauthenticated requests are refused on every route', async (t) => {
    const routes: [Method, string][] = [
      ['GET', '/datacenters'],
      ['POST', '/datacenters'],
      ['GET', '/clusters'],
      ['GET', '/hosts'],
      ['POST', '/hosts'],
      ['GET', '/storagedomains'],
      ['GET', '/vms'],
      ['POST', '/vms'],
      ['POST', '/vms/00000000-0000-0000-0000-000000000001/start'],
      ['GET', '/templates'],
      ['GET', '/disks'],
      ['GET', '/events'],
    ];
    for (const [method, path] of routes) {
      const res = await call(undefined, method, path, method === 'POST' ? {} : undefined);
      t.equal(res.status, 401, `${method} ${path} without a token`);
    }
    t.equal((await call('not-a-token', 'GET', '/vms')).status, 401, 'an unknown token');
    t.equal((await call(undefined, 'GET', '/openapi.json')).status, 200, 'the OpenAPI document is public');
  });

  const dc = await call(admin, 'POST', '/datacenters', { name: 'dc1', description: 'first' });
  t.equal(dc.status, 201, 'admin adds a data center');
  t.equal(dc.body?.status, 'uninitialized', 'oVirt-style lowercase status');
  const nets = await call(admin, 'GET', `/datacenters/${dc.body?.id}/networks`);
  t.same(
    nets.body?.network.map((n: { name: string }) => n.name),
    ['ovirtmgmt'],
    'the data center comes with ovirtmgmt',
  );
  const cl = await call(admin, 'POST', '/clusters', {
    name: 'cl1',
    data_center: { name: 'dc1' },
    cpu: { type: 'AMD EPYC' },
  });
  t.equal(cl.status, 201, 'admin adds a cluster (data center by name)');
  const vm1 = await call(admin, 'POST', '/vms', { name: 'vm1', cluster: { id: cl.body?.id }, memory: 256 * 1048576 });
  const vm2 = await call(admin, 'POST', '/vms', { name: 'vm2', cluster: { name: 'cl1' }, template: { name: 'Blank' } });
  t.equal(vm1.status, 201, 'admin creates a VM');
  t.equal(vm1.body?.memory, 256 * 1048576, 'memory in bytes');
  t.equal(vm2.body?.memory, 1024 * 1048576, 'memory from the Blank template');
  t.equal(
    (
      await call(admin, 'POST', `/vms/${vm1.body?.id}/permissions`, {
        user: { name: 'alice' },
        role: { name: 'UserRole' },
      })
    ).status,
    201,
  );

  await t.test('wrong-role requests are refused', async (t) => {
    t.equal((await call(alice, 'POST', '/datacenters', { name: 'x' })).status, 403, 'user cannot add a data center');
    t.equal((await call(alice, 'GET', '/hosts')).status, 403, 'user cannot list hosts');
    t.equal((await call(alice, 'GET', '/events')).status, 403, 'user cannot read the audit log');
    t.equal(
      (await call(alice, 'POST', '/vms', { name: 'x', cluster: { name: 'cl1' } })).status,
      403,
      'user cannot create VMs',
    );
    t.equal((await call(alice, 'DELETE', `/vms/${vm1.body?.id}`)).status, 403, 'user cannot remove a VM');
    t.equal(
      (await call(alice, 'GET', `/vms/${vm2.body?.id}`)).status,
      403,
      'user cannot see a VM without a permission',
    );
    t.equal((await call(bob, 'GET', `/vms/${vm1.body?.id}`)).status, 403, "bob cannot see alice's VM");
    t.equal((await call(bob, 'POST', `/vms/${vm1.body?.id}/start`)).status, 403, "bob cannot start alice's VM");
    const visible = await call(alice, 'GET', '/vms');
    t.same(
      visible.body?.vm.map((v: { name: string }) => v.name),
      ['vm1'],
      'alice lists only the VM she holds a permission on',
    );
    t.equal((await call(alice, 'GET', `/vms/${vm1.body?.id}`)).status, 200, 'alice reads her VM');
    const start = await call(alice, 'POST', `/vms/${vm1.body?.id}/start`);
    t.equal(start.status, 409, 'alice may start her VM (refused only because no host is Up)');
    t.match(start.body?.fault.detail, /no host can run VM vm1/, 'the scheduler says why');
    t.equal((await call(admin, 'GET', '/vms')).body?.vm.length, 2, 'admin sees every VM');
  });

  await t.test('bad bodies get 400 naming the field', async (t) => {
    const cases: [Method, string, unknown, RegExp][] = [
      ['POST', '/datacenters', {}, /body\.name/],
      ['POST', '/datacenters', { name: 'ok', colour: 'red' }, /body\.colour: unknown field/],
      ['POST', '/datacenters', { name: 42 }, /body\.name/],
      ['POST', '/clusters', { name: 'c', data_center: { name: 'dc1' }, cpu: { type: 'Pentium' } }, /body\.cpu\.type/],
      [
        'POST',
        '/clusters',
        { name: 'c', data_center: { name: 'nope' }, cpu: { type: 'AMD EPYC' } },
        /body\.data_center/,
      ],
      ['POST', '/hosts', { name: 'h', address: 'x y', cluster: { name: 'cl1' } }, /body\.address/],
      ['POST', '/hosts', { name: 'h', address: '10.0.0.1', port: 70000, cluster: { name: 'cl1' } }, /body\.port/],
      ['POST', '/vms', { name: 'v', cluster: { name: 'cl1' }, memory: 1000 }, /body\.memory/],
      ['POST', '/vms', { name: 'v', cluster: { name: 'cl1' }, memory: '1G' }, /body\.memory/],
      ['POST', '/vms', { name: 'v' }, /body\.cluster/],
      ['POST', '/vms', { name: 'v', cluster: {} }, /body\.cluster/],
      ['PUT', `/vms/${vm2.body?.id}`, { cpu: { topology: { sockets: 0 } } }, /body\.cpu\.topology\.sockets/],
      ['PUT', `/vms/${vm2.body?.id}`, { os: { kernel: 'vmlinuz' } }, /body\.os\.kernel/],
      ['PUT', `/vms/${vm2.body?.id}`, { os: {} }, /body\.os/],
      ['POST', '/disks', { name: 'd', provisioned_size: -1 }, /body\.provisioned_size/],
      ['GET', '/vms/not-a-uuid', undefined, /params\.id/],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(admin, method, path, body);
      t.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)} → 400`);
      t.match(res.body?.fault.detail, field, `names the field: ${res.body?.fault.detail}`);
    }
  });

  await t.test('conflicts and missing entities', async (t) => {
    t.equal((await call(admin, 'POST', '/datacenters', { name: 'dc1' })).status, 409, 'duplicate name → 409');
    t.equal(
      (await call(admin, 'DELETE', `/datacenters/${dc.body?.id}`)).status,
      409,
      'a data center with clusters stays',
    );
    t.equal((await call(admin, 'GET', '/vms/00000000-0000-0000-0000-0000000000aa')).status, 404, 'unknown VM → 404');
    t.equal(
      (await call(admin, 'DELETE', '/templates/00000000-0000-0000-0000-000000000000')).status,
      409,
      'Blank stays',
    );
    t.equal((await call(admin, 'POST', `/vms/${vm2.body?.id}/stop`)).status, 409, 'stopping a Down VM → 409');
  });

  await t.test('edit and remove a VM; hosts, disks, storage domains, templates, events', async (t) => {
    const edited = await call(admin, 'PUT', `/vms/${vm2.body?.id}`, {
      memory: 512 * 1048576,
      cpu: { topology: { sockets: 2 } },
    });
    t.equal(edited.status, 200);
    t.equal(edited.body?.memory, 512 * 1048576, 'memory edited');
    t.equal(edited.body?.cpu.topology.sockets, 2, 'CPUs edited');
    const tpl = await call(admin, 'POST', '/templates', { name: 'small', vm: { name: 'vm2' } });
    t.equal(tpl.status, 201, 'template made from a VM');
    const vm3 = await call(admin, 'POST', '/vms', {
      name: 'vm3',
      cluster: { name: 'cl1' },
      template: { name: 'small' },
    });
    t.equal(vm3.body?.memory, 512 * 1048576, 'a VM from that template inherits its memory');
    t.equal((await call(admin, 'DELETE', `/vms/${vm3.body?.id}`)).status, 200, 'VM removed');
    t.equal((await call(admin, 'GET', `/vms/${vm3.body?.id}`)).status, 404, 'and gone');
    const sd = await call(admin, 'POST', '/storagedomains', {
      name: 'data1',
      storage: { type: 'nfs', address: '127.0.0.1', path: '/exports/data' },
      data_center: { name: 'dc1' },
    });
    t.equal(sd.status, 201, 'storage domain recorded');
    t.equal(sd.body?.status, 'unattached');
    const disk = await call(admin, 'POST', '/disks', {
      name: 'vm1_disk',
      provisioned_size: 1 << 30,
      vm: { id: vm1.body?.id },
      storage_domain: { id: sd.body?.id },
    });
    t.equal(disk.status, 201, 'disk recorded and attached');
    t.equal(disk.body?.provisioned_size, 1 << 30);
    const host = await call(admin, 'POST', '/hosts', { name: 'h1', address: '192.0.2.10', cluster: { name: 'cl1' } });
    t.equal(host.status, 201, 'host added');
    t.equal(host.body?.status, 'installing', 'a new host is Installing');
    const pki = await call(admin, 'POST', `/hosts/${host.body?.id}/enroll`);
    t.match(pki.body?.['certs/vdsmcert.pem'], /BEGIN CERTIFICATE/, 'enroll returns the host certificate');
    t.match(pki.body?.['keys/vdsmkey.pem'], /PRIVATE KEY/, 'and its key');
    t.equal((await call(admin, 'POST', `/hosts/${host.body?.id}/deactivate`)).status, 200, 'host to Maintenance');
    t.equal((await call(admin, 'DELETE', `/hosts/${host.body?.id}`)).status, 200, 'host removed in Maintenance');
    const events = await call(admin, 'GET', '/events?max=50');
    const codes = events.body?.event.map((e: { code: string }) => e.code);
    for (const code of [
      'DATACENTER_ADDED',
      'CLUSTER_ADDED',
      'VM_ADDED',
      'VM_REMOVED',
      'HOST_ADDED',
      'HOST_MAINTENANCE',
    ]) {
      t.ok(codes.includes(code), `audit log has ${code}`);
    }
  });

  await t.test('OpenAPI document from the route schemas', async (t) => {
    const doc = (await call(undefined, 'GET', '/openapi.json')).body!;
    t.equal(doc.openapi.slice(0, 2), '3.', 'OpenAPI 3');
    for (const path of [
      '/ovirt-engine/api/vms',
      '/ovirt-engine/api/vms/{id}/start',
      '/ovirt-engine/api/hosts/{id}/activate',
    ]) {
      t.ok(doc.paths[path], `documents ${path}`);
    }
    t.ok(doc.paths['/ovirt-engine/api/vms'].post.requestBody, 'request bodies documented');
  });
});
