import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** Absolute path of the repository root (this file sits in test/packaging/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function repoPath(relative: string): string {
  return `${REPO_ROOT}${relative}`;
}

export function readRepoFile(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

export function readRepoYaml<T = Record<string, unknown>>(relative: string): T {
  return parseYaml(readRepoFile(relative)) as T;
}

export function readRepoJson<T = Record<string, unknown>>(relative: string): T {
  return JSON.parse(readRepoFile(relative)) as T;
}
