/**
 * The repository's import graph, read from the TypeScript sources of every workspace: which file imports which, and
 * whether only for types. The import-rule test checks layering, cycles and package boundaries on it.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

export interface Workspace {
  /** Folder under the repository root, e.g. `vdsm`. */
  readonly dir: string;
  /** Package name, e.g. `@vdsm-ts/vdsm`. */
  readonly name: string;
  /** Subpaths its package.json exports, e.g. `./client/index`. */
  readonly exports: ReadonlySet<string>;
  /** Every package it lists in dependencies or devDependencies. */
  readonly dependsOn: ReadonlySet<string>;
}

export interface ImportEdge {
  /** Importing file, relative to the repository root (`vdsm/src/api/vm.ts`). */
  readonly from: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** The imported file relative to the root, for relative specifiers that resolve inside the repository. */
  readonly to?: string;
  /** `import type` / `export type`: erased at run time, so it cannot make a load-order cycle. */
  readonly typeOnly: boolean;
}

export interface ImportGraph {
  readonly root: string;
  readonly workspaces: readonly Workspace[];
  readonly files: readonly string[];
  readonly edges: readonly ImportEdge[];
}

/** The folders of a workspace whose sources count. */
const SOURCE_DIRS = ['src', 'test', 'bench', 'fuzz'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'fixtures-data']);

// static imports and re-exports (possibly spanning lines), side-effect imports, dynamic import('...')
const FROM = /\b(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

export async function readImportGraph(root: string): Promise<ImportGraph> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const workspaces: Workspace[] = [];
  for (const dir of manifest.workspaces) workspaces.push(await readWorkspace(root, dir));
  const files: string[] = [];
  for (const ws of workspaces) {
    for (const sub of SOURCE_DIRS) files.push(...(await listTs(root, join(ws.dir, sub))));
  }
  const edges: ImportEdge[] = [];
  for (const file of files) edges.push(...parseImports(file, await readFile(join(root, file), 'utf8')));
  return { root, workspaces, files, edges };
}

async function readWorkspace(root: string, dir: string): Promise<Workspace> {
  const pkg = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8')) as {
    name: string;
    exports?: Record<string, unknown>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return {
    dir,
    name: pkg.name,
    exports: new Set(Object.keys(pkg.exports ?? {})),
    dependsOn: new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]),
  };
}

async function listTs(root: string, dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) out.push(...(await listTs(root, path)));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out.sort();
}

/** The imports of one file; comments are dropped first so an example in a comment is not an edge. */
export function parseImports(file: string, text: string): ImportEdge[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const edges: ImportEdge[] = [];
  for (const m of code.matchAll(FROM)) edges.push(edge(file, m[3] ?? '', m[2] !== undefined));
  for (const m of code.matchAll(DYNAMIC)) edges.push(edge(file, m[1] ?? '', false));
  return edges;
}

function edge(from: string, specifier: string, typeOnly: boolean): ImportEdge {
  if (!specifier.startsWith('.')) return { from, specifier, typeOnly };
  const to = relative('.', resolve(dirname(from), specifier.replace(/\.js$/, '.ts')));
  return { from, specifier, to, typeOnly };
}

/** The workspace a repository-relative path belongs to. */
export function workspaceOf(graph: ImportGraph, path: string): Workspace | undefined {
  return graph.workspaces.find((ws) => path === ws.dir || path.startsWith(`${ws.dir}/`));
}

/** Cycles among run-time (non-type) imports between files, each as the list of files around it. */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (e.typeOnly || e.to === undefined) continue;
    const list = next.get(e.from) ?? [];
    list.push(e.to);
    next.set(e.from, list);
  }
  // Tarjan's strongly connected components: every component of two or more files holds a cycle
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    indexOf.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!indexOf.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(to) ?? 0));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) ?? 0, indexOf.get(to) ?? 0));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      for (;;) {
        const member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
        if (member === node) break;
      }
      const selfLoop = (next.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) cycles.push(component.sort());
    }
  };
  for (const node of next.keys()) if (!indexOf.has(node)) visit(node);
  return cycles;
}
