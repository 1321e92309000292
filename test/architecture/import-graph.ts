import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One folder-level arrow `from → to`, with the file-level imports that make it. */
export interface FolderEdge {
  from: string;
  to: string;
  imports: string[];
}

/**
 * The folder of a file: `src/<folder>/…` → `<folder>`, `jobs/…` → `jobs`. A file straight under `src/` has
 * no folder and is reported as `src` (no layer holds it, so the rules test names it).
 */
export function folderOf(repoRelativePath: string): string {
  const parts = repoRelativePath.split(sep).join('/').split('/');
  if (parts[0] === 'src') return parts.length > 2 ? parts[1]! : 'src';
  return parts[0]!;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tsFiles(path, out);
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/**
 * Every relative import (static, `import type`, `export … from`, and dynamic `import()`) of every `.ts` file
 * under `roots`, folded into folder-level arrows. TypeScript's own pre-processor reads the specifiers, so
 * comments and strings that merely look like imports are not counted.
 */
export function buildFolderGraph(repoRoot: string, roots: readonly string[]): Map<string, FolderEdge> {
  const edges = new Map<string, FolderEdge>();
  for (const file of roots.flatMap((root) => tsFiles(join(repoRoot, root)))) {
    const fromPath = relative(repoRoot, file);
    const from = folderOf(fromPath);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const toPath = relative(repoRoot, resolve(dirname(file), fileName));
      if (!roots.some((root) => toPath.startsWith(root + sep) || toPath.startsWith(root + '/'))) continue;
      const to = folderOf(toPath);
      if (to === from) continue;
      const key = `${from} -> ${to}`;
      const edge = edges.get(key) ?? { from, to, imports: [] };
      edge.imports.push(`${fromPath} imports ${toPath}`);
      edges.set(key, edge);
    }
  }
  return edges;
}

/** Pairs of folders that import each other, each pair once (`a <-> b` with a < b). */
export function mutualPairs(edgeKeys: Iterable<string>): string[] {
  const keys = new Set(edgeKeys);
  const pairs: string[] = [];
  for (const key of keys) {
    const [from, to] = key.split(' -> ') as [string, string];
    if (from < to && keys.has(`${to} -> ${from}`)) pairs.push(`${from} <-> ${to}`);
  }
  return pairs.sort();
}

/** Groups of two or more folders that reach each other around a loop (Tarjan's strongly connected components). */
export function cycles(edgeKeys: Iterable<string>): string[][] {
  const next = new Map<string, string[]>();
  for (const key of edgeKeys) {
    const [from, to] = key.split(' -> ') as [string, string];
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/**
 * The layers of docs/architecture.md, read from its table (`| 1. composition | \`app\` | … |`): folder →
 * layer number, 1 at the top. The rules test reads them from the page so the page and the check cannot drift.
 */
export function layersFromDoc(markdown: string): Map<string, number> {
  const layers = new Map<string, number>();
  for (const line of markdown.split('\n')) {
    const row = /^\|\s*(\d+)\.[^|]*\|([^|]*)\|/.exec(line);
    if (!row) continue;
    for (const folder of row[2]!.matchAll(/`([a-z-]+)`/g)) layers.set(folder[1]!, Number(row[1]));
  }
  return layers;
}

/** An arrow to a folder in a higher layer (a smaller number). Unknown folders are not judged here. */
export function isUpward(edgeKey: string, layers: ReadonlyMap<string, number>): boolean {
  const [from, to] = edgeKey.split(' -> ') as [string, string];
  const fromLayer = layers.get(from);
  const toLayer = layers.get(to);
  return fromLayer !== undefined && toLayer !== undefined && toLayer < fromLayer;
}
