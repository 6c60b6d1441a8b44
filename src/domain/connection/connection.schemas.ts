import { z } from 'zod';
import type { Environment } from '../../generated/prisma/enums.ts';
import { checkOutboundUrl } from '../webhooks/outbound-address.ts';
import { normalizeBtcAddress, normalizeIban } from './payout.ts';

/**
 * One person, one email: trimmed and lower-cased before anything compares it. Within the limits
 * mail servers enforce (RFC 5321: a local part of at most 64 octets, an address of at most 254),
 * so an address we accept is one the mailer can send to.
 */
export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .refine((v) => v.length > 254 || Buffer.byteLength(v) <= 254, 'must be at most 254 bytes')
  .refine((v) => !v.includes('@') || Buffer.byteLength(v.slice(0, v.lastIndexOf('@'))) <= 64, 'must have at most 64 characters before the @')
  .pipe(z.email('must be a valid email address'));

const ref = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[\w.:@+-]+$/, 'may contain letters, digits and . _ : @ + - only');

function fromResult(result: { ok: true; value: string } | { ok: false; message: string }, ctx: z.RefinementCtx): string {
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
  return result.ok ? result.value : '';
}

export function connectUserInput(environment: Environment, allowPrivateCallbacks: boolean) {
  return z
    .object({
      email,
      ref: ref.optional(),
      callback: z
        .string()
        .max(2048, 'must be at most 2048 characters')
        .transform((v, ctx) => fromResult(checkOutboundUrl(v, allowPrivateCallbacks), ctx))
        .optional(),
      direction: z.enum(['BUY', 'SELL']).optional(),
      iban: z
        .string()
        .transform((v, ctx) => fromResult(normalizeIban(v), ctx))
        .optional(),
      address: z
        .string()
        .transform((v, ctx) => fromResult(normalizeBtcAddress(v, environment), ctx))
        .optional(),
    })
    .superRefine((input, ctx) => {
      // BUY pays BTC out to `address`; SELL pays EUR out to `iban`. Exactly the one that fits.
      if (input.direction === 'BUY' && input.address === undefined) {
        ctx.addIssue({ code: 'custom', path: ['address'], message: 'is required for direction BUY (a Bitcoin address)' });
      }
      if (input.direction === 'SELL' && input.iban === undefined) {
        ctx.addIssue({ code: 'custom', path: ['iban'], message: 'is required for direction SELL (an IBAN)' });
      }
      if (input.iban !== undefined && input.direction !== 'SELL') {
        ctx.addIssue({ code: 'custom', path: ['iban'], message: 'goes with direction SELL only' });
      }
      if (input.address !== undefined && input.direction !== 'BUY') {
        ctx.addIssue({ code: 'custom', path: ['address'], message: 'goes with direction BUY only' });
      }
    });
}

export const decideOnboardingInput = z.object({
  connectionId: z.uuid(),
  decision: z.enum(['APPROVE', 'REJECT']),
  reason: z.string().trim().max(500, 'must be at most 500 characters').optional(),
});

export const advanceSandboxInput = z.object({
  connectionId: z.uuid(),
  to: z.enum(['PENDING', 'CONNECTED', 'REJECTED', 'REVOKED']),
});

/** A dummy user: everything but the email (generated) as connectUser takes it. */
export const sandboxUserInput = z.object({ type: z.enum(['PERSON', 'BUSINESS']) }).catchall(z.unknown());
