import { readRepoJson } from './repo-files.ts';

interface LockEntry {
  dev?: boolean;
}

/**
 * Packages that only development needs, by the lockfile's own account (`dev: true`). Not the same as
 * devDependencies: `typescript` is also an optional peer of a production package (valibot, through
 * @bull-board/api), so npm marks it `devOptional` and `npm ci --omit=dev` keeps it, by design.
 */
export function devOnlyPackages(): string[] {
  const lock = readRepoJson<{ packages: Record<string, LockEntry> }>('package-lock.json');
  return Object.entries(lock.packages)
    .filter(([key, entry]) => entry.dev === true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(key))
    .map(([key]) => key.slice('node_modules/'.length));
}
