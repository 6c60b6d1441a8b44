import { verifyAuditChains, type ChainReport } from './domain/audit/audit-chain.ts';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { decodeEncryptionKey, type Config } from './config.ts';
import type { Services } from './context.ts';
import { ApiKeyService } from './domain/api-key/api-key.service.ts';
import { KeyVerifier, type KeyVerifierOptions } from './domain/auth/key-verifier.ts';
import { EventLog } from './domain/events/event-log.ts';
import { ExpirySweeper } from './domain/events/expiry-sweeper.ts';
import { SigningService } from './domain/signing/signing.service.ts';
import { UnitOfWork } from './domain/unit-of-work.ts';
import { WebhookEndpointService } from './domain/webhooks/webhook-endpoint.service.ts';
import { WebhookDeliveryService } from './domain/webhooks/webhook-delivery.service.ts';
import { WebhookSender, type Resolver } from './domain/webhooks/webhook-sender.ts';
import type { EventFaults } from './domain/events/event-log.ts';
import { MemoryCounterStore, RateLimits, type CounterStore } from './domain/rate-limit/rate-limits.ts';
import { closeLimitsRedis, limitsRedis, RedisCounterStore } from './infra/redis-counters.ts';
import { RedisSlotStore } from './infra/redis-slots.ts';
import { MemorySlotStore, type SlotStore } from './domain/rate-limit/slots.ts';
import { RequestLogWriter } from './domain/audit/request-log.ts';
import { Metrics } from './infra/metrics.ts';
import { MemberService } from './domain/member/member.service.ts';
import type { SignInLimits } from './domain/rate-limit/rate-limits.ts';
import { OrganizationService } from './domain/organization/organization.service.ts';
import { ConnectionService, type ConnectionLinks } from './domain/connection/connection.service.ts';
import { SandboxDepositProvider, type DepositProvider } from './domain/connection/deposit-accounts.ts';
import { createMailer, type Mailer } from './infra/mailer.ts';
import { systemClock, type Clock } from './infra/clock.ts';
import { lockDataDir, loadOrCreateSecrets } from './infra/data-dir.ts';
import { databaseOutageLog, openDatabase, type Database, type DatabaseTarget } from './infra/database.ts';
import { createRedisBus, noBus, type Bus } from './live/bus.ts';
import { KeyChangeFanout } from './live/invalidation.ts';
import { LiveEvents } from './live/live-events.ts';
import { DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionRegistry, type SubscriptionLimits } from './live/subscription-registry.ts';
import { DeliveryChanges } from './live/delivery-changes.ts';
import { Subscriptions } from './live/subscriptions.ts';

export interface ServerSecrets {
  pepper: Buffer;
  encryptionKey: Buffer;
  /** Undefined: the operator API is off. */
  adminToken: string | undefined;
}

/** Wires the domain services over one database; shared by the server, the CLI and the tests. */
export function createServices(deps: {
  database: Database;
  secrets: Pick<ServerSecrets, 'pepper' | 'encryptionKey'>;
  logger: Logger;
  mailer: Mailer;
  links: ConnectionLinks;
  /**
   * KEYWARD_PUBLIC_URL was configured: browsers reach Keyward only there. Unset (a local start),
   * a page on whatever host name reached this machine (localhost, 127.0.0.1) is Keyward's own.
   */
  publicUrlConfigured?: boolean;
  clock?: Clock;
  verifier?: KeyVerifierOptions;
  /** Where deposit IBANs (BUY) and addresses (SELL) come from; the sandbox's by default (none in LIVE). */
  deposits?: DepositProvider;
  allowPrivateCallbacks?: boolean;
  /** Other instances: events and invalidations travel here (Redis); none on a single instance. */
  bus?: Bus;
  subscriptionLimits?: Partial<SubscriptionLimits>;
  /** How often live feeds compare themselves with the event table. */
  livePollIntervalMs?: number;
  /** Fault injection (crash tests): around the commit of a change that appended events. */
  faults?: EventFaults;
  /** Where rate-limit counters live: Redis shared by the instances, or this process (the default). */
  counters?: CounterStore;
  /** Where the open sockets and subscriptions of each key are counted: likewise. */
  slots?: SlotStore;
  /** Failed authentications one client IP may make per window. */
  authFailureLimit?: { failures: number; windowMs: number };
  /** Connection mails per organization per hour and per address per day. */
  mailLimits?: { perOrganizationPerHour: number; perRecipientPerDay: number };
  /** Sign-in link requests per email address and per client address group, per hour. */
  signInLimits?: SignInLimits;
  /** Days the request log keeps an entry (default 30). */
  requestLogRetentionDays?: number;
  /** Webhooks: the per-attempt deadline and the DNS resolver (tests); jitter's source of randomness. */
  webhooks?: { timeoutMs?: number; resolve?: Resolver; random?: () => number };
}): Services {
  const { prisma } = deps.database;
  const { pepper, encryptionKey } = deps.secrets;
  const clock = deps.clock ?? systemClock;
  const bus = deps.bus ?? noBus;
  const verifier = new KeyVerifier(prisma, pepper, clock, deps.verifier);
  // The gauges read the services when scraped (they are wired below).
  const metrics = new Metrics(() => ({
    activeSubscriptions: () => subscriptions.registry.size,
    webhookQueueDepth: () => prisma.webhookDelivery.count({ where: { state: 'PENDING' } }),
    keyCacheEntries: () => verifier.cacheSize,
  }));
  verifier.onLookup = (hit) => metrics.keyCacheLookups.inc({ result: hit ? 'hit' : 'miss' });
  const rateLimits = new RateLimits(deps.counters ?? new MemoryCounterStore(clock), deps.authFailureLimit, deps.mailLimits, clock, deps.signInLimits);
  const registry = new SubscriptionRegistry(
    verifier,
    deps.logger,
    { ...DEFAULT_SUBSCRIPTION_LIMITS, ...deps.subscriptionLimits },
    deps.slots ?? new MemorySlotStore(),
  );
  const changes = new KeyChangeFanout(verifier, registry, bus);
  const events = new EventLog(prisma, clock, (error) => deps.logger.error({ err: error }, 'publishing events failed'), deps.faults);
  const live = new LiveEvents(events, bus, deps.logger, deps.livePollIntervalMs);
  events.connect(live);
  const uow = new UnitOfWork(events, (error) =>
    deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'an effect after commit failed (mail, cache); the change stands'),
  );
  const apiKeys = new ApiKeyService(prisma, pepper, encryptionKey, clock, changes, uow);
  const signing = new SigningService(prisma, encryptionKey, clock, uow);
  const webhookEndpoints = new WebhookEndpointService(uow, deps.allowPrivateCallbacks ?? false);
  const deliveryChanges = new DeliveryChanges(bus);
  const webhooks = new WebhookDeliveryService({
    prisma,
    clock,
    logger: deps.logger,
    encryptionKey,
    uow,
    signing,
    sender: new WebhookSender({ allowPrivate: deps.allowPrivateCallbacks ?? false, ...deps.webhooks }),
    onAttempt: (succeeded) => metrics.webhookAttempts.inc({ result: succeeded ? 'succeeded' : 'failed' }),
    changes: deliveryChanges,
    // PostgreSQL: the next claim while a round's webhooks are out; the embedded database has one connection.
    lanes: deps.database.kind === 'postgres' ? 2 : 1,
    ...(deps.webhooks?.random && { random: deps.webhooks.random }),
  });
  events.observe(webhooks);
  const members = new MemberService({
    prisma,
    uow,
    apiKeys,
    listener: changes,
    mailer: deps.mailer,
    rateLimits,
    clock,
    pepper,
    logger: deps.logger,
    publicUrl: deps.links.publicUrl,
  });
  const organizations = new OrganizationService(prisma, apiKeys, changes, uow, signing, members);
  const connections = new ConnectionService({
    prisma,
    clock,
    logger: deps.logger,
    pepper,
    encryptionKey,
    apiKeys,
    mailer: deps.mailer,
    deposits: deps.deposits ?? new SandboxDepositProvider(),
    links: deps.links,
    allowPrivateCallbacks: deps.allowPrivateCallbacks ?? false,
    listener: changes,
    uow,
    webhooks,
    rateLimits,
  });
  const sweeper = new ExpirySweeper(prisma, uow, clock);
  const subscriptions = new Subscriptions(prisma, live, registry, clock, deliveryChanges);
  return {
    prisma,
    clock,
    logger: deps.logger,
    verifier,
    apiKeys,
    organizations,
    connections,
    members,
    mailer: deps.mailer,
    events,
    work: uow,
    sweeper,
    live,
    subscriptions,
    bus,
    signing,
    webhookEndpoints,
    webhooks,
    rateLimits,
    requestLogs: new RequestLogWriter(prisma, clock, deps.logger, deps.requestLogRetentionDays, undefined, deps.database.copyRows),
    metrics,
    publicUrl: deps.links.publicUrl,
    originFromHost: !deps.publicUrlConfigured,
    databaseOutage: databaseOutageLog(deps.logger),
  };
}

/**
 * Data upgrades no SQL migration can do (they need the encryption key or the deposit provider):
 * run by every start (server and CLI) after the migrations, before anything is served.
 * Idempotent and safe with several instances starting at once. Today: signing secrets from
 * before they were per environment become a TEST and a LIVE copy of the same secret; deposit
 * details that were stored the wrong way round are replaced from the provider.
 */
export async function upgradeData(services: Pick<Services, 'signing' | 'connections' | 'logger'>): Promise<void> {
  const { split, undecryptable } = await services.signing.upgradeLegacySecrets();
  if (split > 0) services.logger.info({ split }, 'signing secrets from before environments split into a TEST and a LIVE copy of the same secret');
  if (undecryptable > 0) {
    services.logger.warn(
      { undecryptable },
      'signing secrets from before environments do not decrypt with KEYWARD_ENCRYPTION_KEY: left as they are until a start with the right key',
    );
  }
  const deposits = await services.connections.replaceDepositDetails();
  if (deposits.replaced + deposits.withdrawn > 0)
    services.logger.info(deposits, 'deposit details stored the wrong way round replaced from the deposit provider');
  if (deposits.waiting > 0) {
    services.logger.warn({ waiting: deposits.waiting }, 'connected connections still without deposit details from the provider: asked again at the next start');
  }
}

/** How often the sweeper looks for keys that passed their expiry. */
const EXPIRY_SWEEP_MS = 1_000;
/** How often each instance looks for webhooks due (retries, other instances' changes); local changes wake it at once. */
const WEBHOOK_POLL_MS = 1_000;
/** How often buffered request-log entries are written. */
const REQUEST_LOG_FLUSH_MS = 1_000;

/**
 * The server's background work: live feeds polling the event table, subscriptions re-checking
 * their credentials, the expiry sweeper. Returns the function that stops it all.
 */
export function startBackgroundJobs(services: Services): () => void {
  services.live.start();
  services.subscriptions.registry.start();
  const stopSweeper = services.sweeper.start(EXPIRY_SWEEP_MS, (error) => services.logger.warn({ err: error }, 'expiry sweep failed'));
  // Signatures past their replay window are forgotten once a minute.
  const pruneTimer = setInterval(() => {
    services.signing.pruneSeen().catch((error: unknown) => services.logger.warn({ err: error }, 'pruning seen signatures failed'));
  }, 60_000);
  pruneTimer.unref();
  services.webhooks.start(WEBHOOK_POLL_MS);
  services.requestLogs.start(REQUEST_LOG_FLUSH_MS);
  // Once an hour: webhook deliveries finished more than 30 days ago, request logs past their retention,
  // sign-in links and members' sessions that ended more than a day ago.
  const retentionTimer = setInterval(() => {
    services.members.prune().catch((error: unknown) => services.logger.warn({ err: error }, 'pruning sign-in links and member sessions failed'));
    services.webhooks.pruneFinished().catch((error: unknown) => services.logger.warn({ err: error }, 'pruning webhook deliveries failed'));
    services.requestLogs.prune().catch((error: unknown) => services.logger.warn({ err: error }, 'pruning request logs failed'));
  }, 3_600_000);
  retentionTimer.unref();
  // Once a day (first a minute after start): every organization's audit chain is recomputed.
  const auditCheck = () => {
    checkAuditChains(services).catch((error: unknown) => services.logger.warn({ err: error }, 'audit chain check failed'));
  };
  const firstAuditCheck = setTimeout(auditCheck, 60_000);
  firstAuditCheck.unref();
  const auditTimer = setInterval(auditCheck, 24 * 3_600_000);
  auditTimer.unref();
  return () => {
    clearTimeout(firstAuditCheck);
    clearInterval(auditTimer);
    void services.webhooks.stop();
    void services.requestLogs.stop();
    clearInterval(retentionTimer);
    services.live.stop();
    services.subscriptions.registry.stop();
    stopSweeper();
    clearInterval(pruneTimer);
  };
}

/** Recomputes the audit chains; a break is logged as an alert (an edited or deleted audit row). */
export async function checkAuditChains(services: Pick<Services, 'prisma' | 'logger'>): Promise<ChainReport> {
  const report = await verifyAuditChains(services.prisma);
  if (report.breaks.length > 0) {
    services.logger.error(
      { alert: 'audit_chain_broken', breaks: report.breaks.map((b) => ({ organizationId: b.organizationId, seq: b.seq.toString(), id: b.id })) },
      'audit trail tampered with: a row was edited or deleted (npm run keyward -- audit verify)',
    );
  } else {
    services.logger.info({ organizations: report.organizations, rows: report.rows }, 'audit chains intact');
  }
  return report;
}

/** The services of a process (server or CLI) from its configuration: mail and links included. */
export function servicesFor(config: Config, runtime: Runtime, logger: Logger): Services {
  const publicUrl = (config.KEYWARD_PUBLIC_URL ?? `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`).replace(/\/$/, '');
  return createServices({
    database: runtime.database,
    secrets: runtime.secrets,
    logger,
    mailer: createMailer({
      smtpUrl: config.KEYWARD_SMTP_URL,
      outboxDir: join(resolve(config.KEYWARD_DATA_DIR), 'outbox'),
      from: config.KEYWARD_MAIL_FROM,
      logger,
    }),
    links: { publicUrl, signupUrl: config.KEYWARD_SIGNUP_URL ?? `${publicUrl}/signup` },
    publicUrlConfigured: config.KEYWARD_PUBLIC_URL !== undefined,
    allowPrivateCallbacks: config.KEYWARD_ALLOW_PRIVATE_CALLBACKS,
    bus: runtime.bus,
    counters: runtime.counters,
    slots: runtime.slots,
    authFailureLimit: { failures: config.KEYWARD_AUTH_FAILURES_PER_MINUTE, windowMs: 60_000 },
    requestLogRetentionDays: config.KEYWARD_REQUEST_LOG_RETENTION_DAYS,
    mailLimits: { perOrganizationPerHour: config.KEYWARD_CONNECTION_MAILS_PER_HOUR, perRecipientPerDay: 3 },
    subscriptionLimits: {
      perSocket: config.KEYWARD_MAX_SUBSCRIPTIONS_PER_SOCKET,
      perKey: config.KEYWARD_MAX_SUBSCRIPTIONS_PER_KEY,
      socketsPerKey: config.KEYWARD_MAX_SOCKETS_PER_KEY,
      socketsPerIp: config.KEYWARD_MAX_SOCKETS_PER_IP,
    },
    livePollIntervalMs: config.KEYWARD_EVENT_POLL_MS,
    ...(config.KEYWARD_FAULT && { faults: faultsFor(config.KEYWARD_FAULT, logger) }),
  });
}

/** Crash-test hooks (KEYWARD_FAULT, refused in production): kill -9 before or after a change commits. */
function faultsFor(fault: 'kill-after-commit' | 'kill-before-commit', logger: Logger): EventFaults {
  const kill = () => {
    logger.warn(`KEYWARD_FAULT=${fault}: killing the process`);
    logger.flush();
    process.kill(process.pid, 'SIGKILL');
  };
  return fault === 'kill-after-commit' ? { afterCommit: kill } : { beforeCommit: kill };
}

export interface Runtime {
  database: Database;
  secrets: ServerSecrets;
  /** True on the first start of a new embedded data dir (the secrets were just generated). */
  firstStart: boolean;
  /** Redis when REDIS_URL is set; otherwise nothing travels between instances. */
  bus: Bus;
  /** Rate-limit counters: in Redis when REDIS_URL is set (this process's own while Redis is away), else in this process. */
  counters: CounterStore;
  /** Open sockets and subscriptions per key: likewise. */
  slots: SlotStore;
  close(): Promise<void>;
}

/**
 * Opens what a process needs from the configuration: the database (the embedded one locked to
 * this process, created and migrated on first start) and the secrets (from the environment, or
 * generated into the data dir on first embedded start).
 */
export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const runtime = await openStorage(config);
  const bus = config.REDIS_URL ? createRedisBus(config.REDIS_URL, logger) : noBus;
  const local = new MemoryCounterStore(systemClock);
  const redis = config.REDIS_URL ? limitsRedis(config.REDIS_URL) : null;
  const slots = redis ? new RedisSlotStore(redis, logger, config.KEYWARD_SLOT_HEARTBEAT_MS) : null;
  return {
    ...runtime,
    bus,
    counters: redis ? new RedisCounterStore(redis, local, logger) : local,
    slots: slots ?? new MemorySlotStore(),
    close: async () => {
      slots?.close();
      if (redis) await closeLimitsRedis(redis);
      await bus.close();
      await runtime.close();
    },
  };
}

async function openStorage(config: Config): Promise<Omit<Runtime, 'bus' | 'counters' | 'slots'>> {
  if (config.DATABASE_URL !== undefined) {
    const database = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL });
    return {
      database,
      secrets: {
        pepper: Buffer.from(config.KEYWARD_PEPPER!, 'utf8'),
        encryptionKey: decodeEncryptionKey(config.KEYWARD_ENCRYPTION_KEY!)!,
        adminToken: config.KEYWARD_ADMIN_TOKEN,
      },
      firstStart: false,
      close: () => database.close(),
    };
  }
  const dataDir = resolve(config.KEYWARD_DATA_DIR);
  const release = lockDataDir(dataDir);
  try {
    const { secrets: stored, created } = loadOrCreateSecrets(dataDir);
    const target: DatabaseTarget = { kind: 'embedded', dataDir };
    const database = await openDatabase(target);
    return {
      database,
      secrets: {
        pepper: Buffer.from(config.KEYWARD_PEPPER ?? stored.pepper, 'utf8'),
        encryptionKey: decodeEncryptionKey(config.KEYWARD_ENCRYPTION_KEY ?? stored.encryptionKey)!,
        adminToken: config.KEYWARD_ADMIN_TOKEN ?? stored.adminToken,
      },
      firstStart: created,
      close: async () => {
        try {
          await database.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
