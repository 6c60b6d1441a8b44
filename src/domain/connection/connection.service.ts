import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Connection, Organization, Permission, Prisma, PrismaClient, User } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Mailer } from '../../infra/mailer.ts';
import { activeWhere, type ApiKeyService, type KeyChangeListener } from '../api-key/api-key.service.ts';
import { hashKey } from '../api-key/key-format.ts';
import { authorize, authorizeTenant, checkLiveAccess, isTenant, keyScope } from '../access/policy.ts';
import { connectionsWhere, connectionTargetsWhere } from '../access/visibility.ts';
import type { Caller } from '../caller.ts';
import { open } from '../crypto/secret-box.ts';
import { InvalidStateError, NotFoundError, ValidationError } from '../errors.ts';
import type { EventRecord } from '../events/event-log.ts';
import type { UnitOfWork, Work } from '../unit-of-work.ts';
import type { WebhookDeliveryService } from '../webhooks/webhook-delivery.service.ts';
import type { RateLimits } from '../rate-limit/rate-limits.ts';
import { parseInput } from '../validation.ts';
import { advanceSandboxInput, connectUserInput, decideOnboardingInput, email as emailSchema, sandboxUserInput } from './connection.schemas.ts';
import { sandboxEvent, transition, type ConnectionEvent, type ConnectionState } from './connection.state.ts';
import { depositDetailsFor, type DepositDetails, type DepositProvider } from './deposit-accounts.ts';

const CONSENT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** What a connection's first user key may do: act as the user, not administer the partner. */
const USER_KEY_PERMISSIONS: Permission[] = ['BALANCE_READ', 'CONNECTIONS_READ', 'KEYS_READ', 'ORDERS_CREATE', 'ORDERS_READ', 'WITHDRAWALS_CREATE'];

export interface ConnectionLinks {
  /** Base URL of this Keyward, where consent pages are served. */
  publicUrl: string;
  /** Where a new user signs up with the platform (KYC happens there). */
  signupUrl: string;
}

export interface ConnectResult {
  connection: Connection;
  /** The whole user key when connected and recoverable; null otherwise. */
  apiKey: string | null;
}

export type ConsentView =
  | { state: 'OPEN' | 'APPROVED' | 'DECLINED'; organizationName: string; environment: string; email: string }
  | { state: 'USED' | 'EXPIRED' | 'UNKNOWN' };

const WITH_ORG = { organization: true, user: true } as const;

async function retryOnUniqueViolation<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { code?: string }).code !== 'P2002') throw error;
    return run();
  }
}

type Tx = Prisma.TransactionClient;
type ConnectionWithOrg = Connection & { organization: Organization; user: User };

const NO_DEPOSIT: DepositDetails = { depositIban: null, depositAddress: null };

/**
 * Connections whose deposit details need the provider: CONNECTED ones the migration
 * deposit_details_by_direction marked (it cleared the details stored the wrong way round), and
 * any still holding the wrong kind for its direction (written by an instance of the previous
 * version during a rolling upgrade).
 */
const NEEDS_DEPOSIT_DETAILS: Prisma.ConnectionWhereInput = {
  OR: [
    { status: 'CONNECTED', depositDetailsPending: true },
    { direction: 'BUY', depositAddress: { not: null } },
    { direction: 'SELL', depositIban: { not: null } },
  ],
};

/** What replaceDepositDetails did, in connections. */
export interface DepositUpgrade {
  /** CONNECTED, now with the detail of its direction's kind from the provider. */
  replaced: number;
  /** CONNECTED, still without it: the provider has none (LIVE without a provider) or failed; asked again at the next start. */
  waiting: number;
  /** Not CONNECTED (disconnected, or reconnecting): the wrong-kind value removed, nothing asked. */
  withdrawn: number;
}

export class ConnectionService {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      clock: Clock;
      logger: Logger;
      pepper: Buffer;
      encryptionKey: Buffer;
      apiKeys: ApiKeyService;
      mailer: Mailer;
      deposits: DepositProvider;
      links: ConnectionLinks;
      allowPrivateCallbacks: boolean;
      listener: KeyChangeListener;
      uow: UnitOfWork;
      webhooks: WebhookDeliveryService;
      rateLimits: RateLimits;
    },
  ) {}

  private get uow() {
    return this.deps.uow;
  }

  private get prisma() {
    return this.deps.prisma;
  }

  /** connectUser: start (or restart) the flow, or answer at once for a connected user. */
  async connectUser(caller: Caller, rawInput: unknown): Promise<ConnectResult> {
    const { principal } = authorizeTenant(caller, 'connections.write');
    const { organization } = principal;
    const { environment } = keyScope(principal);
    const input = parseInput(connectUserInput(environment, this.deps.allowPrivateCallbacks), rawInput);
    // Two first requests for one user race to create its user or connection row: the loser of
    // the unique constraint runs again and finds the winner's row.
    const result = await retryOnUniqueViolation(() => {
      return this.uow.run(caller, organization.id, async (w) => {
        checkLiveAccess(caller, environment, w.organization, 'connect users in LIVE');
        const { tx } = w;
        const user = await tx.user.upsert({ where: { email: input.email }, create: { email: input.email }, update: {} });
        if (input.ref !== undefined) {
          const holder = await tx.connection.findFirst({
            where: { organizationId: organization.id, environment, ref: input.ref, NOT: { userId: user.id } },
            select: { id: true },
          });
          if (holder) throw ValidationError.field('ref', 'is already used for another user');
        }
        const existing = await tx.connection.findUnique({
          where: { organizationId_environment_userId: { organizationId: organization.id, environment, userId: user.id } },
          include: { organization: true, user: true },
        });
        if (existing?.status === 'CONNECTED') {
          return { connection: existing, apiKey: await this.recoverKey(tx, existing) };
        }
        const details = {
          ...(input.ref !== undefined && { ref: input.ref }),
          ...(input.callback !== undefined && { callbackUrl: input.callback }),
          ...(input.direction !== undefined && {
            direction: input.direction,
            iban: input.iban ?? null,
            address: input.address ?? null,
          }),
        };
        if (existing && (existing.status === 'ONBOARDING' || existing.status === 'PENDING')) {
          // Already on its way: update what the partner sent, no new email unless the consent link lapsed.
          const connection = await tx.connection.update({
            where: { id: existing.id },
            data: details,
            include: { organization: true, user: true },
          });
          if (connection.status === 'PENDING' && !(await this.hasOpenConsent(tx, connection.id))) {
            await this.admitMail(w, organization.id, input.email);
            w.afterCommit(await this.issueConsent(tx, connection));
          }
          return { connection, apiKey: null };
        }
        // KYC is a fact of one environment: a TEST (sandbox) approval never lets a LIVE connection skip onboarding.
        const approval = await tx.kycApproval.findUnique({ where: { userId_environment: { userId: user.id, environment } }, select: { userId: true } });
        const event: ConnectionEvent = approval ? 'REQUEST_KNOWN_USER' : 'REQUEST_NEW_USER';
        const to = this.next(existing?.status ?? 'NONE', event);
        const connection = existing
          ? await tx.connection.update({
              where: { id: existing.id },
              data: { ...details, status: to, statusReason: null, ...NO_DEPOSIT, depositDetailsPending: false },
              include: { organization: true, user: true },
            })
          : await tx.connection.create({
              data: { ...details, organizationId: organization.id, userId: user.id, environment, status: to },
              include: { organization: true, user: true },
            });
        await this.recordStatusChange(w, connection, existing?.status ?? null);
        await this.admitMail(w, organization.id, input.email);
        w.afterCommit(to === 'PENDING' ? await this.issueConsent(tx, connection) : this.signupMail(connection));
        return { connection, apiKey: null };
      });
    });
    return result;
  }

  /** Operator: KYC decided for a connection in ONBOARDING. */
  async decideOnboarding(caller: Caller, rawInput: unknown): Promise<Connection> {
    authorize(caller, 'onboarding.decide');
    const input = parseInput(decideOnboardingInput, rawInput);
    const { connection } = await this.onConnection(caller, { id: input.connectionId }, (w, current) => {
      const event = input.decision === 'APPROVE' ? 'KYC_APPROVED' : 'KYC_REJECTED';
      return this.apply(w, current, event, { reason: input.reason, details: { decision: input.decision } });
    });
    return connection;
  }

  /** What the consent page shows for a token, without using it. */
  async viewConsent(token: string): Promise<ConsentView> {
    const found = await this.findConsent(this.prisma, token);
    if ('state' in found) return found;
    return { state: 'OPEN', ...this.describe(found.connection) };
  }

  /** The user's answer on the consent page: single use, whatever happens concurrently. */
  async answerConsent(token: string, answer: 'approve' | 'decline'): Promise<ConsentView> {
    const found = await this.findConsent(this.prisma, token);
    if ('state' in found) return found;
    const deposit = answer === 'approve' ? await this.depositFor(found.connection) : null;
    const outcome = await this.uow.run({ type: 'system' }, found.connection.organizationId, async (w) => {
      const { tx } = w;
      const now = this.deps.clock.now();
      const { count } = await tx.consentToken.updateMany({
        where: { id: found.id, usedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
      });
      if (count !== 1) return { state: 'USED' } as const;
      const current = await tx.connection.findUniqueOrThrow({ where: { id: found.connection.id }, include: WITH_ORG });
      if (current.status !== 'PENDING') return { state: 'USED' } as const;
      const event = answer === 'approve' ? 'CONSENT_GIVEN' : 'CONSENT_DECLINED';
      const { connection } = await this.apply(w, current, event, { deposit, details: { via: 'consent page' } });
      return { state: answer === 'approve' ? 'APPROVED' : 'DECLINED', ...this.describe(connection) } as const;
    });
    return outcome;
  }

  /** disconnectUser: CONNECTED → REVOKED, every key of the connection revoked with it. */
  async disconnect(caller: Caller, id: string): Promise<Connection> {
    authorize(caller, 'connections.write');
    const { connection } = await this.onConnection(caller, { id, ...connectionTargetsWhere(caller) }, (w, current) => this.apply(w, current, 'DISCONNECT'));
    return connection;
  }

  /**
   * TEST only: moves a connection to `to` along the real transitions, with their real side
   * effects (consent email, deposit details, keys, revocations), so partners can test the flow.
   */
  async advanceSandbox(caller: Caller, rawInput: unknown): Promise<ConnectResult> {
    authorize(caller, 'sandbox.write');
    const input = parseInput(advanceSandboxInput, rawInput);
    const current = await this.prisma.connection.findFirst({
      where: { id: input.connectionId, ...connectionTargetsWhere(caller) },
      include: WITH_ORG,
    });
    if (!current) throw new NotFoundError('Connection');
    const event = sandboxEvent(current.status, input.to);
    if (!event) throw new InvalidStateError(`A connection in ${current.status} cannot move to ${input.to}`);
    const deposit = event === 'CONSENT_GIVEN' ? await this.depositFor(current) : null;
    const result = await this.uow.run(caller, current.organizationId, async (w) => {
      const fresh = await w.tx.connection.findUniqueOrThrow({ where: { id: current.id }, include: WITH_ORG });
      if (fresh.status !== current.status) throw new InvalidStateError('The connection changed concurrently');
      return this.apply(w, fresh, event, { deposit, reason: 'Sandbox', details: { via: 'sandbox' } });
    });
    return { connection: result.connection, apiKey: result.issuedSecret ?? null };
  }

  /** TEST only: a KYC-approved dummy user, connected at once, and its key, in one call. */
  async createSandboxUser(caller: Caller, rawInput: unknown): Promise<ConnectResult> {
    const { principal } = authorizeTenant(caller, 'sandbox.write');
    const { type, ...rest } = parseInput(sandboxUserInput, rawInput);
    const email = `sandbox-${type.toLowerCase()}-${randomBytes(6).toString('hex')}@sandbox.keyward.test`;
    const input = parseInput(connectUserInput('TEST', this.deps.allowPrivateCallbacks), { ...rest, email });
    const { organization } = principal;
    const id = randomUUID();
    const deposit = input.direction
      ? await depositDetailsFor(this.deps.deposits, { id, organizationId: organization.id, environment: 'TEST', direction: input.direction })
      : null;
    const result = await this.uow.run(caller, organization.id, async (w) => {
      const { tx } = w;
      if (input.ref !== undefined && (await tx.connection.count({ where: { organizationId: organization.id, environment: 'TEST', ref: input.ref } })) > 0) {
        throw ValidationError.field('ref', 'is already used for another user');
      }
      // A dummy user approved for TEST only: in LIVE this address is unknown to KYC.
      const user = await tx.user.create({ data: { email, kycApprovals: { create: { environment: 'TEST', approvedAt: this.deps.clock.now() } } } });
      const pending = await tx.connection.create({
        data: {
          id,
          organizationId: organization.id,
          userId: user.id,
          environment: 'TEST',
          status: this.next('NONE', 'REQUEST_KNOWN_USER'),
          ref: input.ref ?? null,
          direction: input.direction ?? null,
          iban: input.iban ?? null,
          address: input.address ?? null,
          callbackUrl: input.callback ?? null,
        },
        include: WITH_ORG,
      });
      await this.recordStatusChange(w, pending, null, { via: 'sandbox', type });
      return this.apply(w, pending, 'CONSENT_GIVEN', { deposit, details: { via: 'sandbox', type } });
    });
    return { connection: result.connection, apiKey: result.issuedSecret ?? null };
  }

  /**
   * A unit of work on the connection `where` finds (NOT_FOUND when none), read again once its
   * organization is locked.
   */
  private onConnection<T>(caller: Caller, where: Prisma.ConnectionWhereInput, change: (w: Work, current: ConnectionWithOrg) => Promise<T>): Promise<T> {
    let id = '';
    return this.uow.run(
      caller,
      async (tx) => {
        const found = await tx.connection.findFirst({ where, select: { id: true, organizationId: true } });
        if (!found) throw new NotFoundError('Connection');
        id = found.id;
        return found.organizationId;
      },
      async (w) => change(w, await w.tx.connection.findUniqueOrThrow({ where: { id }, include: WITH_ORG })),
    );
  }

  /** connectionStatus(email): the polling endpoint. Unknown emails answer all-null, like another org's. */
  async status(caller: Caller, rawEmail: string): Promise<{ status: Connection['status'] | null; apiKey: string | null; connection: Connection | null }> {
    authorize(caller, 'connections.list');
    const parsed = emailSchema.safeParse(rawEmail);
    if (!parsed.success) return { status: null, apiKey: null, connection: null };
    const connection = await this.prisma.connection.findFirst({
      where: { AND: [connectionsWhere(caller), { user: { email: parsed.data } }] },
      include: { organization: true, user: true },
    });
    if (!connection) return { status: null, apiKey: null, connection: null };
    const apiKey = connection.status === 'CONNECTED' ? await this.recoverKey(this.prisma, connection) : null;
    return { status: connection.status, apiKey, connection };
  }

  /**
   * Start-up step (upgradeData, with the signing-secret split): every connection that
   * NEEDS_DEPOSIT_DETAILS gets the detail of its direction's kind from the provider, asked
   * outside any transaction; a wrong-kind value goes and is never moved across. Then one unit
   * of work per connection, under its organization's lock: the row read again (one another
   * instance has just done is left alone), the new details, an audit row
   * `connection.deposit_details_replaced` and, for a CONNECTED connection, what new deposit
   * details cause: a CONNECTION_STATUS_CHANGED event (CONNECTED to CONNECTED, so subscribers and
   * webhook endpoints see the connection again) and `{callback}/connection-status` carrying
   * them. Nothing a partner sees changes while the provider has nothing: no write, no event.
   * Idempotent: a second run finds nothing to do (or only connections still waiting).
   */
  async replaceDepositDetails(): Promise<DepositUpgrade> {
    const candidates = await this.prisma.connection.findMany({
      where: NEEDS_DEPOSIT_DETAILS,
      select: { id: true, organizationId: true, environment: true, status: true, direction: true },
    });
    const total: DepositUpgrade = { replaced: 0, waiting: 0, withdrawn: 0 };
    for (const candidate of candidates) {
      let details = NO_DEPOSIT;
      if (candidate.status === 'CONNECTED' && candidate.direction) {
        try {
          details = await depositDetailsFor(this.deps.deposits, { ...candidate, direction: candidate.direction });
        } catch (error) {
          this.deps.logger.warn({ err: error, connectionId: candidate.id }, 'the deposit provider failed; asked again at the next start');
        }
      }
      try {
        const outcome = await this.uow.run({ type: 'system' }, candidate.organizationId, (w) =>
          this.replaceDeposit(w, candidate.id, candidate.status, details),
        );
        if (outcome !== 'skipped') total[outcome]++;
      } catch (error) {
        // Deleted meanwhile, and its connections with it.
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return total;
  }

  /** One connection of replaceDepositDetails; the caller holds its organization's lock. */
  private async replaceDeposit(w: Work, id: string, status: Connection['status'], details: DepositDetails): Promise<keyof DepositUpgrade | 'skipped'> {
    const { tx } = w;
    const current = await tx.connection.findFirst({ where: { AND: [{ id }, NEEDS_DEPOSIT_DETAILS] }, include: WITH_ORG });
    // Done meanwhile, or its status moved (the next start looks at it again).
    if (!current || current.status !== status) return 'skipped';
    const connected = status === 'CONNECTED';
    const next = connected ? details : NO_DEPOSIT;
    const assigned = next.depositIban !== null ? 'depositIban' : next.depositAddress !== null ? 'depositAddress' : null;
    if (current.depositIban === next.depositIban && current.depositAddress === next.depositAddress) return 'waiting';
    const connection = await tx.connection.update({
      where: { id },
      data: { ...next, depositDetailsPending: connected && assigned === null },
      include: WITH_ORG,
    });
    await w.audit({
      environment: connection.environment,
      action: 'connection.deposit_details_replaced',
      targetType: 'connection',
      targetId: id,
      details: { direction: connection.direction, status, assigned, reason: 'deposit details were stored the wrong way round' },
    });
    if (!connected) return 'withdrawn';
    const event = await this.emitStatus(w, connection, status);
    await this.deps.webhooks.enqueueDepositDetails(tx, { connection: { ...connection, email: connection.user.email }, event });
    return assigned === null ? 'waiting' : 'replaced';
  }

  // -- transitions and their side effects ------------------------------------------------------

  private next(from: ConnectionState, event: ConnectionEvent) {
    const result = transition(from, event);
    if (!result.ok) throw new InvalidStateError(result.message);
    return result.to;
  }

  /**
   * One transition with its side effects, inside the caller's unit of work; mail and cache
   * invalidation happen after commit.
   */
  private async apply(
    w: Work,
    current: ConnectionWithOrg,
    event: ConnectionEvent,
    options: { reason?: string | undefined; deposit?: DepositDetails | null; details?: Record<string, string> } = {},
  ): Promise<{ connection: ConnectionWithOrg; issuedSecret?: string }> {
    const { tx } = w;
    const to = this.next(current.status, event);
    const data: Prisma.ConnectionUncheckedUpdateInput = { status: to };
    if (event === 'KYC_REJECTED') data.statusReason = options.reason ?? null;
    if (event === 'CONSENT_DECLINED') data.statusReason = 'The user declined';
    if (event === 'CONSENT_GIVEN') {
      data.statusReason = null;
      data.depositIban = options.deposit?.depositIban ?? null;
      data.depositAddress = options.deposit?.depositAddress ?? null;
      data.depositDetailsPending = false;
    }
    // Conditional on the status read, so of two concurrent changes one loses.
    const { count } = await tx.connection.updateMany({ where: { id: current.id, status: current.status }, data });
    if (count !== 1) throw new InvalidStateError('The connection changed concurrently');
    const connection = await tx.connection.findUniqueOrThrow({ where: { id: current.id }, include: WITH_ORG });
    // The status change comes first in the log, then what it caused (the new key, the revocations).
    const statusEvent = await this.recordStatusChange(w, connection, current.status, options.details);
    if (event === 'DISCONNECT') {
      // A connection action: its keys go with it, whoever they were made by (each with its audit row and event).
      await this.deps.apiKeys.revokeConnectionKeys(w, w.caller, current.id, { disconnected: true }, { withinReach: false });
    }
    let issuedKey: { keyId: string; secret: string } | undefined;
    if (to === 'CONNECTED') {
      const issued = await this.issueFirstKey(w, current);
      issuedKey = { keyId: issued.key.keyId, secret: issued.secret };
    }
    if (to === 'CONNECTED' || to === 'REJECTED') {
      // The partner's callback hears of it: delivered from the outbox, in this transaction.
      await this.deps.webhooks.enqueueCallbacks(tx, {
        connection: { ...connection, email: connection.user.email },
        event: statusEvent,
        ...(issuedKey && { issuedKey }),
      });
    }
    if (event === 'KYC_APPROVED') {
      // Approved in the connection's environment only (a sandbox approval is a TEST fact).
      const approval = { userId: current.userId, environment: current.environment };
      const approvedAt = this.deps.clock.now();
      await tx.kycApproval.upsert({ where: { userId_environment: approval }, create: { ...approval, approvedAt }, update: { approvedAt } });
      // A partner's sandbox action mails the user like connectUser does, so it counts against the same caps.
      if (isTenant(w.caller)) await this.admitMail(w, current.organizationId, connection.user.email);
      w.afterCommit(await this.issueConsent(tx, connection));
    }
    return { connection, ...(issuedKey && { issuedSecret: issuedKey.secret }) };
  }

  /** Deposit details may come from a provider's API: fetched before the transaction, idempotently. */
  private depositFor(connection: Connection): Promise<DepositDetails | null> {
    if (!connection.direction) return Promise.resolve(null);
    return depositDetailsFor(this.deps.deposits, {
      id: connection.id,
      organizationId: connection.organizationId,
      environment: connection.environment,
      direction: connection.direction,
    });
  }

  /** Entering CONNECTED: the connection's first user key, encrypted for recovery when the org wants it. */
  private issueFirstKey(w: Work, connection: ConnectionWithOrg) {
    const { organization } = connection;
    return this.deps.apiKeys.issueKey(
      w,
      { type: 'system' },
      {
        kind: 'USER',
        organizationId: organization.id,
        connectionId: connection.id,
        environment: connection.environment,
        name: 'Default key',
        permissions: USER_KEY_PERMISSIONS.filter((p) => !organization.disabledPermissions.includes(p)),
        allowedIps: [],
        expiresAt: null,
        recoverable: organization.userKeyRecovery === 'ENCRYPTED',
      },
    );
  }

  /** The connection's recoverable key: the oldest active user key stored encrypted, if the org keeps them. */
  private async recoverKey(tx: Tx | PrismaClient, connection: ConnectionWithOrg): Promise<string | null> {
    if (connection.organization.userKeyRecovery !== 'ENCRYPTED') return null;
    const key = await tx.apiKey.findFirst({
      where: { connectionId: connection.id, encryptedSecret: { not: null }, ...activeWhere(this.deps.clock.now()) },
      orderBy: { createdAt: 'asc' },
    });
    if (!key?.encryptedSecret) return null;
    const secret = open(this.deps.encryptionKey, key.encryptedSecret, key.keyId);
    if (secret === null) this.deps.logger.error({ keyId: key.keyId }, 'a stored user key does not decrypt (tampered, or another encryption key)');
    return secret;
  }

  /** A connection changed status: one audit row and one event, in the change's transaction. */
  private async recordStatusChange(
    w: Work,
    connection: Connection,
    from: Connection['status'] | null,
    details: Record<string, string | number> = {},
  ): Promise<EventRecord> {
    const record = await this.emitStatus(w, connection, from);
    await w.audit({
      environment: connection.environment,
      action: 'connection.status_changed',
      targetType: 'connection',
      targetId: connection.id,
      details: { from, to: connection.status, ref: connection.ref, ...details },
    });
    return record;
  }

  /** The connection's event: its status (and what it was), for subscribers, endpoints and callbacks. */
  private async emitStatus(w: Work, connection: Connection, from: Connection['status'] | null): Promise<EventRecord> {
    const [record] = await w.emit([
      {
        organizationId: connection.organizationId,
        environment: connection.environment,
        type: 'CONNECTION_STATUS_CHANGED',
        connectionId: connection.id,
        data: { status: connection.status, previousStatus: from, ref: connection.ref },
      },
    ]);
    return record!;
  }

  // -- consent tokens and mail -------------------------------------------------------------------

  private async hasOpenConsent(tx: Tx, connectionId: string): Promise<boolean> {
    const open = await tx.consentToken.count({ where: { connectionId, usedAt: null, expiresAt: { gt: this.deps.clock.now() } } });
    return open > 0;
  }

  /** A single-use consent token (256 bits; only its keyed hash is stored) and the mail carrying it. */
  private async issueConsent(tx: Tx, connection: ConnectionWithOrg): Promise<() => Promise<void>> {
    const token = randomBytes(32).toString('base64url');
    await tx.consentToken.create({
      data: {
        connectionId: connection.id,
        tokenHash: new Uint8Array(hashKey(this.deps.pepper, token)),
        expiresAt: new Date(this.deps.clock.now().getTime() + CONSENT_TOKEN_TTL_MS),
      },
    });
    const link = `${this.deps.links.publicUrl}/consent/${token}`;
    const { name } = connection.organization;
    const env = connection.environment === 'TEST' ? ' (test environment)' : '';
    return () =>
      this.deps.mailer
        .send({
          to: connection.user.email,
          subject: `${name} asks to connect to your account`,
          text: [
            `${name}${env} asks to act for you through your account.`,
            '',
            `Approve or decline here (the link works once, for 24 hours):`,
            link,
            '',
            'If you did not expect this, decline or ignore this email.',
          ].join('\n'),
        })
        .then(() => undefined);
  }

  private signupMail(connection: ConnectionWithOrg): () => Promise<void> {
    const url = new URL(this.deps.links.signupUrl);
    url.searchParams.set('email', connection.user.email);
    return () =>
      this.deps.mailer
        .send({
          to: connection.user.email,
          subject: `Finish signing up to connect ${connection.organization.name}`,
          text: [
            `${connection.organization.name} would like to connect to your account.`,
            '',
            'First finish signing up and verifying your identity here:',
            url.toString(),
            '',
            'Once you are verified we will email you a link to approve the connection.',
          ].join('\n'),
        })
        .then(() => undefined);
  }

  /** After commit, mail goes out (a failure is logged by the unit of work; the partner can ask again). */
  /** A partner's request is about to cause a mail: refused (RATE_LIMITED, nothing written) over the mail limits. */
  private async admitMail(w: Work, organizationId: string, email: string) {
    await this.deps.rateLimits.admitMail(organizationId, email);
    w.afterCommit(() => this.deps.rateLimits.mailSent(organizationId, email));
  }

  private async findConsent(
    db: Tx | PrismaClient,
    token: string,
  ): Promise<{ state: 'USED' | 'EXPIRED' | 'UNKNOWN' } | { id: string; connection: ConnectionWithOrg }> {
    if (!/^[\w-]{43}$/.test(token)) return { state: 'UNKNOWN' };
    const found = await db.consentToken.findUnique({
      where: { tokenHash: new Uint8Array(hashKey(this.deps.pepper, token)) },
      include: { connection: { include: { organization: true, user: true } } },
    });
    if (!found) return { state: 'UNKNOWN' };
    if (found.usedAt || found.connection.status !== 'PENDING') return { state: 'USED' };
    if (found.expiresAt.getTime() <= this.deps.clock.now().getTime()) return { state: 'EXPIRED' };
    return { id: found.id, connection: found.connection };
  }

  private describe(connection: ConnectionWithOrg) {
    return { organizationName: connection.organization.name, environment: connection.environment, email: connection.user.email };
  }
}
