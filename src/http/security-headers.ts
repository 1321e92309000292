/**
 * Response headers for the pages an operator opens (the console and the queue dashboard): never framed
 * (clickjacking a form that approves removals), no MIME sniffing, no referrer carrying a run id or a search
 * out of the page, never cached by a shared proxy.
 */
const COMMON = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The console: only our own stylesheet and script; forms post only to us. */
export const CONSOLE_SECURITY_HEADERS = {
  ...COMMON,
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/**
 * bull-board's UI: scripts from its own static folder only; its React components set inline styles and its
 * page has a `<base href>`, so styles may be inline and the base must stay on this origin. Its web-font
 * link (fonts.googleapis.com) is not allowed: the page falls back to local fonts and calls no third party.
 */
export const DASHBOARD_SECURITY_HEADERS = {
  ...COMMON,
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'",
};
