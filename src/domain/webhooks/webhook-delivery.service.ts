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
import type { AttemptOutcome, WebhookSender } from './webhook-sender.ts';

type Tx = Prisma.TransactionClient;

/** How long a worker holds a claimed delivery: well past the 15 s attempt deadline. */
const DELIVERY_LEASE_MS = 60_000;
/**
 * A claimed delivery is sent only while its lease outlasts the attempt's deadline by this much
 * (time to record it), so no other instance can claim it while it is on its way; a round that
 * ran out of time (partners that hang) releases the rest unsent.
 */
const LEASE_MARGIN_MS = 30_000;
/** Finished deliveries (and their attempts) are kept this long for webhookDeliveries, then deleted. */
const DELIVERY_RETENTION_MS = 30 * 24 * 3600 * 1000;
/** Deliveries a round claims: this many, doubled while claims come back full (a backlog), up to CLAIM_MAX. */
const CLAIM_MIN = 20;
const CLAIM_MAX = 100;
/** Webhooks a round has on their way at once. */
const SENDS_PER_ROUND = 20;
/** A round records its attempts whenever this many have been answered, and at its end. */
const RECORD_BATCH = 50;

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

/** What an attempt reads of its endpoint: with the claim, or afresh for a redelivery. */
type EndpointView = Pick<WebhookEndpoint, 'id' | 'url' | 'enabled' | 'failingSince'>;

/** A delivery claimed by this worker. */
interface Claimed {
  id: string;
  organizationId: string;
  environment: Environment;
  endpointId: string | null;
  /** Its endpoint as the claim found it (null for callbacks, or when it was deleted); one object per endpoint in a round. */
  endpoint: EndpointView | null;
  callbackUrl: string | null;
  type: string;
  payload: WebhookBody;
  sealedApiKey: Uint8Array | null;
  state: WebhookDeliveryState;
  /** Every attempt so far, scheduled and manual. */
  attemptCount: number;
  /** Of those, the ones redeliverWebhook made (they do not move the schedule). */
  manualAttempts: number;
  /** Until when this worker holds it. */
  leaseUntil: Date;
}

/** A claim's row: the delivery and, joined in the same statement, its endpoint. */
type ClaimedRow = Omit<Claimed, 'endpoint' | 'leaseUntil'> & { endpointUrl: string | null; endpointEnabled: boolean | null; endpointFailingSince: Date | null };

/** The valid signing secrets of an organization's environment, read once per round: a webhook is signed with its environment's only. */
type Secrets = (organizationId: string, environment: Environment) => Promise<string[]>;

/** One attempt sent and not yet recorded: what it found, and what it makes of the delivery. */
interface Attempt {
  /** The attempt row's id, chosen before it is written (subscribers are told it after commit). */
  id: string;
  delivery: Claimed;
  manual: boolean;
  url: string;
  startedAt: Date;
  outcome: AttemptOutcome;
  /** When the next scheduled attempt is due; null when none is. */
  next: Date | null;
  /** The state the delivery reaches, if this attempt ends it. */
  state: WebhookDeliveryState | null;
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
 * and records each attempt with its outcome and the next attempt's time, many attempts to a
 * statement (bench/README.md, "Webhooks", for what that is worth).
 */
export class WebhookDeliveryService implements AppendObserver {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private claimSize = CLAIM_MIN;

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
      /** Rounds in flight at once: the next claim overlaps the previous round's requests (1: one after another). */
      lanes?: number;
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
    this.deps.sender.close();
  }

  /** Runs rounds now (or right after the ones in progress) until nothing due is left. */
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
          await this.drain();
        } catch (error) {
          this.deps.logger.warn({ err: error }, 'webhook delivery round failed');
        }
      } while (this.again && !this.stopped);
      this.running = null;
    })();
  }

  /**
   * Rounds until a claim comes back short. With more than one lane, the next claim is made while
   * the previous round's webhooks are on their way (PostgreSQL: the database works while the
   * partners answer); the embedded database has one connection, so one lane there.
   */
  private async drain(): Promise<void> {
    const lanes = this.deps.lanes ?? 1;
    const inFlight = new Set<Promise<void>>();
    try {
      while (!this.stopped) {
        const { claimed, full } = await this.claimRound();
        if (claimed.length === 0) break;
        const round: Promise<void> = this.deliver(claimed)
          .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'webhook delivery round failed'))
          .finally(() => inFlight.delete(round));
        inFlight.add(round);
        if (!full) break;
        while (inFlight.size >= lanes) await Promise.race(inFlight);
      }
    } finally {
      await Promise.all(inFlight);
    }
  }

  /** Claims the deliveries due now and attempts each of them; returns how many it claimed. */
  async runOnce(): Promise<number> {
    const { claimed } = await this.claimRound();
    if (claimed.length > 0) await this.deliver(claimed);
    return claimed.length;
  }

  /** A round's claim; a full one means more may be due, and the next claims twice as many (up to CLAIM_MAX). */
  private async claimRound(): Promise<{ claimed: Claimed[]; full: boolean }> {
    const size = this.claimSize;
    const claimed = await this.claim(size);
    const full = claimed.length === size;
    this.claimSize = full ? Math.min(size * 2, CLAIM_MAX) : CLAIM_MIN;
    return { claimed, full };
  }

  /**
   * One round: the deliveries whose endpoint is gone or disabled are cancelled, the others sent,
   * SENDS_PER_ROUND at a time; their attempts are recorded RECORD_BATCH at a time in one
   * transaction each, and subscribers, metrics and the endpoint checks hear of them after it
   * committed.
   */
  private async deliver(claimed: Claimed[]): Promise<void> {
    const sendable = claimed.filter((d) => !d.endpointId || d.endpoint?.enabled);
    if (sendable.length < claimed.length) await this.cancel(claimed.filter((d) => !sendable.includes(d)));
    const secrets = this.secretsOnce();
    const queue = [...sendable];
    // In the order the answers arrive: the order an endpoint's run of failures is followed in.
    const answered: Attempt[] = [];
    let recording = Promise.resolve();
    const record = () => {
      const batch = answered.splice(0);
      if (batch.length > 0) recording = recording.then(() => this.recordBatch(batch));
    };
    const unsent: string[] = [];
    const sender = async () => {
      for (let delivery = queue.shift(); delivery; delivery = queue.shift()) {
        if (this.deps.clock.now().getTime() + this.deps.sender.timeoutMs + LEASE_MARGIN_MS > delivery.leaseUntil.getTime()) {
          unsent.push(delivery.id);
          continue;
        }
        try {
          answered.push(await this.send(delivery, false, secrets));
        } catch (error) {
          // The delivery keeps its lease, so it is tried again once the lease runs out.
          this.deps.logger.warn({ err: error }, 'a webhook attempt could not be made');
        }
        if (answered.length >= RECORD_BATCH) record();
      }
    };
    await Promise.all(Array.from({ length: Math.min(SENDS_PER_ROUND, queue.length) }, sender));
    record();
    // Never sent: due again at once, for the next claim.
    if (unsent.length > 0) await this.prisma.webhookDelivery.updateMany({ where: { id: { in: unsent } }, data: { leaseUntil: null } });
    await recording;
  }

  /**
   * Records attempts and tells of them. When recording fails nothing of them was written, and
   * their deliveries are sent again when their leases run out (at least once).
   */
  private async recordBatch(attempts: Attempt[]): Promise<void> {
    try {
      await this.record(attempts);
    } catch (error) {
      this.deps.logger.warn({ err: error, attempts: attempts.length }, 'webhook attempts could not be recorded');
      return;
    }
    await this.recorded(attempts).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'after recording webhook attempts'));
  }

  /**
   * Leases due deliveries to this worker (rows another worker holds are skipped, not waited for),
   * with their endpoints read in the same statement.
   */
  private async claim(limit: number): Promise<Claimed[]> {
    const now = this.deps.clock.now();
    const leaseUntil = new Date(now.getTime() + DELIVERY_LEASE_MS);
    const rows = await this.prisma.$queryRaw<ClaimedRow[]>`
      WITH claimed AS (
        UPDATE webhook_deliveries SET "leaseUntil" = ${leaseUntil}
        WHERE id IN (
          SELECT id FROM webhook_deliveries
          WHERE state = 'PENDING' AND "nextAttemptAt" <= ${now} AND ("leaseUntil" IS NULL OR "leaseUntil" <= ${now})
          ORDER BY "nextAttemptAt"
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING id, "organizationId", environment::text AS environment, "endpointId", "callbackUrl", type, payload,
          "sealedApiKey", state::text AS state, "attemptCount", "manualAttempts")
      SELECT claimed.*, e.url AS "endpointUrl", e.enabled AS "endpointEnabled", e."failingSince" AS "endpointFailingSince"
      FROM claimed LEFT JOIN webhook_endpoints e ON e.id = claimed."endpointId"`;
    const endpoints = new Map<string, EndpointView>();
    return rows.map(({ endpointUrl, endpointEnabled, endpointFailingSince, ...delivery }) => {
      const { endpointId } = delivery;
      if (endpointId && endpointUrl !== null && !endpoints.has(endpointId)) {
        endpoints.set(endpointId, { id: endpointId, url: endpointUrl, enabled: endpointEnabled ?? false, failingSince: endpointFailingSince });
      }
      return { ...delivery, endpoint: endpointId ? (endpoints.get(endpointId) ?? null) : null, leaseUntil };
    });
  }

  /** Reads each organization and environment's signing secrets once, for the attempts that share them. */
  private secretsOnce(): Secrets {
    const read = new Map<string, Promise<string[]>>();
    return (organizationId, environment) => {
      const scope = `${organizationId}/${environment}`;
      if (!read.has(scope)) read.set(scope, this.deps.signing.validSecrets(organizationId, environment));
      return read.get(scope)!;
    };
  }

  /**
   * Sends one attempt of a claimed delivery and works out what it means: scheduled attempts move
   * the delivery along the retry schedule; manual ones (redeliverWebhook) only record themselves,
   * and end a pending delivery when they succeed.
   */
  private async send(delivery: Claimed, manual: boolean, secrets: Secrets): Promise<Attempt> {
    const url = delivery.endpoint?.url ?? delivery.callbackUrl!;
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
    const signWith = await secrets(delivery.organizationId, delivery.environment);
    const startedAt = this.deps.clock.now();
    const outcome = await this.deps.sender.send({
      url,
      id: webhookIdOf(delivery.id),
      timestamp: Math.floor(startedAt.getTime() / 1000),
      body: JSON.stringify(body),
      secrets: signWith,
    });
    const scheduled = !manual && !outcome.succeeded && !outcome.gone;
    const next = scheduled ? nextAttemptAt(startedAt, delivery.attemptCount - delivery.manualAttempts + 1, outcome.retryAfterSeconds, this.deps.random) : null;
    const lastScheduled = !manual && !outcome.succeeded && next === null;
    const state = outcome.succeeded ? 'SUCCEEDED' : outcome.gone || lastScheduled ? 'FAILED' : null;
    return { id: randomUUID(), delivery, manual, url, startedAt, outcome, next, state };
  }

  /**
   * Writes attempts, one row each, and moves their deliveries, in one statement (and one
   * transaction with the endpoints whose run of failures began or ended). Per delivery, as one
   * attempt at a time did: the count always; a success ends it (SUCCEEDED); a failure never
   * overrides a state another attempt already reached, and otherwise sets the next scheduled
   * attempt (not a manual one's) or ends it (FAILED after the last, or 410). The key a callback
   * carried is kept only while it may still be sent.
   */
  private async record(attempts: Attempt[]): Promise<void> {
    const rows = attempts.map(({ id, delivery, manual, url, startedAt, outcome, next, state }) => ({
      id,
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
      state,
    }));
    const now = this.deps.clock.now();
    const written = this.prisma.$executeRaw`
      WITH attempt AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS a(
          id uuid, "deliveryId" uuid, "organizationId" uuid, environment text, number int, manual boolean, url text, succeeded boolean,
          "statusCode" int, "durationMs" int, error text, "nextAttemptAt" timestamptz, "attemptedAt" timestamptz, state text)
      ), moved AS (
        UPDATE webhook_deliveries d SET
          "leaseUntil" = NULL,
          "attemptCount" = d."attemptCount" + 1,
          "manualAttempts" = d."manualAttempts" + CASE WHEN a.manual THEN 1 ELSE 0 END,
          "nextAttemptAt" = CASE
            WHEN NOT (a.succeeded OR d.state = 'PENDING') OR (a.manual AND a.state IS NULL) THEN d."nextAttemptAt"
            WHEN a.state IS NOT NULL THEN NULL
            ELSE a."nextAttemptAt" END,
          state = CASE WHEN a.state IS NOT NULL AND (a.succeeded OR d.state = 'PENDING') THEN a.state::"WebhookDeliveryState" ELSE d.state END,
          "sealedApiKey" = CASE WHEN a.state IS NOT NULL AND (a.succeeded OR d.state = 'PENDING') THEN NULL ELSE d."sealedApiKey" END,
          "updatedAt" = ${now}
        FROM attempt a WHERE d.id = a."deliveryId"
      )
      INSERT INTO webhook_attempts
        (id, "deliveryId", "organizationId", environment, number, manual, url, succeeded, "statusCode", "durationMs", error, "nextAttemptAt", "attemptedAt")
      SELECT id, "deliveryId", "organizationId", environment::"Environment", number, manual, url, succeeded, "statusCode", "durationMs", error,
        "nextAttemptAt", "attemptedAt"
      FROM attempt`;
    const runs = this.failingRuns(attempts);
    if (runs.length === 0) await written;
    else await this.prisma.$transaction([written, ...runs]);
  }

  /**
   * An endpoint's run of failures, followed through the attempts in the order they were answered:
   * started by its first failure, ended by a success. One conditional update per change (another
   * instance may have changed it first).
   */
  private failingRuns(attempts: Attempt[]) {
    return attempts.flatMap(({ delivery: { endpoint }, outcome, startedAt }) => {
      if (!endpoint || outcome.succeeded !== (endpoint.failingSince !== null)) return [];
      endpoint.failingSince = outcome.succeeded ? null : startedAt;
      return [
        this.prisma.webhookEndpoint.updateMany({
          where: { id: endpoint.id, failingSince: outcome.succeeded ? { not: null } : null },
          data: { failingSince: endpoint.failingSince },
        }),
      ];
    });
  }

  /** After the attempts committed: subscribers are told, then endpoints that answered 410 or failed for 5 days are disabled; metrics and logs. */
  private async recorded(attempts: Attempt[]): Promise<void> {
    for (const { id, delivery, startedAt } of attempts) {
      this.tell({ type: 'ATTEMPTED', organizationId: delivery.organizationId, environment: delivery.environment, attemptId: id, at: startedAt });
    }
    const disabled = new Set<string>();
    for (const { id, delivery, outcome, startedAt } of attempts) {
      const { endpoint } = delivery;
      if (!endpoint || outcome.succeeded || disabled.has(endpoint.id)) continue;
      const reason = outcome.gone
        ? 'The endpoint answered 410 Gone'
        : (await this.failingForFiveDays(endpoint, startedAt))
          ? 'Every delivery failed for 5 days'
          : null;
      if (!reason) continue;
      disabled.add(endpoint.id);
      await this.disableEndpoint(endpoint.id, reason, { organizationId: delivery.organizationId, environment: delivery.environment, attemptId: id });
    }
    for (const { delivery, outcome, manual } of attempts) {
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
    }
  }

  /** The round's view first; confirmed from the database (another instance may have seen a success since). */
  private async failingForFiveDays(endpoint: EndpointView, now: Date): Promise<boolean> {
    const longEnough = (since: Date | null | undefined) => since != null && now.getTime() - since.getTime() >= DISABLE_AFTER_FAILING_MS;
    if (!longEnough(endpoint.failingSince)) return false;
    const current = await this.prisma.webhookEndpoint.findUnique({ where: { id: endpoint.id }, select: { failingSince: true } });
    return longEnough(current?.failingSince);
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

  /** Messages whose endpoint was disabled (or deleted) meanwhile: they end, and those with attempts show so. */
  private async cancel(deliveries: Claimed[]): Promise<void> {
    const ids = deliveries.map((d) => d.id);
    await this.prisma.webhookDelivery.updateMany({
      where: { id: { in: ids } },
      data: { state: 'CANCELLED', leaseUntil: null, nextAttemptAt: null, sealedApiKey: null },
    });
    const attempts = await this.prisma.webhookAttempt.findMany({
      where: { deliveryId: { in: ids } },
      orderBy: { seq: 'desc' },
      select: { id: true, deliveryId: true },
    });
    const at = this.deps.clock.now();
    for (const { id, organizationId, environment } of deliveries) {
      const latest = attempts.find((a) => a.deliveryId === id);
      if (latest) this.tell({ type: 'CANCELLED', organizationId, environment, attemptId: latest.id, at });
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
    const leaseUntil = new Date(now.getTime() + DELIVERY_LEASE_MS);
    const { count } = await this.prisma.webhookDelivery.updateMany({
      where: { id: delivery.id, OR: [{ leaseUntil: null }, { leaseUntil: { lte: now } }] },
      data: { leaseUntil },
    });
    if (count !== 1) throw new InvalidStateError('An attempt of this webhook is in progress; try again in a moment');
    const release = () => this.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { leaseUntil: null } });
    // Read again now that it is leased: the endpoint may have been disabled meanwhile.
    const endpoint = delivery.endpointId
      ? await this.prisma.webhookEndpoint.findUnique({ where: { id: delivery.endpointId }, select: { id: true, url: true, enabled: true, failingSince: true } })
      : null;
    if (delivery.endpointId && !endpoint?.enabled) {
      await release();
      throw new InvalidStateError('The webhook endpoint is disabled; enable it before redelivering');
    }
    const claimed: Claimed = { ...delivery, endpoint, leaseUntil, payload: delivery.payload as unknown as WebhookBody };
    if (
      delivery.type === VERIFICATION_STATUS &&
      typeof claimed.payload.data.keyId === 'string' &&
      !(await this.keyDelivered(claimed)) &&
      !(await this.keyOf(claimed))
    ) {
      await release();
      throw new InvalidStateError('The key this callback carried is no longer kept; rotate the connection’s key to get a new one');
    }
    const attempt = await this.send(claimed, true, this.secretsOnce());
    await this.record([attempt]);
    await this.recorded([attempt]);
    return this.prisma.webhookAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
  }
}
