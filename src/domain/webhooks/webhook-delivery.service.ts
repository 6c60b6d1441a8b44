import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  Connection,
  Environment,
  Prisma,
  PrismaClient,
  WebhookAttempt,
  WebhookDeliveryState,
  WebhookEndpoint,
  WebhookEventType,
} from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import { authorize } from '../access/policy.ts';
import { webhookAttemptsWhere } from '../access/visibility.ts';
import type { Caller } from '../caller.ts';
import { open, seal } from '../crypto/secret-box.ts';
import { InvalidStateError, NotFoundError } from '../errors.ts';
import type { AppendObserver, EventRecord } from '../events/event-log.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { deleteInBatches, type Pruned } from '../retention.ts';
import type { SigningService } from '../signing/signing.service.ts';
import {
  BODY_TYPES,
  connectionStatusBody,
  DISABLE_AFTER_FAILING_MS,
  eventBody,
  nextAttemptAt,
  publicId,
  VERIFICATION_STATUS,
  verificationStatusBody,
  webhookIdOf,
  type WebhookBody,
} from './webhook-payloads.ts';
import type { WebhookSender } from './webhook-sender.ts';

type Tx = Prisma.TransactionClient;

/** How long a worker holds a claimed delivery: well past the 15 s attempt deadline. */
const DELIVERY_LEASE_MS = 60_000;
/** Finished deliveries (and their attempts) are kept this long for webhookDeliveries, then deleted. */
const DELIVERY_RETENTION_MS = 30 * 24 * 3600 * 1000;
/** Deliveries claimed (and sent concurrently) per round. */
const BATCH_SIZE = 20;

/**
 * A change to what webhookDeliveries and webhookEndpoints show, told after it committed: an
 * attempt recorded (scheduled or a redelivery: its outcome, the next attempt, the message's
 * state), a message cancelled when its endpoint was found disabled, or an endpoint Keyward
 * disabled after an attempt. These are hints for live lists, not part of the event log: ids
 * only, never a payload, URL or secret.
 */
export interface DeliveryChange {
  type: 'ATTEMPTED' | 'CANCELLED' | 'ENDPOINT_DISABLED';
  organizationId: string;
  environment: Environment;
  /** The attempt made; for CANCELLED the message's latest attempt; for ENDPOINT_DISABLED the attempt that disabled it. */
  attemptId: string;
  at: Date;
}

export interface DeliveryChangeListener {
  deliveryChanged(change: DeliveryChange): void;
}

/** A delivery claimed by this worker. */
interface Claimed {
  id: string;
  organizationId: string;
  environment: Environment;
  endpointId: string | null;
  callbackUrl: string | null;
  type: string;
  payload: WebhookBody;
  sealedApiKey: Uint8Array | null;
  state: WebhookDeliveryState;
  /** Every attempt so far, scheduled and manual. */
  attemptCount: number;
  /** Of those, the ones redeliverWebhook made (they do not move the schedule). */
  manualAttempts: number;
}

/** What the attempts of one dispatcher round read once and share. */
interface Round {
  endpoint(id: string): WebhookEndpoint | null | Promise<WebhookEndpoint | null>;
  /** The valid signing secrets of an organization's environment: a webhook is signed with its environment's only. */
  secrets(organizationId: string, environment: Environment): Promise<string[]>;
}

/** A connection at the moment it reached CONNECTED or REJECTED, for its callbacks. */
export interface CallbackFacts {
  connection: Connection & { email: string };
  /** The status change event the callbacks report. */
  event: EventRecord;
  /** CONNECTED: the connection's new user key, sent in verification-status. */
  issuedKey?: { keyId: string; secret: string };
}

/** One callback of a connection, due at once, reporting `event`. */
function callbackRow(connection: CallbackFacts['connection'], event: EventRecord, path: 'verification-status' | 'connection-status', body: WebhookBody) {
  return {
    id: randomUUID(),
    organizationId: connection.organizationId,
    environment: connection.environment,
    eventId: event.id,
    nextAttemptAt: event.createdAt,
    createdAt: event.createdAt,
    callbackUrl: `${connection.callbackUrl}/${path}`,
    type: body.type,
    payload: body as unknown as Prisma.InputJsonValue,
  } satisfies Prisma.WebhookDeliveryCreateManyInput;
}

/**
 * Webhooks from the event log to partners, at least once. The outbox: every transaction that
 * appends events also writes one delivery row per endpoint that selected the event (and the
 * callbacks of a connection reaching CONNECTED or REJECTED), so a change and its webhooks commit
 * together and a crash after commit loses nothing. The dispatcher, on every instance, claims due
 * deliveries with `FOR UPDATE SKIP LOCKED` and a lease (so two instances never send one delivery
 * at once, and a crashed worker's deliveries are picked up when the lease runs out), sends them,
 * and records each attempt with its outcome and the next attempt's time.
 */
export class WebhookDeliveryService implements AppendObserver {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      clock: Clock;
      logger: Logger;
      encryptionKey: Buffer;
      uow: UnitOfWork;
      signing: SigningService;
      sender: WebhookSender;
      random?: () => number;
      /** Told of each attempt's result (metrics). */
      onAttempt?: (succeeded: boolean) => void;
      /** Told of every change to deliveries and endpoints, after commit (live subscriptions). */
      changes?: DeliveryChangeListener;
    },
  ) {}

  private get prisma() {
    return this.deps.prisma;
  }

  // -- the outbox: written in the change's transaction ---------------------------------------------

  /** One delivery per enabled endpoint of the event's organization and environment that selected its type. */
  async appended(tx: Tx, records: EventRecord[]): Promise<void> {
    const organizationIds = [...new Set(records.map((r) => r.organizationId))];
    const endpoints = await tx.webhookEndpoint.findMany({
      where: { organizationId: { in: organizationIds }, enabled: true },
      select: { id: true, organizationId: true, environment: true, eventTypes: true },
    });
    if (endpoints.length === 0) return;
    const rows = records.flatMap((record) =>
      endpoints
        .filter(
          (e) => e.organizationId === record.organizationId && e.environment === record.environment && e.eventTypes.includes(record.type as WebhookEventType),
        )
        .map((endpoint) => ({
          organizationId: record.organizationId,
          environment: record.environment,
          endpointId: endpoint.id,
          eventId: record.id,
          type: BODY_TYPES[record.type],
          payload: eventBody(record) as unknown as Prisma.InputJsonValue,
          nextAttemptAt: record.createdAt,
          createdAt: record.createdAt,
        })),
    );
    if (rows.length > 0) await tx.webhookDelivery.createMany({ data: rows });
  }

  committed(): void {
    this.wake();
  }

  /**
   * The callbacks of a connection that reached CONNECTED or REJECTED, in the transition's
   * transaction: `{callback}/verification-status`, and for a CONNECTED one with a direction,
   * `{callback}/connection-status`. The key travels sealed until it is delivered.
   */
  async enqueueCallbacks(tx: Tx, facts: CallbackFacts): Promise<void> {
    const { connection, event, issuedKey } = facts;
    if (!connection.callbackUrl) return;
    const verification = callbackRow(connection, event, 'verification-status', verificationStatusBody(connection, event.createdAt, issuedKey?.keyId ?? null));
    const rows: Prisma.WebhookDeliveryCreateManyInput[] = [
      { ...verification, ...(issuedKey && { sealedApiKey: new Uint8Array(seal(this.deps.encryptionKey, issuedKey.secret, verification.id)) }) },
    ];
    if (connection.status === 'CONNECTED' && connection.direction) {
      rows.push(callbackRow(connection, event, 'connection-status', connectionStatusBody(connection, event.createdAt)));
    }
    await tx.webhookDelivery.createMany({ data: rows });
  }

  /**
   * A CONNECTED connection's deposit details changed, not its status: `{callback}/connection-status`
   * again, carrying the new details (no verification-status: the key was sent when it connected).
   */
  async enqueueDepositDetails(tx: Tx, facts: Omit<CallbackFacts, 'issuedKey'>): Promise<void> {
    const { connection, event } = facts;
    if (!connection.callbackUrl || connection.status !== 'CONNECTED' || !connection.direction) return;
    await tx.webhookDelivery.create({ data: callbackRow(connection, event, 'connection-status', connectionStatusBody(connection, event.createdAt)) });
  }

  // -- the dispatcher ------------------------------------------------------------------------------

  /** Delivers what is due now and whenever woken, and checks every `intervalMs` (other instances' work, retries). */
  start(intervalMs: number): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), intervalMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs a round now (or right after the one in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          if ((await this.runOnce()) === BATCH_SIZE) this.again = true;
        } catch (error) {
          this.deps.logger.warn({ err: error }, 'webhook delivery round failed');
        }
      } while (this.again && !this.stopped);
      this.running = null;
    })();
  }

  /** Claims the deliveries due now and attempts each of them; returns how many it attempted. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim(BATCH_SIZE);
    // What a round's deliveries share is read once: their endpoints, and the secrets of each organization and environment.
    const endpointIds = [...new Set(claimed.flatMap((d) => (d.endpointId ? [d.endpointId] : [])))];
    const endpoints = new Map(
      endpointIds.length > 0 ? (await this.prisma.webhookEndpoint.findMany({ where: { id: { in: endpointIds } } })).map((e) => [e.id, e] as const) : [],
    );
    const secrets = new Map<string, Promise<string[]>>();
    const round: Round = {
      endpoint: (id) => endpoints.get(id) ?? null,
      secrets: (organizationId, environment) => {
        const scope = `${organizationId}/${environment}`;
        if (!secrets.has(scope)) secrets.set(scope, this.deps.signing.validSecrets(organizationId, environment));
        return secrets.get(scope)!;
      },
    };
    const results = await Promise.allSettled(claimed.map((delivery) => this.attempt(delivery, false, round)));
    for (const result of results) {
      // The delivery keeps its lease, so it is tried again once the lease runs out.
      if (result.status === 'rejected') this.deps.logger.warn({ err: result.reason }, 'a webhook attempt could not be recorded');
    }
    return claimed.length;
  }

  /** Leases due deliveries to this worker; rows another worker holds are skipped, not waited for. */
  private claim(limit: number): Promise<Claimed[]> {
    const now = this.deps.clock.now();
    const leaseUntil = new Date(now.getTime() + DELIVERY_LEASE_MS);
    return this.prisma.$queryRaw<Claimed[]>`
      UPDATE webhook_deliveries SET "leaseUntil" = ${leaseUntil}
      WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE state = 'PENDING' AND "nextAttemptAt" <= ${now} AND ("leaseUntil" IS NULL OR "leaseUntil" <= ${now})
        ORDER BY "nextAttemptAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, "organizationId", environment::text AS environment, "endpointId", "callbackUrl", type, payload,
        "sealedApiKey", state::text AS state, "attemptCount", "manualAttempts"`;
  }

  /**
   * One attempt of a claimed delivery, recorded with its outcome. Scheduled attempts move the
   * delivery along the retry schedule; manual ones (redeliverWebhook) only record themselves,
   * and end a pending delivery when they succeed.
   */
  private async attempt(delivery: Claimed, manual: boolean, round: Round = this.freshReads()): Promise<WebhookAttempt | null> {
    const endpoint = delivery.endpointId ? await round.endpoint(delivery.endpointId) : null;
    if (delivery.endpointId && !endpoint?.enabled) {
      if (!manual) await this.cancel(delivery);
      return null;
    }
    const url = endpoint?.url ?? delivery.callbackUrl!;
    // A key travels in one successful delivery only: once a delivery of this message succeeded,
    // every later attempt (a redelivery) says so instead of carrying it.
    const delivered = delivery.type === VERIFICATION_STATUS && typeof delivery.payload.data.keyId === 'string' && (await this.keyDelivered(delivery));
    const apiKey = delivery.type === VERIFICATION_STATUS && !delivered ? await this.keyOf(delivery) : null;
    // `type`, `timestamp`, `data` in that order (the stored JSON does not keep key order).
    const { type, timestamp, data } = delivery.payload;
    const body: WebhookBody = {
      type,
      timestamp,
      data: delivered ? { ...data, apikey: null, apikeyAlreadyDelivered: true } : apiKey ? { ...data, apikey: apiKey } : data,
    };
    const startedAt = this.deps.clock.now();
    const outcome = await this.deps.sender.send({
      url,
      id: webhookIdOf(delivery.id),
      timestamp: Math.floor(startedAt.getTime() / 1000),
      body: JSON.stringify(body),
      secrets: await round.secrets(delivery.organizationId, delivery.environment),
    });
    const scheduled = !manual && !outcome.succeeded && !outcome.gone;
    const next = scheduled ? nextAttemptAt(startedAt, delivery.attemptCount - delivery.manualAttempts + 1, outcome.retryAfterSeconds, this.deps.random) : null;
    const lastScheduled = !manual && !outcome.succeeded && next === null;
    const state: WebhookDeliveryState | undefined = outcome.succeeded ? 'SUCCEEDED' : outcome.gone || lastScheduled ? 'FAILED' : undefined;
    const counted = { leaseUntil: null, attemptCount: { increment: 1 }, ...(manual && { manualAttempts: { increment: 1 } }) };
    const recorded = await this.prisma.$transaction(async (tx) => {
      const row = await tx.webhookAttempt.create({
        data: {
          deliveryId: delivery.id,
          organizationId: delivery.organizationId,
          environment: delivery.environment,
          number: delivery.attemptCount + 1,
          manual,
          url,
          succeeded: outcome.succeeded,
          statusCode: outcome.statusCode,
          durationMs: outcome.durationMs,
          error: outcome.error?.slice(0, 300) ?? null,
          nextAttemptAt: next,
          attemptedAt: startedAt,
        },
      });
      const { count } = await tx.webhookDelivery.updateMany({
        // A failure never overrides a state another attempt already reached.
        where: { id: delivery.id, ...(!outcome.succeeded && { state: 'PENDING' }) },
        data: {
          ...counted,
          ...(!manual && { nextAttemptAt: next }),
          // The key a callback carried is kept only while it may still be sent.
          ...(state && { state, nextAttemptAt: null, sealedApiKey: null }),
        },
      });
      if (count === 0) await tx.webhookDelivery.update({ where: { id: delivery.id }, data: counted });
      // An endpoint's run of failures: started by its first failure, ended by a success.
      if (endpoint && outcome.succeeded === (endpoint.failingSince !== null)) {
        const failingSince = outcome.succeeded ? null : startedAt;
        await tx.webhookEndpoint.updateMany({ where: { id: endpoint.id, failingSince: outcome.succeeded ? { not: null } : null }, data: { failingSince } });
        endpoint.failingSince = failingSince;
      }
      return row;
    });
    const scope = { organizationId: delivery.organizationId, environment: delivery.environment, attemptId: recorded.id };
    this.tell({ type: 'ATTEMPTED', ...scope, at: startedAt });
    if (endpoint && outcome.gone) await this.disableEndpoint(endpoint.id, 'The endpoint answered 410 Gone', scope);
    else if (endpoint && !outcome.succeeded && (await this.failingForFiveDays(endpoint, startedAt))) {
      await this.disableEndpoint(endpoint.id, 'Every delivery failed for 5 days', scope);
    }
    this.deps.onAttempt?.(outcome.succeeded);
    this.deps.logger.info(
      {
        webhookId: webhookIdOf(delivery.id),
        type: delivery.type,
        statusCode: outcome.statusCode,
        durationMs: outcome.durationMs,
        succeeded: outcome.succeeded,
        error: outcome.error,
        manual,
      },
      'webhook attempt',
    );
    return recorded;
  }

  /** The round's view first; confirmed from the database (another instance may have seen a success since). */
  private async failingForFiveDays(endpoint: WebhookEndpoint, now: Date): Promise<boolean> {
    const longEnough = (since: Date | null | undefined) => since != null && now.getTime() - since.getTime() >= DISABLE_AFTER_FAILING_MS;
    if (!longEnough(endpoint.failingSince)) return false;
    const current = await this.prisma.webhookEndpoint.findUnique({ where: { id: endpoint.id }, select: { failingSince: true } });
    return longEnough(current?.failingSince);
  }

  /** Reads for a single attempt (redelivery), outside a round. */
  private freshReads(): Round {
    return {
      endpoint: (id) => this.prisma.webhookEndpoint.findUnique({ where: { id } }),
      secrets: (organizationId, environment) => this.deps.signing.validSecrets(organizationId, environment),
    };
  }

  /** Whether an attempt of this message has succeeded: then the key it carried is not sent again. */
  private async keyDelivered(delivery: Pick<Claimed, 'id' | 'state'>): Promise<boolean> {
    if (delivery.state === 'SUCCEEDED') return true;
    return (await this.prisma.webhookAttempt.count({ where: { deliveryId: delivery.id, succeeded: true } })) > 0;
  }

  /**
   * The user key a verification-status callback carries while no attempt of it has succeeded:
   * its sealed copy, or (after the schedule failed for good) the key's recoverable copy.
   */
  private async keyOf(delivery: Claimed): Promise<string | null> {
    if (delivery.sealedApiKey) {
      const secret = open(this.deps.encryptionKey, delivery.sealedApiKey, delivery.id);
      if (secret === null)
        this.deps.logger.error({ webhookId: webhookIdOf(delivery.id) }, 'a sealed callback key does not decrypt (tampered, or another encryption key)');
      return secret;
    }
    const keyId = delivery.payload.data.keyId;
    if (typeof keyId !== 'string') return null;
    const key = await this.prisma.apiKey.findUnique({ where: { keyId } });
    if (!key?.encryptedSecret || key.revokedAt || (key.expiresAt && key.expiresAt <= this.deps.clock.now())) return null;
    return open(this.deps.encryptionKey, key.encryptedSecret, key.keyId);
  }

  /** A message whose endpoint was disabled meanwhile: it ends, and its attempts (if any) show so. */
  private async cancel(delivery: Claimed): Promise<void> {
    await this.prisma.webhookDelivery.update({
      where: { id: delivery.id },
      data: { state: 'CANCELLED', leaseUntil: null, nextAttemptAt: null, sealedApiKey: null },
    });
    const latest = await this.prisma.webhookAttempt.findFirst({ where: { deliveryId: delivery.id }, orderBy: { seq: 'desc' }, select: { id: true } });
    if (latest) {
      const { organizationId, environment } = delivery;
      this.tell({ type: 'CANCELLED', organizationId, environment, attemptId: latest.id, at: this.deps.clock.now() });
    }
  }

  /** A change committed: the live subscriptions hear of it (a failure there never fails the delivery). */
  private tell(change: DeliveryChange): void {
    try {
      this.deps.changes?.deliveryChanged(change);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'telling subscribers of a webhook delivery failed');
    }
  }

  /**
   * Keyward disables an endpoint (410 Gone, or failing for 5 days): its pending deliveries are
   * cancelled, an audit row says why, and a WEBHOOK_ENDPOINT_DISABLED event goes to the
   * organization's other endpoints that selected it. Subscribers hear of it with the attempt that did it.
   */
  private async disableEndpoint(id: string, reason: string, after: Pick<DeliveryChange, 'organizationId' | 'environment' | 'attemptId'>): Promise<void> {
    const found = await this.prisma.webhookEndpoint.findUnique({ where: { id }, select: { organizationId: true } });
    if (!found) return;
    await this.deps.uow.run({ type: 'system' }, found.organizationId, async (w) => {
      const { tx } = w;
      const endpoint = await tx.webhookEndpoint.findUnique({ where: { id } });
      if (!endpoint) return;
      const { count } = await tx.webhookEndpoint.updateMany({ where: { id, enabled: true }, data: { enabled: false, disabledReason: reason } });
      if (count === 0) return;
      await tx.webhookDelivery.updateMany({ where: { endpointId: id, state: 'PENDING' }, data: { state: 'CANCELLED', nextAttemptAt: null } });
      const scope = { organizationId: endpoint.organizationId, environment: endpoint.environment };
      await w.audit({
        environment: endpoint.environment,
        action: 'webhook_endpoint.disabled',
        targetType: 'webhook_endpoint',
        targetId: id,
        details: { url: endpoint.url, reason },
      });
      await w.emit([{ ...scope, type: 'WEBHOOK_ENDPOINT_DISABLED', data: { webhookEndpointId: publicId('WebhookEndpoint', id), url: endpoint.url, reason } }]);
      w.afterCommit(() => this.tell({ type: 'ENDPOINT_DISABLED', ...after, at: this.deps.clock.now() }));
    });
    this.deps.logger.warn({ endpointId: id, reason }, 'webhook endpoint disabled');
  }

  /**
   * Deletes deliveries that finished more than 30 days ago, with their attempts (the foreign key's
   * cascade), oldest first, at most `batch` per statement (through the updatedAt index).
   */
  pruneFinished(batch?: number): Promise<Pruned> {
    const before = new Date(this.deps.clock.now().getTime() - DELIVERY_RETENTION_MS);
    return deleteInBatches(
      (limit) => this.prisma.$executeRaw`
        DELETE FROM webhook_deliveries WHERE id = ANY (ARRAY(
          SELECT id FROM webhook_deliveries WHERE "updatedAt" < ${before} AND state <> 'PENDING' ORDER BY "updatedAt" LIMIT ${limit}))`,
      batch,
    );
  }

  // -- redelivery ------------------------------------------------------------------------------------

  /** redeliverWebhook: the message of an attempt, sent again now (the schedule is not changed). */
  async redeliver(caller: Caller, attemptId: string): Promise<WebhookAttempt> {
    authorize(caller, 'webhooks.manage');
    const previous = await this.prisma.webhookAttempt.findFirst({
      where: { AND: [{ id: attemptId }, webhookAttemptsWhere(caller)] },
      include: { delivery: { include: { endpoint: true } } },
    });
    if (!previous) throw new NotFoundError('Webhook delivery');
    const { delivery } = previous;
    if (delivery.endpoint && !delivery.endpoint.enabled) throw new InvalidStateError('The webhook endpoint is disabled; enable it before redelivering');
    const now = this.deps.clock.now();
    const { count } = await this.prisma.webhookDelivery.updateMany({
      where: { id: delivery.id, OR: [{ leaseUntil: null }, { leaseUntil: { lte: now } }] },
      data: { leaseUntil: new Date(now.getTime() + DELIVERY_LEASE_MS) },
    });
    if (count !== 1) throw new InvalidStateError('An attempt of this webhook is in progress; try again in a moment');
    const claimed: Claimed = { ...delivery, payload: delivery.payload as unknown as WebhookBody };
    if (
      delivery.type === VERIFICATION_STATUS &&
      typeof claimed.payload.data.keyId === 'string' &&
      !(await this.keyDelivered(claimed)) &&
      !(await this.keyOf(claimed))
    ) {
      await this.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { leaseUntil: null } });
      throw new InvalidStateError('The key this callback carried is no longer kept; rotate the connection’s key to get a new one');
    }
    const attempt = await this.attempt(claimed, true);
    if (!attempt) throw new InvalidStateError('The webhook endpoint is disabled; enable it before redelivering');
    return attempt;
  }
}
