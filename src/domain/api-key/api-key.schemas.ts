import { z } from 'zod';
import type { Currency } from '../../generated/prisma/enums.ts';
import { parseAllowlistEntry } from '../ip/cidr.ts';
import { normalizeRecipient, type RecipientKind } from '../connection/payout.ts';
import { ValidationError } from '../errors.ts';

export const PERMISSIONS = [
  'CONNECTIONS_READ',
  'CONNECTIONS_WRITE',
  'KEYS_READ',
  'KEYS_WRITE',
  'WEBHOOKS_WRITE',
  'LOGS_READ',
  'ORDERS_CREATE',
  'ORDERS_READ',
  'BALANCE_READ',
  'WITHDRAWALS_CREATE',
] as const;

const MAX_ALLOWLIST_ENTRIES = 100;
/** The largest number of requests per window an organization or key may be given. */
const MAX_RATE_LIMIT = 1_000_000;

export const rateLimitRequests = z.int('must be a whole number').min(1, 'must be at least 1').max(MAX_RATE_LIMIT, `must be at most ${MAX_RATE_LIMIT}`);
const MAX_GRACE_PERIOD_SECONDS = 24 * 60 * 60;

const keyName = z
  .string()
  .trim()
  .min(3, 'must be at least 3 characters')
  .max(64, 'must be at most 64 characters')
  // Names end up in logs and audit rows: no line breaks or other control characters.
  .refine((v) => !/\p{Cc}/u.test(v), 'must not contain control characters');

const permissionList = z
  .array(z.enum(PERMISSIONS))
  .min(1, 'at least one permission is required')
  .transform((list) => [...new Set(list)].sort());

export const CURRENCIES = ['FIAT', 'CRYPTO'] as const;
/** What a key may move when its request does not say: both. */
export const ALL_CURRENCIES: Currency[] = [...CURRENCIES];

/** At least one; duplicates dropped, in the order FIAT, CRYPTO. */
const currencyList = z
  .array(z.enum(CURRENCIES))
  .min(1, 'at least one currency is required')
  .transform((list) => CURRENCIES.filter((c) => list.includes(c)));

/** IPs and CIDRs, normalized (see cidr.ts); each bad entry is reported at its index. */
const ipAllowlist = z
  .array(z.string())
  .max(MAX_ALLOWLIST_ENTRIES, `at most ${MAX_ALLOWLIST_ENTRIES} entries`)
  .transform((entries, ctx) => {
    const normalized: string[] = [];
    entries.forEach((entry, index) => {
      const parsed = parseAllowlistEntry(entry);
      if (parsed.ok) normalized.push(parsed.value);
      else ctx.addIssue({ code: 'custom', path: [index], message: parsed.message });
    });
    return [...new Set(normalized)];
  });

export const environment = z.enum(['TEST', 'LIVE']);

function futureDate(now: Date) {
  return z.date().refine((d) => d.getTime() > now.getTime(), 'must be in the future');
}

export function createPartnerKeyInput(now: Date) {
  return z.object({
    name: keyName,
    environment: environment.optional(),
    permissions: permissionList,
    currencies: currencyList.default(ALL_CURRENCIES),
    allowedIps: ipAllowlist.default([]),
    expiresAt: futureDate(now).nullish(),
    organizationId: z.uuid().optional(),
  });
}

/** An update names its key and at least one change (refine arguments). */
function someChange(fields: string) {
  const given = (v: Record<string, unknown>) => Object.entries(v).some(([name, value]) => name !== 'id' && value !== undefined);
  return [given, { message: `give at least one of ${fields}`, path: ['input'] as PropertyKey[] }] as const;
}

export const updatePartnerKeyInput = z
  .object({
    id: z.string(),
    name: keyName.optional(),
    allowedIps: ipAllowlist.optional(),
    permissions: permissionList.optional(),
    currencies: currencyList.optional(),
    rateLimitRequests: rateLimitRequests.optional(),
  })
  .refine(...someChange('name, allowedIps, permissions, currencies or rateLimitRequests'));

export function rotatePartnerKeyInput(now: Date) {
  return z.object({
    id: z.string(),
    gracePeriodSeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(0, 'must not be negative')
      .max(MAX_GRACE_PERIOD_SECONDS, 'must be at most 86400 (24 h)')
      .default(0),
    expiresAt: futureDate(now).nullish(),
  });
}

const MAX_RECIPIENTS = 100;

/** A recipient as given: its normalized form, what it is, and where it stood in the list. */
export interface Recipient {
  value: string;
  kind: RecipientKind;
  index: number;
}

/** IBANs and Bitcoin addresses (network by environment), normalized; each bad one reported at its index. */
function recipientList(env: 'TEST' | 'LIVE') {
  return z
    .array(z.string())
    .max(MAX_RECIPIENTS, `at most ${MAX_RECIPIENTS} entries`)
    .transform((entries, ctx) => {
      const recipients = new Map<string, Recipient>();
      entries.forEach((entry, index) => {
        const parsed = normalizeRecipient(entry, env);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', path: [index], message: parsed.message });
        else if (!recipients.has(parsed.value)) recipients.set(parsed.value, { value: parsed.value, kind: parsed.kind, index });
      });
      return [...recipients.values()];
    });
}

/** A key's stored recipients (already normalized), as recipients at their index in its list. */
export function storedRecipients(values: readonly string[], env: 'TEST' | 'LIVE'): Recipient[] {
  return values.flatMap((value, index) => {
    const parsed = normalizeRecipient(value, env);
    return parsed.ok ? [{ value: parsed.value, kind: parsed.kind, index }] : [];
  });
}

/** The money a recipient receives: IBANs take FIAT, Bitcoin addresses CRYPTO. */
const CURRENCY_OF: Record<RecipientKind, { currency: Currency; what: string }> = {
  IBAN: { currency: 'FIAT', what: 'An IBAN' },
  BTC_ADDRESS: { currency: 'CRYPTO', what: 'A Bitcoin address' },
};

/**
 * A key's recipients must fit its currencies: VALIDATION_FAILED at `allowedRecipients.<index>` of
 * each one that does not (its index in the request, or in the key's list when only currencies change).
 */
export function checkRecipientsFit(recipients: readonly Recipient[], currencies: readonly Currency[]): void {
  const unfit = recipients.filter((r) => !currencies.includes(CURRENCY_OF[r.kind].currency));
  if (unfit.length === 0) return;
  throw new ValidationError(
    unfit.map((r) => ({
      path: ['allowedRecipients', String(r.index)],
      message: `${CURRENCY_OF[r.kind].what} needs ${CURRENCY_OF[r.kind].currency} among the key's currencies`,
    })),
  );
}

export function createUserKeyInput(now: Date, env: 'TEST' | 'LIVE') {
  return z.object({
    connectionId: z.string(),
    name: keyName,
    permissions: permissionList,
    currencies: currencyList.default(ALL_CURRENCIES),
    allowedIps: ipAllowlist.default([]),
    allowedRecipients: recipientList(env).default([]),
    expiresAt: futureDate(now).nullish(),
  });
}

export function updateUserKeyInput(env: 'TEST' | 'LIVE') {
  return z
    .object({
      id: z.string(),
      name: keyName.optional(),
      allowedIps: ipAllowlist.optional(),
      permissions: permissionList.optional(),
      currencies: currencyList.optional(),
      allowedRecipients: recipientList(env).optional(),
      rateLimitRequests: rateLimitRequests.optional(),
    })
    .refine(...someChange('name, allowedIps, permissions, currencies, allowedRecipients or rateLimitRequests'));
}

/** createSession: a description of the device, and the IPs it may use the token from (default: the caller's). */
export const createSessionInput = z.object({
  description: keyName.default('Session'),
  permittedIps: ipAllowlist.refine((list) => list.length > 0, 'must name at least one IP or CIDR').optional(),
});
