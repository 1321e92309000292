import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret value (token, password, webhook secret, recovery link or code). It prints as `[redacted]` through
 * every path a value can leak by: `String()`, template literals, `JSON.stringify`, `util.inspect` and pino.
 * Only `reveal()` gives the value, so a reviewer can grep for every place a secret is actually used.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    secretValues.add(value);
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
 * Every secret value this process has seen, so the log stream can scrub a value that reached a message
 * by some path the structured redaction did not cover (e.g. an upstream error that echoed a header).
 * Values shorter than 6 characters are not scrubbed: they would blank out ordinary words.
 */
const secretValues = new Set<string>();

export function knownSecretValues(): Iterable<string> {
  return secretValues;
}

export function scrubSecrets(text: string): string {
  let out = text;
  for (const value of secretValues) {
    if (value.length >= 6 && out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

export const REDACTED_TEXT = REDACTED;
