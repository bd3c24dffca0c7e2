/**
 * Generates a custom test-driver file (use as `test:///abs/path.xml`) with N domains, for scale tests.
 * Domains are named `<prefix>-<i>`, get stable UUIDs, one disk and one interface each; `running` of them are
 * running (the rest shut off).
 */
export interface TestDriverOptions {
  domains: number;
  /** how many of them run; defaults to all */
  running?: number;
  prefix?: string;
  /** MiB per domain */
  memoryMiB?: number;
  vcpus?: number;
}

function uuidFor(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `6f1c7a5e-0000-4000-8000-${hex}`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function testDriverXml(o: TestDriverOptions): string {
  if (!Number.isInteger(o.domains) || o.domains < 0) throw new RangeError('domains must be a non-negative integer');
  const running = o.running ?? o.domains;
  const prefix = escapeXml(o.prefix ?? 'vm');
  const mem = (o.memoryMiB ?? 1024) * 1024;
  const vcpus = o.vcpus ?? 2;
  const parts: string[] = [
    '<node>',
    '  <cpu><mhz>2400</mhz><model>x86_64</model><active>8</active><nodes>1</nodes>',
    '    <sockets>1</sockets><cores>4</cores><threads>2</threads></cpu>',
    '  <memory>67108864</memory>',
  ];
  for (let i = 0; i < o.domains; i++) {
    const state = i < running ? 1 : 5; // VIR_DOMAIN_RUNNING / VIR_DOMAIN_SHUTOFF
    parts.push(
      `  <domain type='test'><name>${prefix}-${i}</name><uuid>${uuidFor(i)}</uuid>`,
      `    <memory unit='KiB'>${mem}</memory><currentMemory unit='KiB'>${mem}</currentMemory>`,
      `    <vcpu placement='static'>${vcpus}</vcpu><os><type>hvm</type></os>`,
      '    <devices>',
      `      <disk type='file' device='disk'><source file='/guest/${prefix}-${i}.img'/><target dev='vda' bus='virtio'/></disk>`,
      `      <interface type='network'><source network='default'/><target dev='vnet${i}'/></interface>`,
      '    </devices>',
      `    <test:runstate xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>${state}</test:runstate>`,
      '  </domain>',
    );
  }
  parts.push('</node>', '');
  return parts.join('\n');
}
