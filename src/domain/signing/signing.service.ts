import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Caller } from '../caller.ts';
import { open, seal } from '../crypto/secret-box.ts';
import { AccessError } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import { parseInput } from '../validation.ts';
import { rotateSigningSecretInput } from './signing.schemas.ts';

type Tx = Prisma.TransactionClient;

/** Signed requests older or newer than this are refused (API.md, "Request signing"). */
export const SIGNATURE_WINDOW_SECONDS = 300;
/** Accepted signatures are remembered at least this long: twice the window (SECURITY.md). */
export const SEEN_SIGNATURE_TTL_SECONDS = 600;

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
export function requestSignature(secret: string, timestamp: string, rawBody: Uint8Array): string {
  return createHmac('sha256', signingKey(secret)).update(`${timestamp}.`).update(rawBody).digest('hex');
}

const invalid = (message: string) => new AccessError('SIGNATURE_INVALID', message);

export interface RotatedSecret {
  signingSecret: string;
  /** Until when the previous secret still verifies (and signs alongside), if there was one. */
  previousValidUntil: Date | null;
}

/**
 * Organizations' signing secrets: created with the organization, rotated with a grace period
 * during which the previous one still verifies, stored only AES-256-GCM-sealed; and the check
 * of signed requests (window, constant-time comparison, replay store shared by all instances).
 */
export class SigningService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
    private readonly events: EventLog,
  ) {}

  /** A new current secret for an organization, inside the caller's transaction; returns it once. */
  async create(tx: Tx, organizationId: string): Promise<string> {
    const secret = generateSigningSecret();
    const row = await tx.signingSecret.create({ data: { organizationId, sealed: new Uint8Array(0) } });
    await tx.signingSecret.update({ where: { id: row.id }, data: { sealed: new Uint8Array(seal(this.encryptionKey, secret, row.id)) } });
    return secret;
  }

  /** rotateSigningSecret: a new secret now; the previous one keeps working for the grace period. */
  async rotate(caller: Extract<Caller, { type: 'key' }>, rawInput: unknown): Promise<RotatedSecret> {
    const input = parseInput(rotateSigningSecretInput, rawInput);
    const organizationId = caller.principal.organization.id;
    const now = this.clock.now();
    const retiresAt = new Date(now.getTime() + input.gracePeriodSeconds * 1000);
    return this.events.transaction(async (tx) => {
      await this.events.lockOrganization(tx, organizationId);
      const current = await tx.signingSecret.findMany({ where: { organizationId, OR: [{ retiresAt: null }, { retiresAt: { gt: now } }] } });
      // Every secret still valid ends with the grace period at the latest (a second rotation does not extend the first).
      for (const old of current) {
        const ends = old.retiresAt && old.retiresAt < retiresAt ? old.retiresAt : retiresAt;
        await tx.signingSecret.update({ where: { id: old.id }, data: { retiresAt: ends } });
      }
      const signingSecret = await this.create(tx, organizationId);
      await recordAudit(tx, caller, {
        organizationId,
        action: 'signing_secret.rotated',
        targetType: 'organization',
        targetId: organizationId,
        details: { gracePeriodSeconds: input.gracePeriodSeconds },
      });
      return { signingSecret, previousValidUntil: current.length > 0 ? retiresAt : null };
    });
  }

  /** The secrets that verify now: the current one and any still in their grace period, newest first. */
  async validSecrets(organizationId: string): Promise<string[]> {
    const now = this.clock.now();
    const rows = await this.prisma.signingSecret.findMany({
      where: { organizationId, OR: [{ retiresAt: null }, { retiresAt: { gt: now } }] },
      orderBy: { createdAt: 'desc' },
    });
    return rows.flatMap((row) => {
      const secret = open(this.encryptionKey, row.sealed, row.id);
      return secret === null ? [] : [secret];
    });
  }

  /**
   * Checks a signed request: timestamp within ±300 s, `v1=` signature matching one of the
   * organization's valid secrets over the raw body bytes (constant time), and never seen before
   * (remembered for 600 s in the database, so every instance refuses a replay).
   */
  async verify(organizationId: string, timestamp: string, signatureHeader: string, rawBody: Uint8Array): Promise<void> {
    if (!/^\d{1,12}$/.test(timestamp)) throw invalid('X-Keyward-Timestamp must be unix seconds');
    const skew = Math.abs(this.clock.now().getTime() / 1000 - Number(timestamp));
    if (skew > SIGNATURE_WINDOW_SECONDS) throw invalid(`The signed request is older or newer than ${SIGNATURE_WINDOW_SECONDS} seconds`);
    const presented = signatureHeader
      .split(/[\s,]+/)
      .map((part) => /^v1=([0-9a-f]{64})$/i.exec(part)?.[1]?.toLowerCase())
      .filter((hex): hex is string => hex !== undefined);
    if (presented.length === 0) throw invalid('X-Keyward-Signature must be v1=<hex HMAC-SHA-256>');
    const secrets = await this.validSecrets(organizationId);
    const matched = presented.find((hex) =>
      secrets.some((secret) => timingSafeEqual(Buffer.from(requestSignature(secret, timestamp, rawBody), 'hex'), Buffer.from(hex, 'hex'))),
    );
    if (!matched) throw invalid('The request signature does not match');
    const expiresAt = new Date(this.clock.now().getTime() + SEEN_SIGNATURE_TTL_SECONDS * 1000);
    const inserted = await this.prisma.$executeRaw`
      INSERT INTO seen_signatures (signature, "expiresAt") VALUES (${matched}, ${expiresAt}) ON CONFLICT (signature) DO NOTHING`;
    if (inserted === 0) throw invalid('This signed request was already received');
  }

  /** Forgets signatures past their replay window; returns how many. */
  async pruneSeen(): Promise<number> {
    const { count } = await this.prisma.seenSignature.deleteMany({ where: { expiresAt: { lt: this.clock.now() } } });
    return count;
  }
}
