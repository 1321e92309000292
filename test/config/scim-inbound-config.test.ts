import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

const TOKEN = 'a-scim-token-of-enough-length-0123456789';

const withClients = (clients: unknown) => ({
  kratos: { adminUrl: 'http://127.0.0.1:4434' },
  redis: { url: 'redis://127.0.0.1:6379' },
  sources: {
    directory: {
      connection: { type: 'scim-inbound', clients },
      mapping: { key: 'id', traits: '{"username": userName}' },
    },
  },
});

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('scim-inbound configuration', () => {
  it('reads clients with their tokens from the environment, and defaults', () => {
    const { config } = loadConfig({
      object: withClients([{ name: 'okta', tokens: [{ fromEnv: 'SCIM_TOKEN' }] }]),
      env: { SCIM_TOKEN: TOKEN },
    });
    const connection = config.sources.directory!.connection;
    expect(connection).toMatchObject({ type: 'scim-inbound', syncTimeoutMs: 20_000, maxResults: 200 });
    if (connection.type !== 'scim-inbound') throw new Error('unreachable');
    expect(connection.clients[0]!.tokens[0]!.reveal()).toBe(TOKEN);
    expect(connection.clients[0]!.rateLimit).toEqual({ requests: 600, windowSeconds: 60 });
    expect(JSON.stringify(config)).not.toContain(TOKEN);
  });

  it('refuses short tokens, duplicate client names and no clients, naming the option', () => {
    expect(
      messageOf(() => loadConfig({ object: withClients([{ name: 'okta', tokens: ['short'] }]), env: {} })),
    ).toContain(
      'sources.directory.connection.clients.0.tokens.0: a SCIM bearer token needs at least 24 characters',
    );
    expect(
      messageOf(() =>
        loadConfig({
          object: withClients([
            { name: 'okta', tokens: [TOKEN] },
            { name: 'okta', tokens: [`${TOKEN}2`] },
          ]),
          env: {},
        }),
      ),
    ).toContain('sources.directory.connection.clients: SCIM client names must be unique within a source');
    expect(messageOf(() => loadConfig({ object: withClients([]), env: {} }))).toContain(
      'sources.directory.connection.clients: configure at least one SCIM client',
    );
    expect(
      messageOf(() =>
        loadConfig({ object: withClients([{ name: 'okta', tokens: [{ fromEnv: 'NOPE' }] }]), env: {} }),
      ),
    ).toContain('environment variable NOPE is not set or empty');
  });

  it('takes the HTTP port from HTTP_PORT, and names it when it is not a port', () => {
    const object = withClients([{ name: 'okta', tokens: [TOKEN] }]);
    expect(loadConfig({ object, env: { HTTP_PORT: '9191' } }).config.http.port).toBe(9191);
    expect(messageOf(() => loadConfig({ object, env: { HTTP_PORT: 'eighty' } }))).toContain('http.port');
  });
});
