import { createRequire } from 'node:module';
import type { Agent, Dispatcher } from 'undici';

/**
 * undici's `Agent` and its `request`, loaded from the two files that define them. undici's index also loads
 * fetch, WebSocket, EventSource, the HTTP cache and the mocks — about 110 modules, some 50 ms of every CLI
 * start even with Node's compile cache — none of which the Kratos client uses; these two pull about 25.
 * They are the very functions the index hands out: it re-exports `lib/dispatcher/agent.js` as `Agent` and
 * copies `lib/api/api-request.js` onto `Dispatcher.prototype` as `request`. undici is pinned exactly in
 * package.json, and every Kratos client test goes through this file, so a release that moved them fails there.
 */
const require = createRequire(import.meta.url);
const AgentClass = require('undici/lib/dispatcher/agent.js') as typeof Agent;
const request = require('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

export interface KratosAgent {
  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  close(): Promise<void>;
}

export function createKratosAgent(options: Agent.Options): KratosAgent {
  const agent = new AgentClass(options);
  return {
    request: (requestOptions) => request.call(agent, requestOptions),
    close: () => agent.close(),
  };
}
