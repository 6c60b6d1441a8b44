import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailer } from '../../src/infra/mailer.ts';
import { Writable } from 'node:stream';
import { createServices } from '../../src/app.ts';
import type { Services } from '../../src/context.ts';
import { openDatabase, type Database, type DatabaseTarget } from '../../src/infra/database.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { OffsetClock } from './clock.ts';
import { createYogaApp, type KeywardYoga } from '../../src/yoga.ts';
import type { Resolver } from '../../src/domain/webhooks/webhook-sender.ts';
import type { DepositProvider } from '../../src/domain/connection/deposit-accounts.ts';

/** Captures every log line an app writes, so tests can assert what the logs hold (and do not). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestApp {
  yoga: KeywardYoga;
  services: Services;
  database: Database;
  adminToken: string;
  pepper: Buffer;
  /** KEYWARD_ENCRYPTION_KEY of this app: what seals signing secrets and recoverable user keys. */
  encryptionKey: Buffer;
  clock: OffsetClock;
  logs: LogCapture;
  /** Where this app's mail goes: one .eml file per message. */
  outboxDir: string;
}

const databases = new Map<string, Promise<Database>>();

/** One in-memory PGlite per test file (per worker module graph); tests isolate by organization. */
export function sharedDatabase(target: DatabaseTarget = { kind: 'memory' }): Promise<Database> {
  const id = target.kind === 'postgres' ? target.url : target.kind;
  let db = databases.get(id);
  if (!db) {
    db = openDatabase(target);
    databases.set(id, db);
  }
  return db;
}

export async function createTestApp(
  options: {
    database?: Database;
    trustedProxies?: (ip: string) => boolean;
    cacheTtlMs?: number;
    allowPrivateCallbacks?: boolean;
    /** The DNS resolver webhook deliveries use (rebinding tests). */
    resolve?: Resolver;
    /** A webhook attempt's deadline (default: the server's 15 s). */
    webhookTimeoutMs?: number;
    /** Production rules for GraphQL (limits not named, no anonymous introspection). */
    production?: boolean;
    /** Failed authentications per IP per window; tests share 127.0.0.1, so the default is high. */
    authFailureLimit?: { failures: number; windowMs: number };
    /** Browser origins allowed by CORS (none by default). */
    corsOrigins?: string[];
    /** The query deadline (default: the server's 10 s). */
    queryTimeoutMs?: number;
    /** Connection mails per organization per hour and per address per day (default: the server's). */
    mailLimits?: { perOrganizationPerHour: number; perRecipientPerDay: number };
    /** Sign-in link requests per email and per client address per hour (default: high, as tests share 127.0.0.1). */
    signInLimits?: { perEmailPerHour: number; perAddressPerHour: number };
    /** The encryption key (default: a random one), for data sealed before the app existed. */
    encryptionKey?: Buffer;
    /** The deposit provider (default: the sandbox's, which has nothing in LIVE). */
    deposits?: DepositProvider;
  } = {},
): Promise<TestApp> {
  const database = options.database ?? (await sharedDatabase());
  const logs = new LogCapture();
  const logger = createLogger({ level: 'debug', destination: logs });
  const pepper = randomBytes(32);
  const encryptionKey = options.encryptionKey ?? randomBytes(32);
  const adminToken = `test-admin-${randomBytes(16).toString('hex')}`;
  const clock = new OffsetClock();
  const outboxDir = mkdtempSync(join(tmpdir(), 'keyward-outbox-'));
  const services = createServices({
    database,
    secrets: { pepper, encryptionKey },
    logger,
    clock,
    verifier: { cacheTtlMs: options.cacheTtlMs ?? 1000 },
    mailer: createMailer({ outboxDir, from: 'Keyward <no-reply@keyward.test>', logger }),
    links: { publicUrl: 'http://keyward.test', signupUrl: 'https://platform.test/signup' },
    allowPrivateCallbacks: options.allowPrivateCallbacks ?? false,
    webhooks: { ...(options.resolve && { resolve: options.resolve }), ...(options.webhookTimeoutMs && { timeoutMs: options.webhookTimeoutMs }) },
    authFailureLimit: options.authFailureLimit ?? { failures: 1_000_000, windowMs: 60_000 },
    ...(options.mailLimits && { mailLimits: options.mailLimits }),
    signInLimits: options.signInLimits ?? { perEmailPerHour: 1_000, perAddressPerHour: 1_000_000 },
    ...(options.deposits && { deposits: options.deposits }),
  });
  const yoga = createYogaApp({
    services,
    adminToken,
    trustedProxies: options.trustedProxies ?? null,
    ping: database.ping,
    production: options.production ?? false,
    ...(options.corsOrigins && { corsOrigins: options.corsOrigins }),
    ...(options.queryTimeoutMs && { queryTimeoutMs: options.queryTimeoutMs }),
  });
  return { yoga, services, database, adminToken, pepper, encryptionKey, clock, logs, outboxDir };
}
