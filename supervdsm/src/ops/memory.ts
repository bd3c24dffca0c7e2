import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SupervdsmError } from '@vdsm-ts/supervdsm-protocol/errors';
import { fields, int, optInt } from '../validate.js';
import type { HandlerSet } from './handler.js';

/** Kernel memory knobs under /sys/kernel/mm: KSM (ksmtuned's knobs, as upstream's ksmTune) and hugepages. */

const KSM = '/sys/kernel/mm/ksm';
const HUGEPAGES = '/sys/kernel/mm/hugepages';

async function readNumber(path: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(path, 'utf8')).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

async function write(path: string, value: number): Promise<void> {
  try {
    await writeFile(path, `${value}\n`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SupervdsmError('NOT_AVAILABLE', `kernel lacks ${path}`);
    throw new SupervdsmError('COMMAND_FAILED', `cannot write ${value} to ${path}: ${code ?? String(err)}`);
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    throw new SupervdsmError('NOT_AVAILABLE', `kernel lacks ${dir}`);
  }
}

export const memoryHandlers: HandlerSet<'ksmTune' | 'ksmInfo' | 'hugepagesSet' | 'hugepagesInfo'> = {
  ksmTune: async (params) => {
    const p = fields(params, ['run', 'pagesToScan', 'sleepMillisecs']);
    const run = optInt(p, 'run', 0, 1);
    const pages = optInt(p, 'pagesToScan', 1, 1_000_000);
    const sleep = optInt(p, 'sleepMillisecs', 0, 3_600_000);
    if (run === undefined && pages === undefined && sleep === undefined)
      throw new SupervdsmError('INVALID_PARAMS', 'nothing to change: give run, pagesToScan or sleepMillisecs');
    await entries(KSM);
    if (pages !== undefined) await write(join(KSM, 'pages_to_scan'), pages);
    if (sleep !== undefined) await write(join(KSM, 'sleep_millisecs'), sleep);
    if (run !== undefined) await write(join(KSM, 'run'), run);
    return null;
  },
  ksmInfo: async (params) => {
    fields(params, []);
    const out: Record<string, number> = {};
    for (const name of await entries(KSM)) {
      const value = await readNumber(join(KSM, name));
      if (value !== undefined) out[name] = value;
    }
    return out;
  },
  hugepagesSet: async (params) => {
    const p = fields(params, ['sizeKiB', 'count']);
    const size = int(p, 'sizeKiB', 4, 16 * 1024 * 1024);
    const count = int(p, 'count', 0, 1 << 24);
    const dir = join(HUGEPAGES, `hugepages-${size}kB`);
    const sizes = await entries(HUGEPAGES);
    if (!sizes.includes(`hugepages-${size}kB`))
      throw new SupervdsmError('INVALID_PARAMS', `no ${size} KiB hugepages on this host (have: ${sizes.join(', ')})`);
    await write(join(dir, 'nr_hugepages'), count);
    // The kernel allocates what it can; report what it got.
    return { count: (await readNumber(join(dir, 'nr_hugepages'))) ?? 0 };
  },
  hugepagesInfo: async (params) => {
    fields(params, []);
    const out: Array<{ sizeKiB: number; total: number; free: number }> = [];
    for (const name of await entries(HUGEPAGES)) {
      const m = /^hugepages-(\d+)kB$/.exec(name);
      if (m === null) continue;
      out.push({
        sizeKiB: Number(m[1]),
        total: (await readNumber(join(HUGEPAGES, name, 'nr_hugepages'))) ?? 0,
        free: (await readNumber(join(HUGEPAGES, name, 'free_hugepages'))) ?? 0,
      });
    }
    return out;
  },
};
