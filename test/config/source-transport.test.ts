import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { configErrorOf, minimalConfig } from './config-fixture.ts';

// HTTP sources send credentials (API keys, bearer tokens, OAuth2 client secrets) and receive personal data:
// their addresses must be https, unless the other end is on this very machine.

const withConnection = (connection: Record<string, unknown>) =>
  minimalConfig({
    sources: {
      hr: { connection, mapping: { key: 'employee_id', traits: '{"email": email}' } },
    },
  });

const httpJson = (extra: Record<string, unknown>) => ({
  type: 'http-json',
  url: 'https://hr.example.com/api/employees',
  ...extra,
});

const oauth2 = (tokenUrl: string) => ({
  type: 'oauth2-client-credentials',
  tokenUrl,
  clientId: 'client-1',
  clientSecret: 'client-secret-1',
});

describe('HTTP source addresses must be https except on a loopback host', () => {
  it.each([
    ['sources.hr.connection.url', httpJson({ url: 'http://hr.example.com/api/employees' })],
    ['sources.hr.connection.itemUrl', httpJson({ itemUrl: 'http://hr.example.com/api/employees/{key}' })],
    ['sources.hr.connection.auth.tokenUrl', httpJson({ auth: oauth2('http://auth.example.com/token') })],
    ['sources.hr.connection.baseUrl', { type: 'scim', baseUrl: 'http://directory.example.com/scim/v2' }],
    [
      'sources.hr.connection.baseUrl',
      {
        type: 'http-json',
        preset: 'hibob',
        baseUrl: 'http://10.0.0.5',
        serviceUserId: 'svc-1',
        serviceUserToken: 'svc-token-1',
      },
    ],
    [
      'sources.hr.connection.auth.tokenUrl',
      {
        type: 'http-json',
        preset: 'workday',
        host: 'wd2-impl-services1.workday.com',
        tenant: 'acme',
        reportOwner: 'isu',
        reportName: 'people',
        auth: oauth2('http://auth.example.com/token'),
      },
    ],
  ])('refuses plain http to a remote host in %s, naming the option', (option, connection) => {
    const message = configErrorOf(withConnection(connection));
    expect(message).toContain(option);
    expect(message).toContain('must be https');
  });

  it.each([
    ['https', httpJson({ auth: oauth2('https://auth.example.com/token') })],
    [
      'plain http to loopback hosts',
      httpJson({
        url: 'http://127.0.0.1:8080/api/employees',
        itemUrl: 'http://localhost:8080/api/employees/{key}',
        auth: oauth2('http://[::1]:8081/token'),
      }),
    ],
    ['a relative itemUrl', httpJson({ itemUrl: '/api/employees/{key}' })],
    ['SCIM on a loopback host', { type: 'scim', baseUrl: 'http://127.0.0.1:9000/scim/v2' }],
  ])('accepts %s', (_case, connection) => {
    const { config } = loadConfig({ object: withConnection(connection), env: {} });
    expect(config.sources.hr?.connection.type).toBe(connection.type);
  });
});
