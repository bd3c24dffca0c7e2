import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, type TestDriverOptions, testDriverXml } from '../../src/libvirt/index.js';

/** Writes a test-driver file with the given domains; returns its test:/// URI and a cleanup function. */
export async function testDriverFile(o: TestDriverOptions): Promise<{ uri: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vdsm-native-'));
  const file = join(dir, 'node.xml');
  await writeFile(file, testDriverXml(o));
  return { uri: `test://${file}`, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A minimal test-driver domain XML. */
export function testDomainXml(name: string): string {
  return `<domain type='test'><name>${name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type>hvm</type></os></domain>`;
}

/** Opens qemu:///system, or explains why not (tests skip outside CI, fail under CI=true). */
export async function openSystem(): Promise<Connection | string> {
  try {
    return await Connection.open({ uri: 'qemu:///system' });
  } catch (err) {
    const why = `qemu:///system is not reachable (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(why);
    return why;
  }
}
