import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Environment, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import { authorizeTenant, keyScope } from '../access/policy.ts';
import type { Caller } from '../caller.ts';
import { open, seal } from '../crypto/secret-box.ts';
import { AccessError, NotFoundError } from '../errors.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { deleteInBatches, type Pruned } from '../retention.ts';
import { parseInput } from '../validation.ts';
import { rotateSigningSecretInput } from './signing.schemas.ts';

type Tx = Prisma.TransactionClient;

/** Signed requests older or newer than this are refused (docs/api.md, "Request signing"). */
const SIGNATURE_WINDOW_SECONDS = 300;
/** Accepted signatures are remembered at least this long: twice the window (docs/security.md E-03). */
const SEEN_SIGNATURE_TTL_SECONDS = 600;

const PREFIX = 'whsec_';

/** `whsec_` + base64 of 32 random bytes, the Standard Webhooks form. */
export function generateSigningSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a signing secret: the prefix removed, the base64 decoded. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

/** `v1=<hex HMAC-SHA-256(key, timestamp + "." + rawBody)>`, as partners compute it. */
function requestSignature(secret: string, timestamp: string, rawBody: Uint8Array): string {
  return createHmac('sha256', signingKey(secret)).update(`${timestamp}.`).update(rawBody).digest('hex');
}

const invalid = (message: string) => new AccessError('SIGNATURE_INVALID', message);

/** Every organization has a signing secret per environment, created in this order. */
const SIGNING_ENVIRONMENTS: readonly Environment[] = ['TEST', 'LIVE'];

export interface EnvironmentSecret {
  environment: Environment;
  signingSecret: string;
}

export interface RotatedSecret {
  /** The environment whose secret was replaced: the calling key's. */
  environment: Environment;
  signingSecret: string;
  /** Until when the previous secret still verifies (and signs alongside), if there was one. */
  previousValidUntil: Date | null;
}

/** What upgradeLegacySecrets did, in rows from before secrets were per environment. */
export interface LegacyUpgrade {
  /** Made the TEST row, with a LIVE copy of the same secret beside it. */
  split: number;
  /** Left as they are (they count for both environments): they do not open with this encryption key. */
  undecryptable: number;
}

/**
 * The rows that sign for an environment: its own, and a row from before secrets were per
 * environment (null), which was both environments' secret and stays so until it is split.
 */
const ofEnvironment = (environment: Environment): Prisma.SigningSecretWhereInput => ({ OR: [{ environment }, { environment: null }] });
const validAt = (now: Date): Prisma.SigningSecretWhereInput => ({ OR: [{ retiresAt: null }, { retiresAt: { gt: now } }] });

/**
 * Organizations' signing secrets, one per environment (TEST, LIVE): created with the
 * organization, rotated per environment with a grace period during which the previous one still
 * verifies, stored only AES-256-GCM-sealed; and the check of signed requests (window,
 * constant-time comparison, replay store shared by all instances). A TEST credential never
 * sees, rotates or verifies with the LIVE secret, and the other way round.
 */
export class SigningService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
  ) {}

  /** A new current secret for an organization's environment, inside the caller's transaction; returns it once. */
  async create(tx: Tx, organizationId: string, environment: Environment): Promise<string> {
    const secret = generateSigningSecret();
    await this.insert(tx, { organizationId, environment, secret });
    return secret;
  }

  /** A new organization's secrets, one per environment, inside its transaction; returned once. */
  async createPerEnvironment(tx: Tx, organizationId: string): Promise<EnvironmentSecret[]> {
    const secrets: EnvironmentSecret[] = [];
    for (const environment of SIGNING_ENVIRONMENTS) secrets.push({ environment, signingSecret: await this.create(tx, organizationId, environment) });
    return secrets;
  }

  /** The row id is chosen here: it is the sealed box's associated data, so the box is made for it. */
  private async insert(
    tx: Tx,
    row: { organizationId: string; environment: Environment; secret: string; retiresAt?: Date | null; createdAt?: Date },
  ): Promise<void> {
    const id = randomUUID();
    const { secret, ...data } = row;
    await tx.signingSecret.create({ data: { id, ...data, sealed: new Uint8Array(seal(this.encryptionKey, secret, id)) } });
  }

  /**
   * rotateSigningSecret: a new secret now for the calling key's environment only; the previous
   * one keeps working for the grace period. The other environment's secrets are not touched.
   */
  async rotate(caller: Caller, rawInput: unknown): Promise<RotatedSecret> {
    const { organizationId, environment } = keyScope(authorizeTenant(caller, 'signingSecret.rotate').principal);
    const input = parseInput(rotateSigningSecretInput, rawInput);
    const now = this.clock.now();
    const retiresAt = new Date(now.getTime() + input.gracePeriodSeconds * 1000);
    return this.uow.run(caller, organizationId, async ({ tx, audit }) => {
      // A secret from before environments is split first, so that only this environment's copy retires.
      await this.splitLegacy(tx, organizationId);
      const current = await tx.signingSecret.findMany({ where: { organizationId, AND: [ofEnvironment(environment), validAt(now)] } });
      // Every secret still valid ends with the grace period at the latest (a second rotation does not extend the first).
      // Rows still without environment here do not decrypt with this key: they verify nothing and retire too.
      for (const old of current) {
        const ends = old.retiresAt && old.retiresAt < retiresAt ? old.retiresAt : retiresAt;
        await tx.signingSecret.update({ where: { id: old.id }, data: { retiresAt: ends } });
      }
      const signingSecret = await this.create(tx, organizationId, environment);
      await audit({
        environment,
        action: 'signing_secret.rotated',
        targetType: 'organization',
        targetId: organizationId,
        details: { gracePeriodSeconds: input.gracePeriodSeconds },
      });
      return { environment, signingSecret, previousValidUntil: current.length > 0 ? retiresAt : null };
    });
  }

  /**
   * Splits every secret stored before secrets were per environment (environment null), at
   * start-up: the row becomes the TEST secret (same id, same sealed box) and a LIVE copy of the
   * same secret is sealed anew for its own id, with the same grace period and creation time. So
   * an integration keeps working in both environments with the secret it has, and a later
   * rotation of one environment leaves the other's copy alone. One short transaction per
   * organization under its lock; a row already split (another instance starting at the same
   * time) is skipped, so running it again or on several instances at once does nothing more.
   */
  async upgradeLegacySecrets(): Promise<LegacyUpgrade> {
    const organizations = await this.prisma.signingSecret.findMany({
      where: { environment: null },
      distinct: ['organizationId'],
      select: { organizationId: true },
    });
    const total: LegacyUpgrade = { split: 0, undecryptable: 0 };
    for (const { organizationId } of organizations) {
      try {
        const done = await this.uow.run({ type: 'system' }, organizationId, ({ tx }) => this.splitLegacy(tx, organizationId));
        total.split += done.split;
        total.undecryptable += done.undecryptable;
      } catch (error) {
        // Deleted meanwhile, and its secrets with it.
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return total;
  }

  /** The split of one organization's legacy rows; the caller holds the organization's lock. */
  private async splitLegacy(tx: Tx, organizationId: string): Promise<LegacyUpgrade> {
    const result: LegacyUpgrade = { split: 0, undecryptable: 0 };
    const legacy = await tx.signingSecret.findMany({ where: { organizationId, environment: null } });
    for (const row of legacy) {
      const secret = open(this.encryptionKey, row.sealed, row.id);
      // Another encryption key (a misconfiguration): split it on a start with the right one, never lose LIVE's copy.
      if (secret === null) {
        result.undecryptable++;
        continue;
      }
      const { count } = await tx.signingSecret.updateMany({ where: { id: row.id, environment: null }, data: { environment: 'TEST' } });
      if (count === 0) continue;
      await this.insert(tx, { organizationId, environment: 'LIVE', secret, retiresAt: row.retiresAt, createdAt: row.createdAt });
      result.split++;
    }
    return result;
  }

  /** The secrets that verify and sign for an environment now: the current one and any still in their grace period, newest first. */
  async validSecrets(organizationId: string, environment: Environment): Promise<string[]> {
    const now = this.clock.now();
    const rows = await this.prisma.signingSecret.findMany({
      where: { organizationId, AND: [ofEnvironment(environment), validAt(now)] },
      orderBy: { createdAt: 'desc' },
    });
    return rows.flatMap((row) => {
      const secret = open(this.encryptionKey, row.sealed, row.id);
      return secret === null ? [] : [secret];
    });
  }

  /**
   * Checks a signed request: timestamp within ±300 s, `v1=` signature matching one of the valid
   * secrets of the caller key's organization and environment over the raw body bytes (constant
   * time), and never seen before (remembered for 600 s in the database, so every instance refuses a replay).
   */
  async verify(organizationId: string, environment: Environment, timestamp: string, signatureHeader: string, rawBody: Uint8Array): Promise<void> {
    if (!/^\d{1,12}$/.test(timestamp)) throw invalid('X-Keyward-Timestamp must be unix seconds');
    const skew = Math.abs(this.clock.now().getTime() / 1000 - Number(timestamp));
    if (skew > SIGNATURE_WINDOW_SECONDS) throw invalid(`The signed request is older or newer than ${SIGNATURE_WINDOW_SECONDS} seconds`);
    const presented = signatureHeader
      .split(/[\s,]+/)
      .map((part) => /^v1=([0-9a-f]{64})$/i.exec(part)?.[1]?.toLowerCase())
      .filter((hex): hex is string => hex !== undefined);
    if (presented.length === 0) throw invalid('X-Keyward-Signature must be v1=<hex HMAC-SHA-256>');
    const secrets = await this.validSecrets(organizationId, environment);
    const matched = presented.find((hex) =>
      secrets.some((secret) => timingSafeEqual(Buffer.from(requestSignature(secret, timestamp, rawBody), 'hex'), Buffer.from(hex, 'hex'))),
    );
    if (!matched) throw invalid('The request signature does not match');
    const expiresAt = new Date(this.clock.now().getTime() + SEEN_SIGNATURE_TTL_SECONDS * 1000);
    const inserted = await this.prisma.$executeRaw`
      INSERT INTO seen_signatures (signature, "expiresAt") VALUES (${matched}, ${expiresAt}) ON CONFLICT (signature) DO NOTHING`;
    if (inserted === 0) throw invalid('This signed request was already received');
  }

  /** Forgets signatures past their replay window, oldest first, at most `batch` per statement (through the expiresAt index). */
  pruneSeen(batch?: number): Promise<Pruned> {
    const now = this.clock.now();
    return deleteInBatches(
      (limit) => this.prisma.$executeRaw`
        DELETE FROM seen_signatures WHERE signature = ANY (ARRAY(SELECT signature FROM seen_signatures WHERE "expiresAt" < ${now} ORDER BY "expiresAt" LIMIT ${limit}))`,
      batch,
    );
  }
}
