const REDACTED = '[redacted]';

/** Names whose `name=value` (query string, form, header dump) or `"name": "value"` (echoed JSON) is a secret. */
const SECRET_NAMES =
  '(?:(?:access|refresh|id|session|auth|api|private|client|bearer)[_-]?)?token|api[_-]?key|apikey|client[_-]?secret|secret|password|passwd|pwd|signature|sig';

/**
 * Credentials recognisable by their shape, for text that did not come from our configuration: a gateway
 * echoing the request it refused, a URL with its password, an Ory token. The value classes stop at quotes
 * and backslashes, so scrubbing a serialised JSON document keeps it valid JSON.
 */
const SHAPES: Array<[RegExp, string]> = [
  // URL userinfo: scheme://user:password@host (RFC 3986 §3.2.1), whatever the scheme (https, redis, smtp).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>\\]+@/gi, `$1${REDACTED}@`],
  // Ory's prefixed tokens: ory_pat_ (project API key), ory_at_ / ory_rt_ (OAuth2), ory_st_ (session),
  // ory_ht_, ory_ac_, ory_wak_ and whatever prefix comes next.
  [/\bory_[a-z]{2,5}_[A-Za-z0-9_-]{4,}/g, REDACTED],
  // Authorization header values (RFC 6750 §2.1).
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [new RegExp(`\\b(${SECRET_NAMES})=[^\\s&;,"'<>\\\\]+`, 'gi'), `$1=${REDACTED}`],
  [new RegExp(`(["'](?:${SECRET_NAMES})["']\\s*:\\s*["'])[^"'\\\\]+`, 'gi'), `$1${REDACTED}`],
];

/** A cheap first look: most text carries none of these, and then no pattern runs. */
const MAYBE = new RegExp(`ory_|bearer|:\\/\\/[^\\s/]*@|(?:${SECRET_NAMES})["']?\\s*[=:]`, 'i');

export function scrubTokenShapes(text: string): string {
  if (!MAYBE.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
  return out;
}
