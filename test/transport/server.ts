import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailer } from '../../src/infra/mailer.ts';
import { createServices, startBackgroundJobs } from '../../src/app.ts';
import type { SubscriptionLimits } from '../../src/live/subscription-registry.ts';
import type { Services } from '../../src/context.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { startServer, type HttpTimeouts, type RunningServer } from '../../src/server.ts';
import { createYogaApp } from '../../src/yoga.ts';
import { LogCapture, sharedDatabase } from '../helpers/app.ts';

/** The real node:http + graphql-ws server, in this process, on 127.0.0.1 and a free port. */
export interface TestServer {
  services: Services;
  adminToken: string;
  logs: LogCapture;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `http://127.0.0.1:PORT/graphql` */
  url: string;
  /** `ws://127.0.0.1:PORT/graphql` */
  wsUrl: string;
  /** Where its mail goes: one .eml file per message. */
  outboxDir: string;
  running: RunningServer;
  stop(): Promise<void>;
}

export async function startTestServer(
  options: {
    trustedProxies?: ((ip: string) => boolean) | null;
    /** Subscription caps (defaults: the server's). */
    subscriptionLimits?: Partial<SubscriptionLimits>;
    /** Run the background jobs (feed poll, credential checks, expiry sweeper) as the server does. */
    background?: boolean;
    /** NODE_ENV=production rules for GraphQL (limits not named, no anonymous introspection). */
    production?: boolean;
    /** node:http's request deadlines (defaults: the server's). */
    timeouts?: Partial<HttpTimeouts>;
    /** Failed authentications per address group and per credential (default: never reached). */
    authFailureLimit?: { failures: number; windowMs: number };
    /** Webhooks and callbacks to 127.0.0.1 over http (a test's receiver), as KEYWARD_ALLOW_PRIVATE_CALLBACKS does. */
    allowPrivateCallbacks?: boolean;
  } = {},
): Promise<TestServer> {
  const database = await sharedDatabase();
  const logs = new LogCapture();
  const logger = createLogger({ level: 'debug', destination: logs });
  const adminToken = `test-admin-${randomBytes(16).toString('hex')}`;
  const trustedProxies = options.trustedProxies ?? null;
  const outboxDir = mkdtempSync(join(tmpdir(), 'keyward-outbox-'));
  const services = createServices({
    database,
    secrets: { pepper: randomBytes(32), encryptionKey: randomBytes(32) },
    logger,
    verifier: { cacheTtlMs: 1000 },
    mailer: createMailer({ outboxDir, from: 'no-reply@keyward.test', logger }),
    links: { publicUrl: 'http://keyward.test', signupUrl: 'https://platform.test/signup' },
    ...(options.subscriptionLimits && { subscriptionLimits: options.subscriptionLimits }),
    // Every test client is 127.0.0.1: failed authentications are limited in tests of their own.
    authFailureLimit: options.authFailureLimit ?? { failures: 1_000_000, windowMs: 60_000 },
    allowPrivateCallbacks: options.allowPrivateCallbacks ?? false,
  });
  const stopJobs = options.background ? startBackgroundJobs(services) : () => undefined;
  const yoga = createYogaApp({ services, adminToken, trustedProxies, ping: database.ping, production: options.production ?? false });
  const running = await startServer({
    yoga,
    services,
    adminToken,
    trustedProxies,
    logger,
    port: 0,
    host: '127.0.0.1',
    ...(options.timeouts && { timeouts: options.timeouts }),
  });
  const origin = `http://127.0.0.1:${running.port}`;
  return {
    services,
    adminToken,
    logs,
    origin,
    url: running.url,
    wsUrl: running.url.replace(/^http/, 'ws'),
    outboxDir,
    running,
    // A short grace period: a test that failed half-way must not hold the file up for 10 s.
    stop: async () => {
      stopJobs();
      await running.stop(1_000);
    },
  };
}

/** `POST /v1/keys/verify` as a gateway calls it: JSON in, status, headers and JSON out; the admin token unless `headers` say otherwise. */
export async function postVerify(server: TestServer, body: unknown, headers: Record<string, string> = { 'x-admin-token': server.adminToken }) {
  const res = await fetch(`${server.origin}/v1/keys/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** A new organization with its first (TEST, every permission) partner key. */
export async function createOrganization(services: Services, name = `Transport ${randomBytes(4).toString('hex')}`) {
  return services.organizations.create({ type: 'operator' }, { name });
}
