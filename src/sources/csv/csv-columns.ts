import { SourceError } from '../types.ts';

/**
 * Field names for each CSV column, from the header row: trimmed, renamed through `connection.columns`.
 * `undefined` drops a column (an empty header, as a trailing delimiter in "a,b,c," exports produces).
 * Refuses what would make records ambiguous: two columns with the same name, names starting with `__`
 * (reserved for `__line` / `__error`, and it keeps `__proto__` out), and renames of headers that are not
 * there (a typo would otherwise leave a field missing from every record).
 */
export function csvColumns(
  header: readonly string[],
  renames: Readonly<Record<string, string>>,
  file: string,
): Array<string | undefined> {
  const trimmed = header.map((name) => name.replace(/^\uFEFF/, '').trim());
  const present = new Set(trimmed);
  const missing = Object.keys(renames).filter((from) => !present.has(from.trim()));
  if (missing.length > 0) {
    throw configError(
      `${file}: connection.columns renames ${list(missing)}, not found in the header ` +
        `(headers: ${list(trimmed.filter(Boolean))})`,
    );
  }
  const byTrimmedName = new Map(Object.entries(renames).map(([from, to]) => [from.trim(), to]));
  const names = trimmed.map((name) => (name === '' ? undefined : (byTrimmedName.get(name) ?? name)));

  const seen = new Set<string>();
  for (const [index, name] of names.entries()) {
    if (name === undefined) continue;
    if (name.startsWith('__')) {
      throw configError(
        `${file}: column ${index + 1} is named "${name}"; names starting with "__" are reserved — ` +
          `rename it with connection.columns`,
      );
    }
    if (seen.has(name)) {
      throw configError(
        `${file}: two columns are named "${name}"; rename one with connection.columns so each field has one value`,
      );
    }
    seen.add(name);
  }
  return names;
}

function configError(message: string): SourceError {
  // A wrong header does not fix itself on retry: someone must change the export or the config.
  return new SourceError(message, { transient: false });
}

function list(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}
