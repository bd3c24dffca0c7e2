import t from 'tap';
import { Connection, ErrorCode, isLibvirtError, LibvirtError } from '../../src/libvirt/index.js';

t.test('open, host facts and close on test:///default', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.ok(c.isAlive());
  t.equal(c.isReadOnly(), false);
  t.equal(await c.getURI(), 'test:///default');
  t.type(await c.getHostname(), 'string');
  const lib = await c.getLibVersion();
  t.ok(lib >= 9_000_000, `libvirt version ${lib}`);
  t.equal(Connection.bindingLibVersion, 9_000_000);
  t.equal(await c.getVersion(), 2);
  t.match(await c.getCapabilities(), /<capabilities>/);
  t.same(await c.getNodeInfo(), {
    model: 'i686',
    memory: 3145728,
    cpus: 16,
    mhz: 1400,
    nodes: 2,
    sockets: 2,
    cores: 2,
    threads: 2,
  });
  const cpu = await c.getNodeCPUStats();
  t.same(Object.keys(cpu).sort(), ['idle', 'iowait', 'kernel', 'user']);
  t.ok(Object.values(cpu).every((v) => typeof v === 'number' && v >= 0));
  const models = await c.getCPUModelNames('x86_64');
  t.ok(models.includes('Haswell') && models.includes('qemu64'));
  const base = await c.baselineCPU([
    '<cpu><arch>x86_64</arch><model>Haswell</model></cpu>',
    '<cpu><arch>x86_64</arch><model>Broadwell</model></cpu>',
  ]);
  t.match(base, /<model[^>]*>Haswell<\/model>/);
  await c.close();
  t.equal(c.isAlive(), false);
  await c.close(); // idempotent
});

t.test('unsupported calls reject with libvirt code and domain', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  for (const call of [
    () => c.getDomainCapabilities(),
    () => c.getNodeMemoryStats(),
    () => c.compareCPU('<cpu><model>Haswell</model></cpu>'),
    () => c.setKeepAlive(5, 3),
  ]) {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof LibvirtError, 'a LibvirtError');
    t.ok(isLibvirtError(err, ErrorCode.NO_SUPPORT), `code NO_SUPPORT: ${(err as Error).message}`);
    t.equal((err as LibvirtError).domain, 20, 'VIR_FROM_DOMAIN');
  }
});

t.test('read-only connections refuse writes', async (t) => {
  const ro = await Connection.open({ uri: 'test:///default', readOnly: true });
  t.teardown(() => ro.close());
  t.equal(ro.isReadOnly(), true);
  t.equal((await ro.listAllDomains()).length, 1);
  await t.rejects(
    ro.defineXML("<domain type='test'><name>ro</name><memory>1024</memory><os><type>hvm</type></os></domain>"),
    { name: 'LibvirtError', code: ErrorCode.OPERATION_DENIED },
  );
});

t.test('open failures and calls after close are typed errors', async (t) => {
  await t.rejects(Connection.open({ uri: 'test:///nonexistent/file.xml' }), { name: 'LibvirtError' });
  await t.rejects(Connection.open({ uri: 'nosuchdriver:///x' }), {
    name: 'LibvirtError',
    code: ErrorCode.NO_CONNECT,
  });
  const c = await Connection.open({ uri: 'test:///default' });
  await c.close();
  await t.rejects(c.getHostname(), { name: 'LibvirtError', code: ErrorCode.INVALID_CONN });
});
