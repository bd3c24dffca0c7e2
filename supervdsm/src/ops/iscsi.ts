import { access } from 'node:fs/promises';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import type { IscsiTarget, LunInfo } from '@vdsm-ts/supervdsm-protocol/operations';
import { run } from '../exec.js';
import { fields, IQN, PORTAL, str } from '../validate.js';
import type { HandlerSet, OpContext } from './handler.js';

/**
 * iSCSI through the kernel initiator (iscsiadm) where it exists; otherwise discovery and LUN inquiry in user
 * space with libiscsi's tools, which need no kernel support but cannot attach a LUN as a block device.
 */

const DEFAULT_PORT = 3260;

/** Host[:port] with the default port made explicit. */
function portalOf(p: Readonly<Record<string, unknown>>): string {
  const portal = str(p, 'portal', PORTAL, 'iSCSI portal (host[:port])');
  const port = /:(\d+)$/.exec(portal.replace(/^\[[^\]]*\]/, ''));
  if (port === null) return `${portal}:${DEFAULT_PORT}`;
  const n = Number(port[1]);
  if (n < 1 || n > 65535) throw new SupervdsmError('INVALID_PARAMS', `portal port ${n} is out of range`);
  return portal;
}

async function kernelInitiator(): Promise<boolean> {
  try {
    await access('/sys/module/iscsi_tcp');
    await run(['iscsiadm', '--version'], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}

function noKernelInitiator(): SupervdsmError {
  return new SupervdsmError(
    'NOT_AVAILABLE',
    'kernel lacks an iSCSI initiator (iscsi_tcp) or iscsiadm is missing: sessions cannot be opened on this host',
  );
}

function groupTargets(pairs: ReadonlyArray<readonly [string, string]>): IscsiTarget[] {
  const byIqn = new Map<string, string[]>();
  for (const [iqn, portal] of pairs) {
    const list = byIqn.get(iqn) ?? [];
    if (!list.includes(portal)) list.push(portal);
    byIqn.set(iqn, list);
  }
  return [...byIqn].map(([iqn, portals]) => ({ iqn, portals }));
}

/** iscsi-ls lines: "Target:<iqn> Portal:<addr>:<port>,<tpgt>" then, with -s, "Lun:<n> Type:<type> ...". */
export function parseIscsiLs(
  out: string,
): Array<{ iqn: string; portal: string; luns: Array<{ lun: number; type: string }> }> {
  const targets: Array<{ iqn: string; portal: string; luns: Array<{ lun: number; type: string }> }> = [];
  for (const line of out.split('\n')) {
    const target = /^Target:(\S+) Portal:(\S+?)(?:,\d+)?$/.exec(line.trim());
    if (target !== null) {
      targets.push({ iqn: target[1] as string, portal: target[2] as string, luns: [] });
      continue;
    }
    const lun = /^Lun:(\d+)\s+Type:(\S+)/.exec(line.trim());
    if (lun !== null) targets.at(-1)?.luns.push({ lun: Number(lun[1]), type: lun[2] as string });
  }
  return targets;
}

/** iscsiadm sendtargets lines: "<addr>:<port>,<tpgt> <iqn>". */
export function parseSendtargets(out: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const line of out.split('\n')) {
    const m = /^(\S+?),\d+\s+(\S+)$/.exec(line.trim());
    if (m !== null) pairs.push([m[2] as string, m[1] as string]);
  }
  return pairs;
}

/** "Key:value" lines of iscsi-inq and iscsi-readcapacity16. */
function keyValues(out: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) map.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return map;
}

async function inquireLun(url: string, iqn: string, lun: number, ctx: OpContext): Promise<LunInfo> {
  const opts = { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
  const [std, serialPage, capacity] = await Promise.all([
    run(['iscsi-inq', url], opts),
    run(['iscsi-inq', '-e', '1', '-c', '128', url], opts),
    run(['iscsi-readcapacity16', url], opts),
  ]);
  const inq = keyValues(std);
  const cap = keyValues(capacity);
  const serial = /Unit Serial Number:\[\s*(.*?)\s*\]/.exec(serialPage)?.[1] ?? '';
  return {
    target: iqn,
    lun,
    vendor: inq.get('Vendor') ?? '',
    product: inq.get('Product') ?? '',
    serial,
    size: Number(cap.get('Total size') ?? 0),
    blockSize: Number(cap.get('LOGICAL BLOCK LENGTH IN BYTES') ?? 0),
  };
}

export const iscsiHandlers: HandlerSet<'iscsiDiscover' | 'iscsiLogin' | 'iscsiLogout' | 'iscsiLuns'> = {
  iscsiDiscover: async (params, ctx) => {
    const portal = portalOf(fields(params, ['portal']));
    const opts = { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
    if (await kernelInitiator()) {
      const out = await run(['iscsiadm', '-m', 'discovery', '-t', 'sendtargets', '-p', portal], opts);
      return groupTargets(parseSendtargets(out));
    }
    const out = await run(['iscsi-ls', `iscsi://${portal}`], opts);
    return groupTargets(parseIscsiLs(out).map((t) => [t.iqn, t.portal] as const));
  },
  iscsiLogin: async (params, ctx) => {
    const p = fields(params, ['portal', 'iqn']);
    const portal = portalOf(p);
    const iqn = str(p, 'iqn', IQN, 'iSCSI name');
    if (!(await kernelInitiator())) throw noKernelInitiator();
    const opts = { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
    await run(['iscsiadm', '-m', 'node', '-T', iqn, '-p', portal, '--op', 'new'], opts);
    await run(['iscsiadm', '-m', 'node', '-T', iqn, '-p', portal, '--login'], opts);
    return null;
  },
  iscsiLogout: async (params, ctx) => {
    const p = fields(params, ['portal', 'iqn']);
    const portal = portalOf(p);
    const iqn = str(p, 'iqn', IQN, 'iSCSI name');
    if (!(await kernelInitiator())) throw noKernelInitiator();
    await run(['iscsiadm', '-m', 'node', '-T', iqn, '-p', portal, '--logout'], {
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
    });
    return null;
  },
  iscsiLuns: async (params, ctx) => {
    const p = fields(params, ['portal', 'iqn']);
    const portal = portalOf(p);
    const iqn = str(p, 'iqn', IQN, 'iSCSI name');
    const out = await run(['iscsi-ls', '-s', `iscsi://${portal}`], { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    const target = parseIscsiLs(out).find((t) => t.iqn === iqn);
    if (target === undefined) throw new SupervdsmError('INVALID_PARAMS', `portal ${portal} offers no target ${iqn}`);
    const luns: LunInfo[] = [];
    for (const { lun } of target.luns.filter((l) => l.type === 'DIRECT_ACCESS')) {
      luns.push(await inquireLun(`iscsi://${portal}/${iqn}/${lun}`, iqn, lun, ctx));
    }
    return luns;
  },
};
