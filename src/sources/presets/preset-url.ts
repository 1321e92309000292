/**
 * A vendor API URL: `path` (with its query) under the vendor's address or the user's `baseUrl` override,
 * keeping any path prefix of the override (a proxy that serves the API under `/bamboohr`).
 */
export function presetUrl(baseUrl: string | undefined, vendorBase: string, path: string): URL {
  const base = (baseUrl ?? vendorBase).replace(/\/+$/, '');
  return new URL(`${base}${path}`);
}

/** `path` with each `{name}` replaced by the URL-encoded value. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}
