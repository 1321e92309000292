/**
 * Loaded into a measured process with `--import` (see bench/webhook-intake.ts): counts the writes it hands to
 * its TCP sockets, split into answers on the sockets its servers accepted (HTTP) and writes on the ones it
 * opened itself (Redis, Kratos), and the chunks those carried (a corked batch is one write of many chunks).
 * On SIGUSR2 it writes the counts so far to `BENCH_SOCKET_WRITES_FILE`, so a benchmark can read them before
 * and after a phase. Each write on a loopback socket is a system call that also runs the receiver's side
 * of the network stack: fewer of them is CPU saved, more steadily counted than timed on a shared machine.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';

const file = process.env.BENCH_SOCKET_WRITES_FILE;
const proto = net.Socket.prototype as unknown as Record<string, unknown> & { _writeGeneric?: unknown };
if (file && typeof proto._writeGeneric === 'function') {
  const counts = { snapshot: 0, answerWrites: 0, clientWrites: 0, clientChunks: 0 };
  const original = proto._writeGeneric as (
    this: net.Socket,
    writev: boolean,
    data: unknown,
    ...rest: unknown[]
  ) => unknown;
  proto._writeGeneric = function (
    this: net.Socket & { server?: unknown; _server?: unknown },
    writev: boolean,
    data: unknown,
    ...rest: unknown[]
  ) {
    if (this.server || this._server) counts.answerWrites++;
    else {
      counts.clientWrites++;
      counts.clientChunks += writev && Array.isArray(data) ? data.length : 1;
    }
    return original.call(this, writev, data, ...rest);
  };
  process.on('SIGUSR2', () => {
    counts.snapshot++;
    writeFileSync(file, JSON.stringify(counts));
  });
}
