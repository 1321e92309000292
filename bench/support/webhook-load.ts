/**
 * A load generator for signed webhooks, run as a phase (its own process, bench/support/phase.ts) so its CPU
 * is not the measured server's: `closed` keeps `connections` requests in flight for `seconds` (answers per
 * second = what the server can take); `open` offers `rate` requests a second whatever the answers do
 * (answer times at a given load). Every request is a distinct person's event, signed as a `generic` HR
 * sender signs (HMAC-SHA256 over `timestamp.body`), so every one is a real accept and enqueue.
 */
import { Agent, request } from 'undici';
import { signGenericInboundWebhook } from '../../src/http/webhook-verifiers/generic-inbound-signature.ts';
import { personKey } from './fixture.ts';

export interface WebhookLoadArgs {
  url: string;
  secret: string;
  mode: 'closed' | 'open';
  seconds: number;
  /** Connections (closed loop: requests in flight). */
  connections: number;
  /** Requests per second offered (open loop). */
  rate?: number;
  /** Person numbers used: firstPerson, firstPerson + 1, … wrapping after `people`. */
  firstPerson: number;
  people: number;
}

export interface WebhookLoadResult {
  sent: number;
  seconds: number;
  /** Answers by HTTP status (0: no answer, a connection error). */
  statuses: Record<string, number>;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Open loop: the most the generator fell behind its schedule (a busy machine delays its timers). */
  maxLagMs: number;
}

const percentile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Phase: offer signed webhooks to `url` as `mode` says; answer times from sending to the whole answer read. */
export async function webhookLoadPhase(args: WebhookLoadArgs): Promise<WebhookLoadResult> {
  const agent = new Agent({ connections: args.connections, pipelining: 1 });
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  let sent = 0;
  const send = async () => {
    const n = args.firstPerson + (sent % args.people);
    sent++;
    const body = JSON.stringify({ event: 'employee.updated', employee_id: personKey(n) });
    const timestamp = Math.floor(Date.now() / 1000);
    const started = performance.now();
    let status: number;
    try {
      const answer = await request(args.url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'x-signature': signGenericInboundWebhook(args.secret, timestamp, body),
          'x-timestamp': String(timestamp),
        },
        body,
      });
      await answer.body.dump();
      status = answer.statusCode;
    } catch {
      status = 0;
    }
    times.push(performance.now() - started);
    statuses[status] = (statuses[status] ?? 0) + 1;
  };

  const began = performance.now();
  const deadline = began + args.seconds * 1000;
  let maxLagMs = 0;
  if (args.mode === 'closed') {
    await Promise.all(
      Array.from({ length: args.connections }, async () => {
        while (performance.now() < deadline) await send();
      }),
    );
  } else {
    const rate = args.rate ?? 1_000;
    const total = Math.round(rate * args.seconds);
    const inFlight: Array<Promise<void>> = [];
    while (sent < total) {
      const elapsed = performance.now() - began;
      const due = Math.min(total, Math.floor((elapsed / 1000) * rate) + 1);
      maxLagMs = Math.max(maxLagMs, elapsed - (sent / rate) * 1000);
      while (sent < due) inFlight.push(send());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(inFlight);
  }
  const seconds = (performance.now() - began) / 1000;
  await agent.close();
  times.sort((a, b) => a - b);
  return {
    sent,
    seconds,
    statuses,
    p50Ms: percentile(times, 0.5),
    p90Ms: percentile(times, 0.9),
    p99Ms: percentile(times, 0.99),
    maxMs: times.at(-1) ?? 0,
    maxLagMs,
  };
}
