import { ERROR_CATALOGUE } from './catalogue.ts';

/** The README's "Error codes" table, generated from the catalogue so the two cannot drift apart. */
export function errorCatalogueTable(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(
    ([code, entry]) => `| \`${code}\` | ${entry.retry} | ${entry.meaning} | ${entry.action} |`,
  );
  return ['| code | retry class | meaning | what to do |', '|---|---|---|---|', ...rows].join('\n');
}
