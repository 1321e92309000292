import type { PresetName } from '../../config/sections/presets/index.ts';

/** What differs per preset in a starter config: the connection, its secrets, the webhook and the docs. */
export interface Starter {
  title: string;
  /** YAML lines of `connection:` (indented as under `sources.hr`), comments included. */
  connection: string[];
  /** YAML lines of `webhook:`, or none when the vendor does not send webhooks. */
  webhook: string[];
  /** Environment variables the `{ fromEnv }` secrets read, with what to put there. */
  env: Array<[name: string, what: string]>;
  doc: string;
}

const STARTERS: Record<PresetName | 'http-json', Starter> = {
  bamboohr: {
    title: 'BambooHR',
    connection: [
      'type: http-json',
      'preset: bamboohr',
      '# Your company subdomain: acme for https://acme.bamboohr.com',
      'subdomain: acme',
      'apiKey: { fromEnv: BAMBOOHR_API_KEY }',
    ],
    webhook: [
      '# BambooHR > Settings > Webhooks: URL https://<this host>/webhooks/hr, JSON, then "Generate" a private key.',
      'secret: { fromEnv: BAMBOOHR_WEBHOOK_KEY }',
    ],
    env: [
      ['BAMBOOHR_API_KEY', 'an API key of a BambooHR user who can see all employees'],
      ['BAMBOOHR_WEBHOOK_KEY', "the webhook's private key"],
    ],
    doc: 'docs/presets/bamboohr.md',
  },
  hibob: {
    title: 'HiBob',
    connection: [
      'type: http-json',
      'preset: hibob',
      '# Bob > Settings > Integrations > Service users',
      'serviceUserId: SERVICE-0000',
      'serviceUserToken: { fromEnv: HIBOB_SERVICE_USER_TOKEN }',
    ],
    webhook: [
      '# Bob > Settings > Integrations > Automation > Webhooks: URL https://<this host>/webhooks/hr',
      'secret: { fromEnv: HIBOB_WEBHOOK_SECRET }',
    ],
    env: [
      ['HIBOB_SERVICE_USER_TOKEN', "the service user's token"],
      ['HIBOB_WEBHOOK_SECRET', "the webhook's secret from the Bob webhook settings"],
    ],
    doc: 'docs/presets/hibob.md',
  },
  personio: {
    title: 'Personio',
    connection: [
      'type: http-json',
      'preset: personio',
      '# Personio > Settings > Integrations > API credentials',
      'clientId: { fromEnv: PERSONIO_CLIENT_ID }',
      'clientSecret: { fromEnv: PERSONIO_CLIENT_SECRET }',
    ],
    webhook: [],
    env: [
      ['PERSONIO_CLIENT_ID', "the API credentials' client id"],
      ['PERSONIO_CLIENT_SECRET', "the API credentials' client secret"],
    ],
    doc: 'docs/presets/personio.md',
  },
  workday: {
    title: 'Workday',
    connection: [
      'type: http-json',
      'preset: workday',
      "# From the report's RaaS URL (Actions > Web Service > View URLs):",
      '# https://<host>/ccx/service/customreport2/<tenant>/<reportOwner>/<reportName>',
      'host: wd2-impl-services1.workday.com',
      'tenant: acme',
      'reportOwner: ISU_KratosSync',
      'reportName: Kratos_Workers',
      '# A report prompt that selects one worker (single-person syncs then read one row).',
      'lookupPrompt: Employee_ID',
      'auth:',
      '  type: basic',
      '  username: ISU_KratosSync',
      '  password: { fromEnv: WORKDAY_ISU_PASSWORD }',
    ],
    webhook: [],
    env: [['WORKDAY_ISU_PASSWORD', "the integration system user's password"]],
    doc: 'docs/presets/workday.md',
  },
  hubspot: {
    title: 'HubSpot',
    connection: [
      'type: http-json',
      'preset: hubspot',
      '# HubSpot > Settings > Integrations > Private Apps: scope crm.objects.contacts.read',
      'token: { fromEnv: HUBSPOT_PRIVATE_APP_TOKEN }',
    ],
    webhook: [
      "# The app's webhook subscriptions (contact.propertyChange, contact.deletion); HubSpot signs with",
      "# the app's client secret and over this URL, exactly as registered:",
      'secret: { fromEnv: HUBSPOT_CLIENT_SECRET }',
      'publicUrl: https://sync.example.com/webhooks/hr',
    ],
    env: [
      ['HUBSPOT_PRIVATE_APP_TOKEN', "the private app's access token"],
      ['HUBSPOT_CLIENT_SECRET', "the app's client secret"],
    ],
    doc: 'docs/presets/hubspot.md',
  },
  'http-json': {
    title: 'a REST API',
    connection: [
      'type: http-json',
      'url: https://hr.example.com/api/v1/employees',
      'itemUrl: https://hr.example.com/api/v1/employees/{key}',
      'itemsPath: data',
      'itemPath: data',
      'pagination: { type: page, size: 100 }',
      'auth:',
      '  type: oauth2-client-credentials',
      '  tokenUrl: https://hr.example.com/oauth/token',
      '  clientId: { fromEnv: HR_CLIENT_ID }',
      '  clientSecret: { fromEnv: HR_CLIENT_SECRET }',
    ],
    webhook: [],
    env: [
      ['HR_CLIENT_ID', 'the OAuth2 client id'],
      ['HR_CLIENT_SECRET', 'the OAuth2 client secret'],
    ],
    doc: 'README.md, "Configuration"',
  },
};

/** The generic mapping the `http-json` starter needs (presets bring their own). */
const GENERIC_MAPPING = [
  'mapping:',
  '  key: id',
  '  externalId: \'"hr-" & id\'',
  '  schemaId: \'"employee"\'',
  '  traits: >-',
  '    { "email": $lowercase(email), "name": { "first": first_name, "last": last_name },',
  '      "department": department }',
  '  version: updated_at',
];

/**
 * A commented starter configuration for `kratos-sync init`: valid as written once the environment
 * variables it names are set (`check-config` accepts it), with every credential a `{ fromEnv }` secret.
 */
export function starterConfig(preset: PresetName | undefined): string {
  const starter = STARTERS[preset ?? 'http-json'];
  const indent = (lines: string[], spaces: number) => lines.map((line) => `${' '.repeat(spaces)}${line}`);
  return [
    `# kratos-sync: starter configuration for ${starter.title} (written by \`kratos-sync init\`).`,
    '#',
    '# 1. Set these environment variables (or write { fromFile: /run/secrets/<name> } instead):',
    ...starter.env.map(([name, what]) => `#      ${name}: ${what}`),
    '# 2. `kratos-sync check-config` validates this file; `kratos-sync check-config --probe` reads one',
    '#    record and shows the identity it would become, writing nothing.',
    '# 3. `kratos-sync plan` shows what a sync would change; `kratos-sync sync` applies it.',
    `# Every option: README.md "Configuration". This source: ${starter.doc}.`,
    '',
    'kratos:',
    '  # The Kratos admin API (port 4434 by default). Ory Network: also adminToken and oryNetwork: true.',
    '  adminUrl: http://127.0.0.1:4434',
    '',
    'redis:',
    '  url: redis://127.0.0.1:6379',
    '',
    'sources:',
    '  hr:',
    '    connection:',
    ...indent(starter.connection, 6),
    ...(preset
      ? [
          "    # The preset maps the vendor's standard fields to the identity schema its page describes.",
          "    # Override any expression (the rest stay the preset's), e.g. another schema:",
          '    # mapping:',
          '    #   schemaId: \'"default"\'',
        ]
      : indent(GENERIC_MAPPING, 4)),
    '    # A full reconcile every night at 02:00 (node-cron syntax); webhooks sync single people between.',
    "    schedule: '0 2 * * *'",
    '    leaver:',
    '      # Leavers lose access at once; `delete` removes them after graceDays.',
    '      policy: deactivate',
    '    guard:',
    '      # A run that would remove more than this waits for `kratos-sync approve`.',
    '      maxRemoveFraction: 0.1',
    ...(starter.webhook.length > 0 ? ['    webhook:', ...indent(starter.webhook, 6)] : []),
    '',
  ].join('\n');
}
