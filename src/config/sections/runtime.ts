import { z } from 'zod';
import { isLoopbackHost } from '../loopback-host.ts';
import { durationOption, secretOption } from './secret-option.ts';
import { trustProxyOption } from './trust-proxy.ts';

export const deliverySection = z.strictObject({
  smtp: z
    .strictObject({
      host: z.string().min(1),
      port: z.int().positive().default(587),
      /** true for implicit TLS (465); STARTTLS is used when the server offers it otherwise. */
      secure: z.boolean().default(false),
      /**
       * Send nothing — no AUTH, no message — over an unencrypted connection: without `secure`, the server
       * must accept STARTTLS. @defaultValue true, except for a loopback host (the mail never leaves the machine)
       */
      requireTLS: z.boolean().optional(),
      user: z.string().optional(),
      password: secretOption.optional(),
      from: z.string().min(3),
    })
    .transform((smtp) => ({ ...smtp, requireTLS: smtp.requireTLS ?? !isLoopbackHost(smtp.host) }))
    .optional(),
  webhook: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'expected an absolute https URL' }),
      /** HMAC-SHA256 key for the `x-kratos-sync-signature` header. */
      secret: secretOption,
      timeoutMs: z.int().positive().default(10_000),
      /** Allow a plain-http URL on a host other than loopback (links and codes then travel in clear). */
      allowInsecureHttp: z.boolean().default(false),
    })
    .superRefine((webhook, ctx) => {
      const url = URL.parse(webhook.url);
      if (url?.protocol === 'http:' && !isLoopbackHost(url.hostname) && !webhook.allowInsecureHttp) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message:
            'must be https: invites carry recovery links (plain http is allowed for loopback hosts, or with delivery.webhook.allowInsecureHttp: true)',
        });
      }
    })
    .optional(),
  outbox: z.strictObject({ dir: z.string().default('./outbox') }).prefault({}),
  /** Paths of template files overriding the built-in ones. */
  templates: z
    .strictObject({
      subject: z.string().optional(),
      text: z.string().optional(),
      html: z.string().optional(),
    })
    .prefault({}),
});

export const queueSection = z.strictObject({
  /** Jobs one worker process runs at once. */
  concurrency: z.int().min(1).max(256).default(8),
  /** A job still running after this is failed (and retried if it may be). */
  jobTimeout: durationOption.prefault('30m'),
  /** How long a shutdown waits for active jobs before returning them to the queue. */
  shutdownTimeout: durationOption.prefault('30s'),
  /**
   * A job whose worker stops renewing its lock (a crash, a SIGKILL, a frozen event loop) goes back to the
   * queue after about this long; locks are renewed at half of it.
   */
  lockDuration: durationOption.prefault('30s'),
  /** Plan actions per apply chunk of a full sync (chunks are spread over every worker process). */
  applyChunkSize: z.int().min(1).max(10_000).default(500),
  keepCompleted: z
    .strictObject({ ageSeconds: z.int().min(0).default(86_400), count: z.int().min(0).default(1000) })
    .prefault({}),
  keepFailed: z
    .strictObject({ ageSeconds: z.int().min(0).default(604_800), count: z.int().min(0).default(5000) })
    .prefault({}),
});

export const httpSection = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: z.int().min(0).max(65_535).default(8080),
  /**
   * The address people reach this service at (e.g. `https://kratos-sync.example.com`), used for links in
   * notifications to the console's run pages (without it, notifications carry no link) and, unless
   * `trustProxy` names the proxy in front, for SCIM `meta.location` and `Location`.
   */
  publicUrl: z
    .url({
      protocol: /^https?$/,
      error: 'expected an absolute http(s) URL such as https://kratos-sync.example.com',
    })
    .optional(),
  /** Credentials for the console and the queue dashboard (HTTP Basic); both are off when absent. */
  auth: z
    .strictObject({
      username: z.string().min(1),
      password: secretOption,
      /** A dev or demo stack may keep the documented example password; anything else refuses to start. */
      allowExamplePassword: z.boolean().default(false),
      /** Wrong passwords from one client address within `failedLoginWindow` before it is answered 429. */
      maxFailedLogins: z.int().min(1).max(1000).default(10),
      failedLoginWindow: durationOption.prefault('15m'),
    })
    .superRefine((auth, ctx) => {
      if (!auth.allowExamplePassword && EXAMPLE_PASSWORDS.includes(auth.password.reveal())) {
        ctx.addIssue({
          code: 'custom',
          path: ['password'],
          message:
            'is the documented example password: set your own (e.g. { fromEnv: KRATOS_SYNC_HTTP_PASSWORD }), or set http.auth.allowExamplePassword: true on a dev setup',
        });
      }
    })
    .optional(),
  /** Time to receive a request's headers. */
  headersTimeout: durationOption.prefault('10s'),
  /** Time to receive a whole request, headers and body: a slow upload is cut after it. */
  requestTimeout: durationOption.prefault('30s'),
  /** A connection on which nothing arrives for this long is closed. */
  idleTimeout: durationOption.prefault('60s'),
  /**
   * The reverse proxies whose forwarding headers are believed (fastify's `trustProxy`): the client address
   * from `X-Forwarded-For` (login throttles), scheme and host from `X-Forwarded-Proto` / `-Host` (SCIM
   * locations). Absent: the socket's peer is the client and forwarding headers are ignored.
   */
  trustProxy: trustProxyOption.optional(),
});

/** Passwords the docs and examples show (compose's default, the Kubernetes secret example). */
const EXAMPLE_PASSWORDS: readonly string[] = ['change-me'];

export const logSection = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
