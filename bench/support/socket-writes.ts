import net from 'node:net';

/**
 * Counts the writes this process hands to its TCP sockets (Redis commands, HTTP requests): on a loopback
 * connection each one is a system call that also runs the receiver's side of the network stack, and on the
 * machines measured they were the largest single cost of a `person.sync` job — more steady a figure than
 * wall time on a shared machine. It wraps `net.Socket`'s internal `_writeGeneric`/`_writev` (what
 * `write()`, a corked batch and undici all end in); if a Node version renames them, `available` is false.
 */
export function countSocketWrites(): { readonly available: boolean; count(): number } {
  const proto = net.Socket.prototype as unknown as Record<string, unknown>;
  let writes = 0;
  let wrapped = 0;
  for (const name of ['_writeGeneric', '_writev']) {
    const original = proto[name];
    if (typeof original !== 'function') continue;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      writes++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    wrapped++;
  }
  return { available: wrapped === 2, count: () => writes };
}
