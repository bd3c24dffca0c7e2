/**
 * The import rules anyone can check with `npx tap tests/dist/test/imports.test.js`: no load-order cycle, vdsmd's
 * layers import one way (rpc -> api -> virt | storage | host | network -> clients), workspaces reach each other only
 * through their package exports, and the privilege boundary shows in the package graph (supervdsmd does not depend
 * on the unprivileged vdsm package; common and supervdsm-protocol depend on no workspace).
 */
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  findCycles,
  type ImportEdge,
  parseImports,
  readImportGraph,
  workspaceOf,
} from '../src/imports/import-graph.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const graph = await readImportGraph(ROOT);

/**
 * Edges that break a rule today and are being removed in other branches of issue #13. Each entry is
 * `from -> to`; drop it when the branch that removes it is merged (the test fails on an entry that no longer
 * exists, so the list cannot go stale).
 */
const EXPECTED_TO_BE_REMOVED: ReadonlyMap<string, string> = new Map([]);

const seenExceptions = new Set<string>();

function key(e: ImportEdge): string {
  return `${e.from} -> ${e.to ?? e.specifier}`;
}

/** The edges breaking a rule, less the known ones (which are recorded as seen). */
function violations(broken: (e: ImportEdge) => boolean): string[] {
  const out: string[] = [];
  for (const e of graph.edges) {
    if (!broken(e)) continue;
    if (EXPECTED_TO_BE_REMOVED.has(key(e))) seenExceptions.add(key(e));
    else out.push(key(e));
  }
  return out;
}

/** `api` for vdsm/src/api/vm.ts; undefined outside vdsm/src. */
function vdsmLayer(path: string | undefined): string | undefined {
  return path === undefined ? undefined : /^vdsm\/src\/([^/]+)\//.exec(path)?.[1];
}

const SERVICES = new Set(['virt', 'storage', 'host', 'network']);

t.test('the walker sees every import form and tells type-only imports from run-time ones', async (t) => {
  const a = parseImports(
    'w/src/a.ts',
    [
      "import type { X } from './x.js';",
      "import {\n  y,\n  type Z,\n} from '../src/b.js';",
      "export { q } from './q.js';",
      "import './side-effect.js';",
      "const lazy = await import('./lazy.js');",
      "// import { no } from './in-a-comment.js';",
      "import t from 'tap';",
    ].join('\n'),
  );
  t.same(
    a.map((e) => [e.specifier, e.to ?? null, e.typeOnly]),
    [
      ['./x.js', 'w/src/x.ts', true],
      ['../src/b.js', 'w/src/b.ts', false],
      ['./q.js', 'w/src/q.ts', false],
      ['./side-effect.js', 'w/src/side-effect.ts', false],
      ['tap', null, false],
      ['./lazy.js', 'w/src/lazy.ts', false],
    ],
  );
  const b = parseImports('w/src/b.ts', "import { a } from './a.js';");
  const x = parseImports('w/src/x.ts', "import { a } from './a.js';");
  t.same(findCycles([...a, ...b, ...x]), [['w/src/a.ts', 'w/src/b.ts']], 'a <-> b is a cycle; a -type-> x -> a is not');
});

t.test('the graph is read from every workspace', async (t) => {
  t.ok(graph.files.length > 300, `${graph.files.length} source files`);
  t.ok(graph.edges.length > 1000, `${graph.edges.length} imports`);
  t.ok(
    graph.files.includes('vdsm/src/main.ts') && graph.files.includes('supervdsm/src/main.ts'),
    'both daemons are in it',
  );
});

t.test('no import cycle among run-time imports', async (t) => {
  t.same(findCycles(graph.edges), [], 'each entry lists the files of one cycle');
});

t.test('vdsm/src/api does not import vdsm/src/rpc', async (t) => {
  t.same(
    violations((e) => vdsmLayer(e.from) === 'api' && vdsmLayer(e.to) === 'rpc'),
    [],
  );
});

t.test('vdsm services (virt, storage, host, network) do not import vdsm/src/api or rpc', async (t) => {
  t.same(
    violations(
      (e) => SERVICES.has(vdsmLayer(e.from) ?? '') && (vdsmLayer(e.to) === 'api' || vdsmLayer(e.to) === 'rpc'),
    ),
    [],
  );
});

t.test('vdsm/src/schema (the generated contract api and the services share) imports no vdsm layer', async (t) => {
  t.same(
    violations((e) => vdsmLayer(e.from) === 'schema' && vdsmLayer(e.to) !== undefined && vdsmLayer(e.to) !== 'schema'),
    [],
  );
});

t.test('vdsm/src/clients imports no layer above it', async (t) => {
  t.same(
    violations(
      (e) =>
        vdsmLayer(e.from) === 'clients' &&
        (SERVICES.has(vdsmLayer(e.to) ?? '') || vdsmLayer(e.to) === 'api' || vdsmLayer(e.to) === 'rpc'),
    ),
    [],
  );
});

t.test('no relative import leaves its workspace', async (t) => {
  t.same(
    violations((e) => e.to !== undefined && workspaceOf(graph, e.to)?.dir !== workspaceOf(graph, e.from)?.dir),
    [],
  );
});

t.test(
  'a workspace is imported only through its package exports, and only by a package that depends on it',
  async (t) => {
    const problems: string[] = [];
    for (const e of graph.edges) {
      const m = /^(@vdsm-ts\/[^/]+)(?:\/(.+))?$/.exec(e.specifier);
      if (m === null || EXPECTED_TO_BE_REMOVED.has(key(e))) continue;
      const [, name, sub] = m;
      const target = graph.workspaces.find((ws) => ws.name === name);
      const importer = workspaceOf(graph, e.from);
      if (target === undefined) problems.push(`${key(e)}: no such workspace`);
      else if (!target.exports.has(sub === undefined ? '.' : `./${sub}`))
        problems.push(`${key(e)}: not in ${target.dir}/package.json exports`);
      if (importer !== undefined && name !== undefined && !importer.dependsOn.has(name) && importer.name !== name)
        problems.push(`${key(e)}: ${importer.dir}/package.json does not list ${name}`);
      if (importer !== undefined && importer.name === name) problems.push(`${key(e)}: imports its own package`);
    }
    t.same(problems, []);
    for (const ws of graph.workspaces) {
      t.notOk(
        [...ws.exports].some((sub) => sub.includes('*')),
        `${ws.dir} exports named subpaths, no wildcard`,
      );
    }
  },
);

t.test('supervdsmd (root) does not depend on the unprivileged vdsm package', async (t) => {
  const supervdsm = graph.workspaces.find((ws) => ws.dir === 'supervdsm');
  t.ok(supervdsm !== undefined);
  t.notOk(supervdsm?.dependsOn.has('@vdsm-ts/vdsm'), 'supervdsm/package.json does not list @vdsm-ts/vdsm');
  t.same(
    violations((e) => e.from.startsWith('supervdsm/') && /^@vdsm-ts\/vdsm(\/|$)/.test(e.specifier)),
    [],
  );
});

t.test('common and supervdsm-protocol import no other workspace', async (t) => {
  for (const dir of ['common', 'supervdsm-protocol']) {
    const ws = graph.workspaces.find((w) => w.dir === dir);
    t.ok(ws !== undefined, `${dir} is a workspace`);
    t.same(
      [...(ws?.dependsOn ?? [])].filter((name) => name.startsWith('@vdsm-ts/')),
      [],
      `${dir}/package.json`,
    );
    t.same(
      violations((e) => e.from.startsWith(`${dir}/`) && e.specifier.startsWith('@vdsm-ts/')),
      [],
      `${dir} sources`,
    );
  }
});

t.test('every known exception still exists (drop it from the list once its branch is merged)', async (t) => {
  t.same(
    [...EXPECTED_TO_BE_REMOVED.keys()].filter((k) => !seenExceptions.has(k)),
    [],
  );
});
