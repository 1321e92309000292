import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';

const coalesced = new WeakSet<object>();

/**
 * Sends the commands a connection is given while one callback and its promise continuations run in one
 * socket write. The HTTP process answers many webhooks at once and each sends its own Redis commands
 * (replay claim, job add, acceptance); written one by one, the `write` system calls on the loopback socket
 * were a third of its CPU. One read from Redis answers many of them, and their next commands are sent in
 * the continuations that answer resolves: the socket is corked at the first command and uncorked in
 * `process.nextTick`, which Node runs once the current callback's promise continuations are done, so Node
 * hands them to one `writev`. Not later: a command waiting for the end of the event-loop turn
 * (`setImmediate`, as ioredis's auto-pipelining does) waits behind every other callback of that turn, and
 * on a busy process each of a webhook's three sequential commands lost a turn. Order is kept (one socket,
 * written in the order sent). A cluster client is left as it is.
 */
export function coalesceRedisWrites(redis: RedisClient): void {
  if (!(redis instanceof Redis) || coalesced.has(redis)) return;
  coalesced.add(redis);
  const send = redis.sendCommand.bind(redis);
  let corked: Socket | undefined;
  redis.sendCommand = (command, stream) => {
    const socket = redis.stream as Socket | undefined;
    if (corked === undefined && socket !== undefined && redis.status === 'ready' && socket.writable) {
      corked = socket;
      socket.cork();
      process.nextTick(() => {
        corked = undefined;
        socket.uncork();
      });
    }
    return send(command, stream);
  };
}
