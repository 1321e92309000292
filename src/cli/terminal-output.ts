import { format } from 'node:util';
import { scrubSecrets } from '../config/secret.ts';

/**
 * Characters a terminal obeys rather than shows: C0 controls but tab and newline (ESC starts colour, cursor,
 * clear-screen and OSC 8 hyperlink sequences; CR overwrites a line), DEL, the C1 controls (U+009B is a
 * one-character CSI on many terminals) and the bidirectional overrides (which reorder what is shown).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as the CLI prints it: scrubbed like everything stored or shown, and with every control character
 * written as a visible `\uXXXX` escape, so a name from the HR source cannot clear the screen, forge a link
 * or rewrite a line of a receipt. The escape is JSON's own, so `--json` output still parses to the same
 * values.
 */
export function terminalText(text: string): string {
  return scrubSecrets(text).replace(
    CONTROLS,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Route the CLI's text output — every `console.log`/`info` (stdout) and `console.error`/`warn` (stderr),
 * which is how each command prints its tables, reports, JSON and errors — through `terminalText`. The one
 * place all commands meet, present and future. Progress bars write to the streams directly: they print
 * counts only, and their cursor control must pass.
 */
export function installTerminalOutput(): void {
  const to =
    (stream: NodeJS.WriteStream) =>
    (...args: unknown[]): void => {
      stream.write(`${terminalText(format(...args))}\n`);
    };
  console.log = to(process.stdout);
  console.info = to(process.stdout);
  console.error = to(process.stderr);
  console.warn = to(process.stderr);
}
