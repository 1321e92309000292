import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError } from './strict-decode.ts';
import type { Reply } from './types.ts';

/** Success bodies carry the charset; herodot error bodies do not (ory/herodot `json.go`). */
export function jsonReply(
  status: number,
  value: unknown,
  headers: Record<string, string | string[]> = {},
): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

/** For bodies already serialised (cached list pages). */
export function jsonTextReply(
  status: number,
  text: string,
  headers: Record<string, string | string[]> = {},
): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: text };
}

export function emptyReply(status: number, headers: Record<string, string | string[]> = {}): Reply {
  return { status, headers };
}

export function textReply(
  status: number,
  text: string,
  headers: Record<string, string | string[]> = {},
): Reply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: text };
}

export function htmlReply(
  status: number,
  html: string,
  headers: Record<string, string | string[]> = {},
): Reply {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body: html };
}

/** Go's router answer for a path nobody registered. */
export const pageNotFound = (): Reply =>
  textReply(404, '404 page not found\n', { 'x-content-type-options': 'nosniff' });

export const methodNotAllowed = (allow: string[]): Reply =>
  textReply(405, 'Method Not Allowed\n', { allow: allow.join(', ') });

/** Go's `http.Redirect`: the small HTML body (and its Content-Type) only for GET and HEAD. */
export function redirect(status: number, location: string, method = 'GET'): Reply {
  if (method !== 'GET' && method !== 'HEAD') return { status, headers: { location } };
  const text = status === 307 ? 'Temporary Redirect' : status === 303 ? 'See Other' : 'Found';
  return {
    status,
    headers: { location, 'content-type': 'text/html; charset=utf-8' },
    body: `<a href="${location.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">${text}</a>.\n\n`,
  };
}

/** The body as text; beyond `limitBytes` the rest is drained and `BodyTooLargeError` thrown. */
export async function readBody(req: IncomingMessage, limitBytes?: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (limitBytes !== undefined && size > limitBytes) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  if (tooLarge) throw new BodyTooLargeError();
  return Buffer.concat(chunks).toString('utf8');
}
