import { z } from 'zod';
import { httpsUrl, httpsUrlOrRelative } from './https-url.ts';
import { durationOption, secretOption } from './secret-option.ts';
import { PRESET_NAMES, presetConnections } from './presets/index.ts';
import { scimInboundConnection } from './scim-inbound.ts';

const csvConnection = z.strictObject({
  type: z.literal('csv'),
  /** Path of the export, relative to the config file's folder. */
  path: z.string().min(1),
  /** Field delimiter; detected from the header line (`,` or `;`) when omitted. */
  delimiter: z.enum([',', ';', '\t', '|']).optional(),
  /** Text encoding; from the byte-order mark when omitted (UTF-16LE BOM → utf-16le), else utf-8. */
  encoding: z.enum(['utf-8', 'utf-16le', 'windows-1252']).optional(),
  /** Rename columns: CSV header → field name used in mapping expressions. */
  columns: z.record(z.string(), z.string().min(1)).default({}),
});

/**
 * OAuth2 client credentials (RFC 6749 §4.4): a bearer token from `tokenUrl`, kept until shortly before it
 * expires and fetched again once when the API answers 401.
 */
const oauth2ClientCredentials = z.strictObject({
  type: z.literal('oauth2-client-credentials'),
  tokenUrl: httpsUrl(),
  clientId: secretOption,
  clientSecret: secretOption,
  /** Sent space-separated as `scope`; none when empty. */
  scopes: z.array(z.string().min(1)).default([]),
  /** Extra form parameters some servers want (e.g. `audience`, `resource`). */
  params: z.record(z.string(), z.string()).default({}),
  /** How the client authenticates: HTTP Basic (RFC 6749 §2.3.1) or `client_id`/`client_secret` in the body. */
  clientAuth: z.enum(['basic', 'body']).default('basic'),
});

const httpAuth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('bearer'), token: secretOption }),
  z.strictObject({ type: z.literal('basic'), username: z.string(), password: secretOption }),
  z.strictObject({ type: z.literal('header'), name: z.string().min(1), value: secretOption }),
  oauth2ClientCredentials,
]);

const httpPagination = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('page'),
    pageParam: z.string().default('page'),
    sizeParam: z.string().default('per_page'),
    size: z.int().positive().default(100),
    firstPage: z.int().min(0).default(1),
  }),
  z.strictObject({
    type: z.literal('offset'),
    offsetParam: z.string().default('offset'),
    limitParam: z.string().default('limit'),
    limit: z.int().positive().default(100),
  }),
  z.strictObject({
    type: z.literal('cursor'),
    /** Dotted path of the next cursor in the response body. */
    cursorPath: z.string().min(1),
    cursorParam: z.string().default('cursor'),
    /** Page size sent as `limitParam` on every request (cursor APIs often default to tiny pages). */
    limit: z.int().positive().optional(),
    limitParam: z.string().default('limit'),
  }),
  z.strictObject({ type: z.literal('link-header') }),
]);

const httpJsonConnection = z.strictObject({
  type: z.literal('http-json'),
  /** No preset: every option below is the user's (the presets are in `./presets`). */
  preset: z.undefined().optional(),
  /** URL of the collection, e.g. https://api.example-hr.com/v1/employees */
  url: httpsUrl(),
  /** URL of one record; `{key}` is replaced by the URL-encoded record key. */
  itemUrl: httpsUrlOrRelative().optional(),
  auth: httpAuth.default({ type: 'none' }),
  /** Dotted path of the items array in each page body; empty for a top-level array. */
  itemsPath: z.string().default(''),
  /** Dotted path of the item in a single-record response; empty for the whole body. */
  itemPath: z.string().default(''),
  pagination: httpPagination.default({ type: 'none' }),
  timeoutMs: z.int().positive().default(30_000),
  retries: z.int().min(0).max(20).default(5),
});

const scimConnection = z.strictObject({
  type: z.literal('scim'),
  /** SCIM base URL (the one that `/Users` is appended to). */
  baseUrl: httpsUrl(),
  token: secretOption.optional(),
  /** SCIM filter applied to every read (e.g. `active eq true`), and combined with the key on lookups. */
  filter: z.string().optional(),
  /**
   * The SCIM attribute holding the record key (`mapping.key` must read the same value): lookups by key use
   * `GET /Users/{id}` for `id`, and a filter `<attribute> eq "<key>"` otherwise.
   */
  keyAttribute: z.enum(['id', 'externalId', 'userName', 'employeeNumber']).default('id'),
  pageSize: z.int().positive().max(1000).default(100),
  timeoutMs: z.int().positive().default(30_000),
  retries: z.int().min(0).max(20).default(5),
});

/** JSONata expressions, evaluated against one source record. */
const mappingSection = z.strictObject({
  /**
   * The field holding the record's stable key (employee id), as a dotted path (`employee_id`, `ids.hr`) —
   * deliberately not an expression, so sources, webhooks and per-person jobs can read it cheaply.
   */
  key: z.string().regex(/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/, 'expected a field name or dotted path'),
  /** Which records belong in Kratos at all; records outside scope are treated as absent. */
  scope: z.string().optional(),
  externalId: z.string().optional(),
  schemaId: z.string().default('"default"'),
  traits: z.string().min(1),
  metadataPublic: z.string().optional(),
  metadataAdmin: z.string().optional(),
  /** Evaluates to "active" or "inactive". */
  state: z.string().optional(),
  /** A monotonically increasing version of the record (e.g. updated_at); stale events never overwrite newer data. */
  version: z.string().optional(),
  /** Parts of the identity written on create only (later source changes to them are not applied). */
  createOnly: z.array(z.enum(['traits', 'metadataPublic', 'metadataAdmin'])).default([]),
  /** Trait paths (dotted) written on create only, e.g. `locale`. */
  createOnlyTraits: z.array(z.string()).default([]),
});

const leaverSection = z.strictObject({
  /** What happens to a managed identity whose person left: deactivate, delete after grace, or nothing. */
  policy: z.enum(['deactivate', 'delete', 'ignore']).default('deactivate'),
  /** With policy `delete`: days between deactivation and deletion. */
  graceDays: z.number().min(0).default(30),
  /** Evaluates to true when the record says the person has left (in addition to leaving the source). */
  when: z.string().optional(),
  /** Evaluates to the termination date/time (ISO) — a leaver once it has passed. */
  terminationDate: z.string().optional(),
  /** IANA time zone for date-only termination dates. */
  timeZone: z.string().default('UTC'),
});

const guardSection = z.strictObject({
  /** Hold deactivations + deletions above this fraction of managed identities for approval. */
  maxRemoveFraction: z.number().min(0).max(1).default(0.1),
  /** … or above this many. */
  maxRemoveCount: z.int().min(0).default(100),
  /**
   * A full read with fewer records than this fraction below the last complete read (e.g. 0.5: half the
   * people vanished at once) is treated as incomplete: nothing is removed. A read with no records at all is
   * incomplete whatever this says, unless the source sets `mayBeEmpty`.
   */
  maxSourceShrink: z.number().min(0).max(1).default(0.5),
  /**
   * Single-person removals (webhook events, per-person jobs) allowed per `eventWindow`; more are held for
   * approval, so a burst of events cannot remove people one by one. 0 holds every one.
   */
  maxEventRemovals: z.int().min(0).default(20),
  /** The rolling window `maxEventRemovals` counts over. */
  eventWindow: durationOption.refine((ms) => ms > 0, 'must be longer than 0').prefault('1h'),
});

const webhookSection = z.strictObject({
  secret: secretOption,
  /**
   * How the sender signs: `generic` (hex HMAC-SHA256 of `<timestamp>.<body>` in `signatureHeader`, unix
   * seconds in `timestampHeader`), or a vendor's own scheme — `bamboohr` (X-BambooHR-Signature),
   * `hubspot-v3` (X-HubSpot-Signature-v3, needs `publicUrl`), `hibob` (Bob-Signature). A preset sets its
   * vendor's.
   */
  format: z.enum(['generic', 'bamboohr', 'hubspot-v3', 'hibob']).default('generic'),
  /** `hubspot-v3` signs the URL it called: this endpoint's public URL, exactly as registered in HubSpot. */
  publicUrl: z.url({ error: 'expected an absolute http(s) URL' }).optional(),
  signatureHeader: z.string().default('x-signature'),
  timestampHeader: z.string().default('x-timestamp'),
  /** Replay window for the signed timestamp. */
  toleranceSeconds: z.int().positive().default(300),
  maxBodyBytes: z
    .int()
    .positive()
    .default(64 * 1024),
  /** JSONata expression giving the person's key from the event body. */
  personKey: z.string().min(1),
  /**
   * JSONata expression giving the record version the event announces (e.g. `data.updated_at`), compared
   * like `mapping.version`: an event older than what Kratos already holds changes nothing.
   */
  eventVersion: z.string().min(1).optional(),
  /**
   * JSONata expression telling which events announce a leaver (e.g. `type = "employee.terminated"`): `true`
   * marks every person the event names, a key or an array of keys marks those people. Their syncs run
   * ahead of queued ordinary events; the job still reads the person from the source.
   */
  leaverEvent: z.string().min(1).optional(),
});

/** HubSpot's v3 signature covers the URL it called, which this server cannot see behind a proxy. */
const hubspotNeedsPublicUrl = (webhook: z.output<typeof webhookSection>) =>
  webhook.format !== 'hubspot-v3' || webhook.publicUrl !== undefined;

/** The most re-issues `onboarding.maxReissues` allows: an invite has at most this many attempts after the first. */
export const MAX_REISSUES = 10;

const onboardingSection = z.strictObject({
  enabled: z.boolean().default(false),
  /** `code` needs a server with /admin/recovery/code (v1.0+; v0.10 gets a link). */
  method: z.enum(['link', 'code']).default('link'),
  lifetime: durationOption.prefault('72h'),
  channel: z.enum(['smtp', 'webhook', 'outbox']).default('outbox'),
  /** `start-date`: deliver at `sendAt` local time on the start date. */
  timing: z.enum(['immediate', 'start-date']).default('immediate'),
  /** Expression giving the start date (YYYY-MM-DD) from the record. */
  startDate: z.string().optional(),
  sendAt: z
    .string()
    .regex(/^\d{2}:\d{2}$/, 'expected HH:MM')
    .default('08:00'),
  /** Expression giving the person's IANA time zone; falls back to `defaultTimeZone`. */
  timeZone: z.string().optional(),
  defaultTimeZone: z.string().default('UTC'),
  /**
   * Re-issue once if the person has not activated this long after delivery — also after an `uncertain`
   * delivery (a worker died inside the hand-over, so the invite may have reached no one; an uncertain
   * re-issue is checked and re-issued again, up to `maxReissues`). `off` disables it.
   * @defaultValue 24h
   */
  reissueAfter: z.union([z.literal('off').transform(() => undefined), durationOption]).prefault('24h'),
  /**
   * How many re-issues in a row an invite gets while each one's hand-over is `uncertain` (each checked
   * `reissueAfter` later); the last uncertain one is reported as needing a person to check. A re-issue that
   * went out is not re-issued again.
   * @defaultValue 3
   */
  maxReissues: z.int().min(1).max(MAX_REISSUES).default(3),
  /** Expression giving the manager's email, told when an invite is re-issued. */
  managerEmail: z.string().optional(),
  /** Expression giving the address the invite goes to; defaults to traits.email. */
  email: z.string().optional(),
  /** Expression giving the display name used in the message. */
  name: z.string().optional(),
});

export const sourceSection = z.strictObject({
  connection: z.discriminatedUnion('type', [
    csvConnection,
    z.discriminatedUnion('preset', [httpJsonConnection, ...presetConnections], {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `unknown preset; expected one of ${PRESET_NAMES.join(', ')} (or no preset)`
          : undefined,
    }),
    scimConnection,
    scimInboundConnection,
  ]),
  mapping: mappingSection,
  /** node-cron expression for the scheduled full reconcile; none when absent. */
  schedule: z.string().optional(),
  /** Adopt an existing unmanaged identity whose email identifier matches (opt-in). */
  adoptByEmail: z.boolean().default(false),
  leaver: leaverSection.prefault({}),
  guard: guardSection.prefault({}),
  /**
   * The source may legitimately have no records (or shrink beyond `guard.maxSourceShrink`): an empty read
   * then counts as complete and its removals pass the guard as usual.
   */
  mayBeEmpty: z.boolean().default(false),
  webhook: webhookSection
    .refine(hubspotNeedsPublicUrl, {
      path: ['publicUrl'],
      message:
        'format hubspot-v3 needs publicUrl: the public URL of POST /webhooks/<source> as registered in HubSpot',
    })
    .optional(),
  onboarding: onboardingSection.prefault({}),
});
export type SourceConfig = z.output<typeof sourceSection>;
export type CsvConnection = z.output<typeof csvConnection>;
export type HttpJsonConnection = z.output<typeof httpJsonConnection>;
export type ScimConnection = z.output<typeof scimConnection>;
export type MappingConfig = z.output<typeof mappingSection>;
export type LeaverConfig = z.output<typeof leaverSection>;
export type GuardConfig = z.output<typeof guardSection>;
export type WebhookConfig = z.output<typeof webhookSection>;
export type OnboardingConfig = z.output<typeof onboardingSection>;
