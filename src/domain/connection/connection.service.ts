import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Connection, Organization, Permission, Prisma, PrismaClient, User } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Mailer } from '../../infra/mailer.ts';
import { activeWhere, keyEvent, type ApiKeyService, type KeyChangeListener } from '../api-key/api-key.service.ts';
import { hashKey } from '../api-key/key-format.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Caller, KeyPrincipal } from '../caller.ts';
import { open } from '../crypto/secret-box.ts';
import { AccessError, InvalidStateError, NotFoundError, ValidationError } from '../errors.ts';
import type { EventLog, EventRecord } from '../events/event-log.ts';
import type { WebhookDeliveryService } from '../webhooks/webhook-delivery.service.ts';
import type { RateLimits } from '../rate-limit/rate-limits.ts';
import { parseInput } from '../validation.ts';
import { advanceSandboxInput, connectUserInput, decideOnboardingInput, email as emailSchema, sandboxUserInput } from './connection.schemas.ts';
import { transition, type ConnectionEvent, type ConnectionState } from './connection.state.ts';
import type { DepositAccounts, DepositDetails } from './deposit-accounts.ts';

export const CONSENT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** What a connection's first user key may do: act as the user, not administer the partner. */
export const USER_KEY_PERMISSIONS: Permission[] = [
  'BALANCE_READ',
  'CONNECTIONS_READ',
  'KEYS_READ',
  'ORDERS_CREATE',
  'ORDERS_READ',
  'WITHDRAWALS_CREATE',
];

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

type KeyCaller = Extract<Caller, { type: 'key' }>;

/** What a change does after commit. */
interface Effects {
  mails: (() => Promise<void>)[];
  /** Mails a partner's request caused, counted against its limits once committed. */
  counted: { organizationId: string; email: string }[];
  revokedKeyIds: string[];
}
const newEffects = (): Effects => ({ mails: [], counted: [], revokedKeyIds: [] });
const WITH_ORG = { organization: true, user: true } as const;

async function retryOnUniqueViolation<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { code?: string }).code !== 'P2002') throw error;
    return run();
  }
}

/** The sandbox's way to a target status: the event of the real table that leads there, if any. */
function eventTowards(from: Connection['status'], to: Connection['status']): ConnectionEvent | undefined {
  const SANDBOX_EVENTS: ConnectionEvent[] = ['KYC_APPROVED', 'KYC_REJECTED', 'CONSENT_GIVEN', 'CONSENT_DECLINED', 'DISCONNECT'];
  return SANDBOX_EVENTS.find((event) => {
    const result = transition(from, event);
    return result.ok && result.to === to;
  });
}
type Tx = Prisma.TransactionClient;
type ConnectionWithOrg = Connection & { organization: Organization; user: User };

/** The connections a key may see: its organization and environment; a user key only its own. */
export function visibleConnectionsWhere(principal: KeyPrincipal): Prisma.ConnectionWhereInput {
  const { apiKey } = principal;
  return {
    organizationId: principal.organization.id,
    environment: apiKey.environment,
    ...(apiKey.kind !== 'PARTNER' && { id: apiKey.connectionId ?? '00000000-0000-0000-0000-000000000000' }),
  };
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
      deposits: DepositAccounts;
      links: ConnectionLinks;
      allowPrivateCallbacks: boolean;
      listener: KeyChangeListener;
      events: EventLog;
      webhooks: WebhookDeliveryService;
      rateLimits: RateLimits;
    },
  ) {}

  private get events() {
    return this.deps.events;
  }

  private get prisma() {
    return this.deps.prisma;
  }

  /** connectUser: start (or restart) the flow, or answer at once for a connected user. */
  async connectUser(caller: KeyCaller, rawInput: unknown): Promise<ConnectResult> {
    const { organization, apiKey } = caller.principal;
    const environment = apiKey.environment;
    const input = parseInput(connectUserInput(environment, this.deps.allowPrivateCallbacks), rawInput);
    let effects = newEffects();
    // Two first requests for one user race to create its user or connection row: the loser of
    // the unique constraint runs again and finds the winner's row.
    const result = await retryOnUniqueViolation(() => {
      effects = newEffects();
      return this.events.transaction(async (tx) => {
      await this.events.lockOrganization(tx, organization.id);
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
          await this.admitMail(effects, organization.id, input.email);
          effects.mails.push(await this.issueConsent(tx, connection));
        }
        return { connection, apiKey: null };
      }
      const event: ConnectionEvent = user.kycApprovedAt ? 'REQUEST_KNOWN_USER' : 'REQUEST_NEW_USER';
      const to = this.next(existing?.status ?? 'NONE', event);
      const connection = existing
        ? await tx.connection.update({
            where: { id: existing.id },
            data: { ...details, status: to, statusReason: null, depositIban: null, depositAddress: null },
            include: { organization: true, user: true },
          })
        : await tx.connection.create({
            data: { ...details, organizationId: organization.id, userId: user.id, environment, status: to },
            include: { organization: true, user: true },
          });
      await this.recordStatusChange(tx, caller, connection, existing?.status ?? null);
      await this.admitMail(effects, organization.id, input.email);
      effects.mails.push(to === 'PENDING' ? await this.issueConsent(tx, connection) : this.signupMail(connection));
      return { connection, apiKey: null };
      });
    });
    await this.settle(effects);
    return result;
  }

  /** Operator: KYC decided for a connection in ONBOARDING. */
  async decideOnboarding(caller: Caller, rawInput: unknown): Promise<Connection> {
    const input = parseInput(decideOnboardingInput, rawInput);
    const effects = newEffects();
    const { connection } = await this.events.transaction(async (tx) => {
      const current = await this.lockedConnection(tx, { id: input.connectionId });
      if (!current) throw new NotFoundError('Connection');
      const event = input.decision === 'APPROVE' ? 'KYC_APPROVED' : 'KYC_REJECTED';
      return this.apply(tx, caller, current, event, effects, { reason: input.reason, details: { decision: input.decision } });
    });
    await this.settle(effects);
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
    const effects = newEffects();
    const outcome = await this.events.transaction(async (tx) => {
      await this.events.lockOrganization(tx, found.connection.organizationId);
      const now = this.deps.clock.now();
      const { count } = await tx.consentToken.updateMany({
        where: { id: found.id, usedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
      });
      if (count !== 1) return { state: 'USED' } as const;
      const current = await tx.connection.findUniqueOrThrow({ where: { id: found.connection.id }, include: WITH_ORG });
      if (current.status !== 'PENDING') return { state: 'USED' } as const;
      const event = answer === 'approve' ? 'CONSENT_GIVEN' : 'CONSENT_DECLINED';
      const { connection } = await this.apply(tx, { type: 'system' }, current, event, effects, { deposit, details: { via: 'consent page' } });
      return { state: answer === 'approve' ? 'APPROVED' : 'DECLINED', ...this.describe(connection) } as const;
    });
    await this.settle(effects);
    return outcome;
  }

  /** disconnectUser: CONNECTED → REVOKED, every key of the connection revoked with it. */
  async disconnect(caller: KeyCaller, id: string): Promise<Connection> {
    const effects = newEffects();
    const { connection } = await this.events.transaction(async (tx) => {
      const current = await this.lockedConnection(tx, { id, ...visibleConnectionsWhere(caller.principal) });
      if (!current) throw new NotFoundError('Connection');
      return this.apply(tx, caller, current, 'DISCONNECT', effects);
    });
    await this.settle(effects);
    return connection;
  }

  /**
   * TEST only: moves a connection to `to` along the real transitions, with their real side
   * effects (consent email, deposit details, keys, revocations), so partners can test the flow.
   */
  async advanceSandbox(caller: KeyCaller, rawInput: unknown): Promise<ConnectResult> {
    const input = parseInput(advanceSandboxInput, rawInput);
    this.requireTest(caller);
    const current = await this.prisma.connection.findFirst({
      where: { id: input.connectionId, ...visibleConnectionsWhere(caller.principal) },
      include: WITH_ORG,
    });
    if (!current) throw new NotFoundError('Connection');
    const event = eventTowards(current.status, input.to);
    if (!event) throw new InvalidStateError(`A connection in ${current.status} cannot move to ${input.to}`);
    const deposit = event === 'CONSENT_GIVEN' ? await this.depositFor(current) : null;
    const effects = newEffects();
    const result = await this.events.transaction(async (tx) => {
      await this.events.lockOrganization(tx, current.organizationId);
      const fresh = await tx.connection.findUniqueOrThrow({ where: { id: current.id }, include: WITH_ORG });
      if (fresh.status !== current.status) throw new InvalidStateError('The connection changed concurrently');
      return this.apply(tx, caller, fresh, event, effects, { deposit, reason: 'Sandbox', details: { via: 'sandbox' } });
    });
    await this.settle(effects);
    return { connection: result.connection, apiKey: result.issuedSecret ?? null };
  }

  /** TEST only: a KYC-approved dummy user, connected at once, and its key, in one call. */
  async createSandboxUser(caller: KeyCaller, rawInput: unknown): Promise<ConnectResult> {
    this.requireTest(caller);
    const { type, ...rest } = parseInput(sandboxUserInput, rawInput);
    const email = `sandbox-${type.toLowerCase()}-${randomBytes(6).toString('hex')}@sandbox.keyward.test`;
    const input = parseInput(connectUserInput('TEST', this.deps.allowPrivateCallbacks), { ...rest, email });
    const { organization } = caller.principal;
    const id = randomUUID();
    const deposit = input.direction
      ? await this.deps.deposits.open({ id, organizationId: organization.id, environment: 'TEST', direction: input.direction })
      : null;
    const effects = newEffects();
    const result = await this.events.transaction(async (tx) => {
      await this.events.lockOrganization(tx, organization.id);
      if (input.ref !== undefined && (await tx.connection.count({ where: { organizationId: organization.id, environment: 'TEST', ref: input.ref } })) > 0) {
        throw ValidationError.field('ref', 'is already used for another user');
      }
      const user = await tx.user.create({ data: { email, kycApprovedAt: this.deps.clock.now() } });
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
      await this.recordStatusChange(tx, caller, pending, null, { via: 'sandbox', type });
      return this.apply(tx, caller, pending, 'CONSENT_GIVEN', effects, { deposit, details: { via: 'sandbox', type } });
    });
    await this.settle(effects);
    return { connection: result.connection, apiKey: result.issuedSecret ?? null };
  }

  /** A connection read again once its organization is locked (null when `where` finds none). */
  private async lockedConnection(tx: Tx, where: Prisma.ConnectionWhereInput): Promise<ConnectionWithOrg | null> {
    const found = await tx.connection.findFirst({ where, select: { id: true, organizationId: true } });
    if (!found) return null;
    await this.events.lockOrganization(tx, found.organizationId);
    return tx.connection.findUniqueOrThrow({ where: { id: found.id }, include: WITH_ORG });
  }

  private requireTest(caller: KeyCaller) {
    if (caller.principal.apiKey.environment !== 'TEST') {
      throw new AccessError('FORBIDDEN', 'Sandbox helpers work on TEST data only');
    }
  }

  /** connectionStatus(email): the polling endpoint. Unknown emails answer all-null, like another org's. */
  async status(caller: KeyCaller, rawEmail: string): Promise<{ status: Connection['status'] | null; apiKey: string | null; connection: Connection | null }> {
    const parsed = emailSchema.safeParse(rawEmail);
    if (!parsed.success) return { status: null, apiKey: null, connection: null };
    const connection = await this.prisma.connection.findFirst({
      where: { ...visibleConnectionsWhere(caller.principal), user: { email: parsed.data } },
      include: { organization: true, user: true },
    });
    if (!connection) return { status: null, apiKey: null, connection: null };
    const apiKey = connection.status === 'CONNECTED' ? await this.recoverKey(this.prisma, connection) : null;
    return { status: connection.status, apiKey, connection };
  }

  // -- transitions and their side effects ------------------------------------------------------

  private next(from: ConnectionState, event: ConnectionEvent) {
    const result = transition(from, event);
    if (!result.ok) throw new InvalidStateError(result.message);
    return result.to;
  }

  /**
   * One transition with its side effects, inside the caller's transaction; mail and cache
   * invalidation are collected in `effects` and happen after commit (`settle`).
   */
  private async apply(
    tx: Tx,
    caller: Caller,
    current: ConnectionWithOrg,
    event: ConnectionEvent,
    effects: Effects,
    options: { reason?: string | undefined; deposit?: DepositDetails | null; details?: Record<string, string> } = {},
  ): Promise<{ connection: ConnectionWithOrg; issuedSecret?: string }> {
    const to = this.next(current.status, event);
    const data: Prisma.ConnectionUncheckedUpdateInput = { status: to };
    if (event === 'KYC_REJECTED') data.statusReason = options.reason ?? null;
    if (event === 'CONSENT_DECLINED') data.statusReason = 'The user declined';
    if (event === 'CONSENT_GIVEN') {
      data.statusReason = null;
      data.depositIban = options.deposit?.depositIban ?? null;
      data.depositAddress = options.deposit?.depositAddress ?? null;
    }
    // Conditional on the status read, so of two concurrent changes one loses.
    const { count } = await tx.connection.updateMany({ where: { id: current.id, status: current.status }, data });
    if (count !== 1) throw new InvalidStateError('The connection changed concurrently');
    const connection = await tx.connection.findUniqueOrThrow({ where: { id: current.id }, include: WITH_ORG });
    // The status change comes first in the log, then what it caused (the new key, the revocations).
    const statusEvent = await this.recordStatusChange(tx, caller, connection, current.status, options.details);
    if (event === 'DISCONNECT') {
      const keys = await tx.apiKey.findMany({ where: { connectionId: current.id, revokedAt: null } });
      await tx.apiKey.updateMany({ where: { connectionId: current.id, revokedAt: null }, data: { revokedAt: this.deps.clock.now() } });
      await this.events.append(tx, keys.map((key) => keyEvent('API_KEY_REVOKED', key, { disconnected: true })));
      effects.revokedKeyIds.push(...keys.map((k) => k.keyId));
    }
    let issuedKey: { keyId: string; secret: string } | undefined;
    if (to === 'CONNECTED') {
      const issued = await this.issueFirstKey(tx, current);
      issuedKey = { keyId: issued.key.keyId, secret: issued.secret };
    }
    if (to === 'CONNECTED' || to === 'REJECTED') {
      // The partner's callback hears of it: delivered from the outbox, in this transaction.
      await this.deps.webhooks.enqueueCallbacks(tx, { connection: { ...connection, email: connection.user.email }, event: statusEvent, ...(issuedKey && { issuedKey }) });
    }
    if (event === 'KYC_APPROVED') {
      await tx.user.update({ where: { id: current.userId }, data: { kycApprovedAt: this.deps.clock.now() } });
      effects.mails.push(await this.issueConsent(tx, connection));
    }
    return { connection, ...(issuedKey && { issuedSecret: issuedKey.secret }) };
  }

  /** Deposit details may come from a provider's API: fetched before the transaction, idempotently. */
  private depositFor(connection: Connection): Promise<DepositDetails | null> {
    if (!connection.direction) return Promise.resolve(null);
    return this.deps.deposits.open({
      id: connection.id,
      organizationId: connection.organizationId,
      environment: connection.environment,
      direction: connection.direction,
    });
  }

  /** Entering CONNECTED: the connection's first user key, encrypted for recovery when the org wants it. */
  private issueFirstKey(tx: Tx, connection: ConnectionWithOrg) {
    const { organization } = connection;
    return this.deps.apiKeys.issueKey(tx, { type: 'system' }, {
      kind: 'USER',
      organizationId: organization.id,
      connectionId: connection.id,
      environment: connection.environment,
      name: 'Default key',
      permissions: USER_KEY_PERMISSIONS.filter((p) => !organization.disabledPermissions.includes(p)),
      allowedIps: [],
      expiresAt: null,
      recoverable: organization.userKeyRecovery === 'ENCRYPTED',
    });
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
    tx: Tx,
    caller: Caller,
    connection: Connection,
    from: Connection['status'] | null,
    details: Record<string, string | number> = {},
  ): Promise<EventRecord> {
    const [record] = await this.events.append(tx, [
      {
        organizationId: connection.organizationId,
        environment: connection.environment,
        type: 'CONNECTION_STATUS_CHANGED',
        connectionId: connection.id,
        data: { status: connection.status, previousStatus: from, ref: connection.ref },
      },
    ]);
    await recordAudit(tx, caller, {
      organizationId: connection.organizationId,
      environment: connection.environment,
      action: 'connection.status_changed',
      targetType: 'connection',
      targetId: connection.id,
      details: { from, to: connection.status, ref: connection.ref, ...details },
    });
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
      this.deps.mailer.send({
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
      }).then(() => undefined);
  }

  private signupMail(connection: ConnectionWithOrg): () => Promise<void> {
    const url = new URL(this.deps.links.signupUrl);
    url.searchParams.set('email', connection.user.email);
    return () =>
      this.deps.mailer.send({
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
      }).then(() => undefined);
  }

  /** After commit: caches drop revoked keys; mail goes out (a failure is logged, the partner can ask again). */
  /** A partner's request is about to cause a mail: refused (RATE_LIMITED, nothing written) over the mail limits. */
  private async admitMail(effects: Effects, organizationId: string, email: string) {
    await this.deps.rateLimits.admitMail(organizationId, email);
    effects.counted.push({ organizationId, email });
  }

  private async settle(effects: Effects) {
    for (const keyId of effects.revokedKeyIds) this.deps.listener.keyChanged(keyId);
    for (const { organizationId, email } of effects.counted) await this.deps.rateLimits.mailSent(organizationId, email);
    for (const send of effects.mails) {
      try {
        await send();
      } catch (error) {
        this.deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'sending a connection email failed');
      }
    }
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
