// The Vm state object on its own: which states its methods lead to, what each state carries, and the events it
// publishes. No libvirt is involved: a Vm keeps state only (lifecycle.ts drives it from libvirt).
import t from 'tap';
import { describeDomain } from '../../src/virt/domain-xml.js';
import { downInfo, ExitCode, ExitReason } from '../../src/virt/vm/status.js';
import { DEFAULT_VM_TIMING, Vm } from '../../src/virt/vm/vm.js';
import { engineVmXml } from './helpers.js';

function newVm(published: string[]): Vm {
  const description = describeDomain(engineVmXml({ name: 'state' }));
  const metadata = description.metadata;
  if (metadata === undefined) throw new Error('engine XML without metadata');
  return new Vm({
    id: description.uuid,
    description,
    metadata,
    timing: DEFAULT_VM_TIMING,
    onStatus: (vm) => published.push(vm.status()),
  });
}

t.test('launching, running, paused with its code, running again, down for good', async (t) => {
  const published: string[] = [];
  const vm = newVm(published);
  t.same(vm.state, { kind: 'launching' });
  t.equal(vm.internalStatus, 'WaitForLaunch');
  vm.refresh();
  vm.setStatus('Up');
  t.same(vm.state, { kind: 'running' });
  vm.toPaused('NOERR');
  t.same(vm.state, { kind: 'paused', pauseCode: 'NOERR' });
  t.equal(vm.pauseCode, 'NOERR');
  const pausedAt = vm.statusTime;
  vm.ioErrorReported('ENOSPC');
  t.same(vm.state, { kind: 'paused', pauseCode: 'ENOSPC' }, 'an I/O error reason replaces the code of a pause');
  t.equal(vm.statusTime, pausedAt, 'a new code is not a new status');
  vm.setStatus('Up');
  t.equal(vm.pauseCode, undefined, 'leaving the pause drops its code');
  const exit = downInfo(ExitCode.NORMAL, ExitReason.ADMIN_SHUTDOWN);
  t.equal(vm.setDown(exit), true);
  t.same(vm.state, { kind: 'down', exit });
  t.same(vm.downInfo, exit);
  t.equal(vm.setDown(downInfo(ExitCode.ERROR, ExitReason.GENERIC_ERROR)), false, 'one Down only');
  vm.setStatus('Up');
  vm.toPaused('NOERR');
  t.equal(vm.internalStatus, 'Down', 'nothing leaves Down');
  t.same(published, ['WaitForLaunch', 'Up', 'Paused', 'Up', 'Down'], 'one event per status change');
});

t.test('an I/O error reported while running carries over to the pause that follows', async (t) => {
  const vm = newVm([]);
  vm.setStatus('Up');
  vm.ioErrorReported('EIO');
  t.equal(vm.pauseCode, 'EIO', 'reported in the stats at once, as upstream');
  vm.setStatus('Paused');
  t.same(vm.state, { kind: 'paused', pauseCode: 'EIO' });
});

t.test('recovery: running or paused as found, or the recorded Down without an event', async (t) => {
  const published: string[] = [];
  const paused = newVm(published);
  paused.recoveredRunning({ kind: 'paused', pauseCode: 'EIO' }, Date.now() / 1000 - 3600);
  t.same(paused.state, { kind: 'paused', pauseCode: 'EIO' });
  const down = newVm(published);
  down.restoreDown(downInfo(ExitCode.ERROR, ExitReason.LOST_QEMU_CONNECTION));
  t.equal(down.downInfo?.exitMessage, 'Lost connection with qemu process');
  paused.refresh();
  down.refresh();
  t.same(published, [], 'recovered states were already reported by the previous vdsmd');
});

t.test('destroy and forced-reboot markers are set and cleared only by their methods', async (t) => {
  const vm = newVm([]);
  t.equal(vm.beginDestroy(), true);
  t.equal(vm.beginDestroy(), false, 'a second destroy while one runs');
  vm.destroyFailed();
  t.equal(vm.destroying, false);
  let during = false;
  await t.rejects(
    vm.forcedRebootDuring(async () => {
      during = vm.forcedReboot;
      throw new Error('create failed');
    }),
    /create failed/,
  );
  t.equal(during, true);
  t.equal(vm.forcedReboot, false, 'cleared even when the reboot fails');
});
