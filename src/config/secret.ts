import { inspect } from 'node:util';
import { scrubTokenShapes } from './token-shapes.ts';

const REDACTED = '[redacted]';
/** How many levels of JSON-in-a-JSON-string a configured secret is recognised through. */
const JSON_LEVELS = 4;

/**
 * A secret value (token, password, webhook secret, recovery link or code). It prints as `[redacted]` through
 * every path a value can leak by: `String()`, template literals, `JSON.stringify`, `util.inspect` and pino.
 * Only `reveal()` gives the value, so a reviewer can grep for every place a secret is actually used.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /**
   * A secret from configuration (token, password, webhook secret): also scrubbed by value from every log
   * line. Per-person secrets (recovery links and codes) are not registered — there can be 100,000 of them —
   * and rely on the type and on field redaction instead.
   */
  static fromConfig(value: string): Secret {
    // As it appears inside a serialised JSON string (a quote or backslash in a password), and escaped again
    // for each level of JSON held in a JSON string (an error body kept in a job's failure, printed by --json).
    // Deepest first: scrubbing goes in this order, and a shallower form must not cut into a deeper one.
    const forms = [value];
    for (let level = 0; level < JSON_LEVELS; level++) {
      const escaped = JSON.stringify(forms[0]).slice(1, -1);
      if (escaped === forms[0]) break;
      forms.unshift(escaped);
    }
    for (const form of forms) secretValues.add(form);
    return new Secret(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * Every configuration secret this process has loaded, so a value that reached a string by some path the
 * structured redaction did not cover (e.g. an upstream error that echoed a header) can be scrubbed.
 * Values shorter than 6 characters are not scrubbed: they would blank out ordinary words.
 */
const secretValues = new Set<string>();

export function knownSecretValues(): Iterable<string> {
  return secretValues;
}

/**
 * The one scrubbing step for every string kratos-sync stores or shows — log lines, run reports, audit
 * entries, receipts, job failure reasons, console pages, CLI output: configured secret values, and
 * credentials recognisable by their shape (Ory tokens, bearer values, `token=`-style parameters, URL
 * userinfo). It keeps a serialised JSON document valid JSON.
 */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const value of secretValues) {
    if (value.length >= 6 && out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return scrubTokenShapes(out);
}

export const REDACTED_TEXT = REDACTED;
