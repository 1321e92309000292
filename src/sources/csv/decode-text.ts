import { Transform } from 'node:stream';
import { SourceError } from '../types.ts';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'windows-1252';

/**
 * Bytes → text, one chunk at a time: decodes (dropping a BOM), refuses bytes that are not valid in the
 * encoding (a Latin-1 export read as UTF-8 would otherwise turn every "é" into "�" and change names
 * silently), and turns CRLF and lone CR into LF so the CSV parser counts lines the same way for every export
 * (csv-parse miscounts lines when CRLF appears inside quoted fields).
 */
export function decodeText(encoding: TextEncoding, file: string): Transform {
  const decoder = new TextDecoder(encoding, { fatal: true });
  let heldCarriageReturn = false;
  let line = 1;

  const normalise = (text: string): string => {
    const out = text.replace(/\r\n?/g, '\n');
    for (let i = out.indexOf('\n'); i !== -1; i = out.indexOf('\n', i + 1)) line++;
    return out;
  };
  const decodeError = (cause: unknown, chunk?: Buffer) => {
    // Only on failure: find the line by decoding the chunk leniently up to the first replacement character.
    const lenient = chunk === undefined ? '' : new TextDecoder(encoding).decode(chunk);
    const before = lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD')));
    const at = line + (before.match(/\r\n?|\n/g)?.length ?? 0);
    return new SourceError(
      `${file}: around line ${at}: the file is not valid ${encoding}; ` +
        `set connection.encoding (utf-8, utf-16le or windows-1252) to the export's encoding`,
      { cause, transient: false },
    );
  };

  return new Transform({
    readableObjectMode: false,
    decodeStrings: true,
    transform(chunk: Buffer, _encoding, callback) {
      let text: string;
      try {
        text = (heldCarriageReturn ? '\r' : '') + decoder.decode(chunk, { stream: true });
      } catch (err) {
        callback(decodeError(err, chunk));
        return;
      }
      // A CR at the end of a chunk may be the first half of a CRLF split across chunks.
      heldCarriageReturn = text.endsWith('\r');
      callback(null, normalise(heldCarriageReturn ? text.slice(0, -1) : text));
    },
    flush(callback) {
      try {
        callback(null, normalise((heldCarriageReturn ? '\r' : '') + decoder.decode()));
      } catch (err) {
        callback(decodeError(err));
      }
    },
  });
}

/** The encoding announced by a byte-order mark, if any. */
export function encodingFromBom(head: Uint8Array): TextEncoding | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  return undefined;
}
