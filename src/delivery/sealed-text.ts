import { inspect } from 'node:util';

/**
 * A message body that contains a link or code. Prints as `[redacted]` like `Secret`, but is not added to the
 * logger's scrub list: the secret inside it (the link) already is, and registering every rendered body would
 * grow that list by kilobytes per invite for the life of the worker.
 */
export class SealedText {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  reveal(): string {
    return this.#text;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
