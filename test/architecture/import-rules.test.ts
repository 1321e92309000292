import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildFolderGraph, cycles, isUpward, layersFromDoc, mutualPairs } from './import-graph.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const layers = layersFromDoc(readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8'));
const graph = buildFolderGraph(repoRoot, ['src', 'jobs']);

/**
 * Today's known violations of the rule in docs/architecture.md: debt, each to be removed (issue 11). An arrow
 * here is tolerated; any other upward arrow or cycle fails. An entry whose arrow has gone fails too, so this
 * list only shrinks: delete the line when you remove the import.
 */
const knownDebt: Record<string, string> = {};

function describeEdges(keys: readonly string[]): string {
  return keys.map((key) => `${key}\n    ${graph.get(key)!.imports.join('\n    ')}`).join('\n');
}

describe('folder imports follow the layers of docs/architecture.md', () => {
  it('places every folder under src/ and jobs/ in a layer of docs/architecture.md', () => {
    const folders = new Set([...graph.values()].flatMap((edge) => [edge.from, edge.to]));
    expect([...folders].filter((folder) => !layers.has(folder)).sort()).toEqual([]);
    expect(layers.get('app')).toBe(1);
    expect(layers.get('config')).toBeGreaterThan(layers.get('sync')!);
  });

  it('has no upward import outside the known debt', () => {
    const upward = [...graph.keys()].filter((key) => isUpward(key, layers) && !(key in knownDebt)).sort();
    expect(
      upward,
      `upward imports (a lower layer must not import a higher one):\n${describeEdges(upward)}`,
    ).toEqual([]);
  });

  it('has no pair of folders importing each other, nor a longer loop, outside the known debt', () => {
    const allowed = [...graph.keys()].filter((key) => !(key in knownDebt));
    expect(mutualPairs(allowed), 'folders that import each other').toEqual([]);
    expect(cycles(allowed), 'folders that reach each other around a loop').toEqual([]);
  });

  it('lists as debt only arrows that exist and break the rule (the list only shrinks)', () => {
    const gone = Object.keys(knownDebt).filter((key) => !graph.has(key));
    expect(gone, 'these arrows are gone: delete them from knownDebt').toEqual([]);
    const allowed = [...graph.keys()].filter((key) => !(key in knownDebt));
    const harmless = Object.keys(knownDebt).filter(
      (key) => !isUpward(key, layers) && cycles([...allowed, key]).length === 0,
    );
    expect(harmless, 'these arrows break no rule: delete them from knownDebt').toEqual([]);
  });
});

describe('the import-rule checks themselves', () => {
  it('reads the layers from the table of docs/architecture.md', () => {
    const doc =
      '| layer | folders |\n|---|---|\n| 1. top | `app` |\n| 2. middle | `cli`, `http` |\n| 3. low | `log` |';
    expect(Object.fromEntries(layersFromDoc(doc))).toEqual({ app: 1, cli: 2, http: 2, log: 3 });
  });

  it('calls an arrow to a higher layer upward, and sideways or downward ones not', () => {
    const sample = new Map([
      ['app', 1],
      ['cli', 2],
      ['http', 2],
      ['log', 3],
    ]);
    expect(isUpward('log -> cli', sample)).toBe(true);
    expect(isUpward('cli -> app', sample)).toBe(true);
    expect(isUpward('cli -> http', sample)).toBe(false);
    expect(isUpward('app -> log', sample)).toBe(false);
  });

  it('finds mutual pairs and longer loops', () => {
    const arrows = ['a -> b', 'b -> a', 'c -> d', 'd -> e', 'e -> c', 'e -> f'];
    expect(mutualPairs(arrows)).toEqual(['a <-> b']);
    expect(cycles(arrows)).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
    expect(cycles(['a -> b', 'b -> c'])).toEqual([]);
  });
});
