import { badRequest } from './herodot.ts';
import type { RequestInfo } from './router.ts';
import type { JsonObject } from './types.ts';

/**
 * ory/x `decoderx`, used by PUT /admin/identities/{id} and POST /admin/recovery/{link,code}
 * (ory/x `decoderx/http.go`): JSON Content-Type required, an empty body refused, unknown fields ignored.
 */
export function decodeRelaxedJson(req: RequestInfo, method: string, text: string): JsonObject {
  const contentType = String(req.headers['content-type'] ?? '');
  if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json')
    throw badRequest(
      `HTTP ${method} Request used unknown HTTP Header "Content-Type: ${contentType}", only [application/json] are supported.`,
    );
  if (text.length === 0)
    throw badRequest('Unable to decode HTTP Request Body because its HTTP Header "Content-Length" is zero.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badRequest(`Unable to decode JSON payload: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badRequest('Unable to decode JSON payload: expected a JSON object.');
  return parsed as JsonObject;
}
