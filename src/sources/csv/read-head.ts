import { open } from 'node:fs/promises';
import { SourceError } from '../types.ts';

const HEAD_BYTES = 64 * 1024;

/** The first bytes of a file (enough for a BOM and the header line), or a SourceError naming the file. */
export async function readHead(path: string, file: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
    const buffer = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } catch (err) {
    throw fileError(file, err);
  } finally {
    await handle?.close();
  }
}

/** A file system failure as a SourceError: transient, since an export that has not landed yet may next time. */
export function fileError(file: string, err: unknown): SourceError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'failed');
  return new SourceError(`${file}: cannot read the export (${why})`, { cause: err, transient: true });
}
