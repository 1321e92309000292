import type { SourceRuntime, SyncContext } from './context.ts';
import { readMarker } from '../domain/ownership-marker.ts';

/**
 * Who `explain <key|email>` is about: a person key as it is, or an email resolved to the key of the source
 * that manages it — by Kratos's email identifier filter where the server has one (v1.0+), else by mapping
 * the source's records until one has that email (v0.10; one read of the source).
 */
export async function resolvePeople(
  ctx: SyncContext,
  input: string,
  sources: readonly SourceRuntime[],
): Promise<Array<{ runtime: SourceRuntime; key: string }>> {
  if (!input.includes('@')) return sources.map((runtime) => ({ runtime, key: input }));
  const email = input.trim().toLowerCase();
  const found: Array<{ runtime: SourceRuntime; key: string }> = [];
  if (ctx.kratos.capabilities.credentialsIdentifierFilter) {
    for await (const page of ctx.kratos.listIdentities({ credentialsIdentifier: email, pageSize: 10 })) {
      for (const identity of page) {
        const marker = readMarker(identity);
        const runtime = sources.find((s) => s.name === marker?.source);
        if (marker && runtime) found.push({ runtime, key: marker.key });
      }
      break;
    }
    if (found.length) return found;
  }
  for (const runtime of sources) {
    let position = 0;
    for await (const record of runtime.source.stream()) {
      const mapped = await runtime.mapper.map(record, (position += 1), ctx.now());
      if (mapped.ok === true && mapped.desired.email?.toLowerCase() === email) {
        found.push({ runtime, key: mapped.desired.key });
        break;
      }
    }
  }
  return found;
}
