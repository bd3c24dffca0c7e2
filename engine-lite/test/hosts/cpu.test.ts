import t from 'tap';
import { checkClusterCpu } from '../../src/hosts/cpu.js';

t.test('cluster CPU check against Host.getCapabilities', async (t) => {
  const flags = 'fpu,sse2,model_EPYC,model_Opteron_G5';
  t.equal(checkClusterCpu('AMD EPYC', { cpuFlags: flags }).ok, true, 'model flag present');
  const missing = checkClusterCpu('AMD EPYC-Rome', { cpuFlags: flags });
  t.equal(missing.ok, false, 'model flag absent → NonOperational');
  t.match(missing.detail, /lacks model_EPYC-Rome/);
  t.equal(checkClusterCpu('Nonsense CPU', { cpuFlags: flags }).ok, false, 'unknown cluster CPU type');
  const vendorOnly = checkClusterCpu('AMD EPYC', { cpuModel: 'AMD EPYC 7763' });
  t.equal(vendorOnly.ok, true, 'without cpuFlags only the vendor is checked');
  t.match(vendorOnly.detail, /only the CPU vendor/, 'and the detail says so');
  t.equal(checkClusterCpu('Intel Nehalem Family', { cpuModel: 'AMD EPYC' }).ok, false, 'vendor mismatch');
});
