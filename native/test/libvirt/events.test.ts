import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@vdsm-ts/testing/wait-until';
import t from 'tap';
import { Connection, EventId, LifecycleEvent, type LifecycleEventData } from '../../src/libvirt/index.js';
import { testDomainXml } from './helpers.js';

t.test('lifecycle events arrive in order for every transition', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const seen: LifecycleEventData[] = [];
  const sub = await c.subscribe(EventId.LIFECYCLE, (e) => seen.push(e));
  t.ok(sub.callbackId >= 0);
  const d = await c.defineXML(testDomainXml('ev1'));
  await d.create();
  await d.suspend();
  await d.resume();
  await d.destroy();
  await d.undefine();
  await waitUntil(() => seen.length >= 6, { timeoutMs: 10_000, what: 'six lifecycle events' });
  t.same(
    seen.map((e) => e.event),
    [
      LifecycleEvent.DEFINED,
      LifecycleEvent.STARTED,
      LifecycleEvent.SUSPENDED,
      LifecycleEvent.RESUMED,
      LifecycleEvent.STOPPED,
      LifecycleEvent.UNDEFINED,
    ],
  );
  t.ok(seen.every((e) => e.type === 'lifecycle' && e.domain.name === 'ev1' && e.domain.uuid === d.uuid));
  await sub.unsubscribe();
  await t.rejects(sub.unsubscribe(), { name: 'LibvirtError' }, 'a second unsubscribe is an error');
});

t.test('per-domain subscriptions and deregistration', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  const a = await c.defineXML(testDomainXml('ev-a'));
  const b = await c.defineXML(testDomainXml('ev-b'));
  const onlyA: string[] = [];
  const all: string[] = [];
  const subA = await c.subscribe(EventId.LIFECYCLE, (e) => onlyA.push(e.domain.name), a);
  const subAll = await c.subscribe(EventId.LIFECYCLE, (e) => all.push(e.domain.name));
  await b.create();
  await a.create();
  await waitUntil(() => all.length >= 2, { timeoutMs: 10_000, what: 'events for both domains' });
  t.same(all, ['ev-b', 'ev-a']);
  t.same(onlyA, ['ev-a']);
  await subA.unsubscribe();
  await a.destroy();
  await b.destroy();
  await waitUntil(() => all.length >= 4, { timeoutMs: 10_000, what: 'stop events' });
  t.same(onlyA, ['ev-a'], 'no events after unsubscribe');
  await subAll.unsubscribe();
  await a.undefine();
  await b.undefine();
});

t.test('every supported event kind can be registered and deregistered', async (t) => {
  const c = await Connection.open({ uri: 'test:///default' });
  t.teardown(() => c.close());
  for (const [name, id] of Object.entries(EventId)) {
    const sub = await c.subscribe(id, () => {});
    t.ok(sub.callbackId >= 0, name);
    await sub.unsubscribe();
  }
  await t.rejects(
    c.subscribe(4 as never, () => {}),
    { name: 'LibvirtError', code: 3 },
    'IO_ERROR (old style) refused',
  );
});

const child = fileURLToPath(new URL('./fixtures/exit-child.js', import.meta.url));

function runChild(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [child, mode], { timeout: 20_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

t.test('a process that closes its connections exits by itself', async (t) => {
  for (const mode of ['subscribed', 'unsubscribed', 'plain']) {
    const r = await runChild(mode);
    t.equal(r.code, 0, `${mode}: exit code`);
    t.match(r.stdout, mode === 'plain' ? /event none 42\nclosed\n/ : /event lifecycle 0\nclosed\n/, `${mode}: output`);
    t.equal(r.stderr, '', `${mode}: libvirt printed nothing to stderr`);
  }
});
