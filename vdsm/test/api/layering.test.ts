import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

// vdsm/dist/test/api -> vdsm/src (the sources, not the compiled copies)
const src = fileURLToPath(new URL('../../../src/', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

/** The src/ top-level directories a directory's files import from (relative imports only). */
async function importedAreas(area: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const file of await sources(join(src, area))) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) continue;
      const target = relative(src, resolve(dirname(file), spec)).split('/')[0]!;
      found.set(target, [...(found.get(target) ?? []), relative(src, file)]);
    }
  }
  return found;
}

t.test('no file under src/api imports from src/rpc', async (t) => {
  const areas = await importedAreas('api');
  t.ok(areas.has('virt') && areas.has('storage'), 'the scan sees the imports api has');
  t.same(areas.get('rpc') ?? [], []);
});

t.test('no file under src/virt imports from src/api', async (t) => {
  const areas = await importedAreas('virt');
  t.ok(areas.has('errors'), 'the scan sees the imports virt has');
  t.same(areas.get('api') ?? [], []);
});
