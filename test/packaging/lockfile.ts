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
  const entries = Object.entries(lock.packages);
  // A name that a production package also needs in another version (nested in the lock, e.g. scim-patch's
  // own @types/node) may be hoisted to the top by a production install: it is not development-only.
  const neededInProduction = new Set(
    entries.filter(([key, entry]) => key !== '' && entry.dev !== true).map(([key]) => packageName(key)),
  );
  return entries
    .filter(([key, entry]) => entry.dev === true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(key))
    .map(([key]) => packageName(key))
    .filter((name) => !neededInProduction.has(name));
}

/** The package name a lock key ends with (`node_modules/a/node_modules/@b/c` → `@b/c`). */
function packageName(key: string): string {
  return key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
}
