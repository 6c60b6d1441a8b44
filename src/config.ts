import { z } from 'zod';

/**
 * Configuration from the environment, parsed once at start. Names are fixed by docs/api.md
 * ("Running it"); a bad value stops the process with a message naming the variable.
 */

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const encryptionKey = z.string().refine((v) => decodeEncryptionKey(v) !== null, {
  message: 'must be 32 bytes, as 64 hex characters or base64',
});

const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
    HOST: z.string().min(1).default('127.0.0.1'),
    KEYWARD_DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    REDIS_URL: optionalString.pipe(
      z
        .string()
        .regex(/^rediss?:\/\//, 'must be a redis:// URL')
        .optional(),
    ),
    KEYWARD_ADMIN_TOKEN: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
    KEYWARD_PEPPER: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    KEYWARD_ENCRYPTION_KEY: optionalString.pipe(encryptionKey.optional()),
    KEYWARD_TRUST_PROXY: optionalString,
    KEYWARD_ALLOW_PRIVATE_CALLBACKS: z
      .enum(['0', '1', ''])
      .optional()
      .transform((v) => v === '1'),
    /** Browser origins allowed to call the API (comma-separated, e.g. a partner dashboard); none by default. */
    KEYWARD_CORS_ORIGINS: optionalString.pipe(
      z
        .string()
        .transform((v) =>
          v
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean),
        )
        .pipe(z.array(z.url('must be origins like https://app.example.com').regex(/^https?:\/\/[^/]+$/, 'must be origins without a path')))
        .optional(),
    ),
    /** `1` serves GraphiQL in production too (it is always served in development). */
    KEYWARD_GRAPHIQL: z
      .enum(['0', '1', ''])
      .optional()
      .transform((v) => v === '1'),
    KEYWARD_SMTP_URL: optionalString.pipe(
      z
        .string()
        .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
        .optional(),
    ),
    KEYWARD_MAIL_FROM: z.string().min(3).default('Keyward <no-reply@keyward.localhost>'),
    KEYWARD_PUBLIC_URL: optionalString.pipe(z.url('must be an absolute URL').optional()),
    KEYWARD_SIGNUP_URL: optionalString.pipe(z.url('must be an absolute URL').optional()),
    /** Failed authentications per minute for one address group and one credential before they wait (429). */
    KEYWARD_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(20),
    /** Signup and consent mails one organization's connectUser calls may cause per hour (3 a day per address, fixed). */
    KEYWARD_CONNECTION_MAILS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(500),
    /** Days the partners' request log keeps an entry. */
    KEYWARD_REQUEST_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    KEYWARD_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
    /** A client's request line and headers must arrive within this (node's default: 60 s). */
    KEYWARD_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
    /** A client's whole request, body included, must arrive within this (node's default: 300 s). */
    KEYWARD_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
    /** An idle keep-alive connection is closed after this: longer than the proxy's idle timeout. */
    KEYWARD_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(65_000),
    KEYWARD_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(1_000).default(10),
    KEYWARD_MAX_SUBSCRIPTIONS_PER_KEY: z.coerce.number().int().min(1).max(1_000_000).default(100),
    KEYWARD_MAX_SOCKETS_PER_KEY: z.coerce.number().int().min(1).max(1_000_000).default(20),
    /** graphql-ws sockets one client IP may hold open on one instance (anonymous and not yet initialised included). */
    KEYWARD_MAX_SOCKETS_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(100),
    /**
     * With REDIS_URL: how often an instance renews, in Redis, the places its open sockets and
     * subscriptions hold; a place not renewed for 3 of these (its instance crashed) stops counting.
     */
    KEYWARD_SLOT_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    /** How often live feeds compare themselves with the event table (catches what Redis lost). */
    KEYWARD_EVENT_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(1_000),
    /**
     * Tests only (refused in production): `kill-after-commit` kills the process right after a change
     * commits, before its events are published or its webhooks sent; `kill-before-commit` just before it commits.
     */
    KEYWARD_FAULT: z.enum(['kill-after-commit', 'kill-before-commit', '']).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    NODE_ENV: z.string().default('development'),
  })
  .superRefine((env, ctx) => {
    if (env.KEYWARD_FAULT && env.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['KEYWARD_FAULT'], message: 'fault injection is refused in production' });
    }
    if (env.KEYWARD_ALLOW_PRIVATE_CALLBACKS && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['KEYWARD_ALLOW_PRIVATE_CALLBACKS'],
        message: 'private webhook and callback targets are refused in production (unset it, or set it to 0)',
      });
    }
    if (env.DATABASE_URL !== undefined) {
      for (const name of ['KEYWARD_PEPPER', 'KEYWARD_ENCRYPTION_KEY'] as const) {
        if (env[name] === undefined) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'is required when DATABASE_URL is set' });
        }
      }
    }
  });

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
}

export function decodeEncryptionKey(value: string): Buffer | null {
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  return bytes.length === 32 ? bytes : null;
}

/** GraphiQL is served in development, and in production only with KEYWARD_GRAPHIQL=1. */
export function graphiqlEnabled(config: Pick<Config, 'NODE_ENV' | 'KEYWARD_GRAPHIQL'>): boolean {
  return config.NODE_ENV !== 'production' || config.KEYWARD_GRAPHIQL;
}
