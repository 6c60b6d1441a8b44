import { z } from 'zod';
import { environment, PERMISSIONS, rateLimitRequests } from '../api-key/api-key.schemas.ts';
import { email } from '../connection/connection.schemas.ts';

const orgName = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(100, 'must be at most 100 characters')
  .refine((v) => !/\p{Cc}/u.test(v), 'must not contain control characters');

/** PENDING: TEST only until the operator enables LIVE; ENABLED: LIVE open. */
const liveAccess = z.enum(['PENDING', 'ENABLED']);

export const createOrganizationInput = z.object({
  name: orgName,
  environment: environment.default('TEST'),
  keyName: z.string().trim().min(3).max(64).default('Default partner key'),
  liveAccess: liveAccess.default('PENDING'),
  /** The first OWNER, invited by mail. */
  ownerEmail: email.optional(),
  /** Mail the owner its invitation (the first start prints a sign-in link instead). */
  inviteOwner: z.boolean().default(true),
});

export const updateOrganizationInput = z
  .object({
    id: z.uuid('must be an organization id'),
    name: orgName.optional(),
    status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
    disabledPermissions: z
      .array(z.enum(PERMISSIONS))
      .transform((list) => [...new Set(list)].sort())
      .optional(),
    userKeyRecovery: z.enum(['ENCRYPTED', 'NONE']).optional(),
    liveAccess: liveAccess.optional(),
    rateLimitRequests: rateLimitRequests.optional(),
    rateLimitWindowSeconds: z.int('must be a whole number').min(1, 'must be at least 1').max(86_400, 'must be at most 86400 (a day)').optional(),
    sessionIdleTimeoutSeconds: z
      .int('must be a whole number')
      .min(60, 'must be at least 60')
      .max(30 * 86_400, 'must be at most 2592000 (30 days)')
      .optional(),
  })
  .refine((v) => Object.keys(v).some((k) => k !== 'id' && v[k as keyof typeof v] !== undefined), {
    message: 'give at least one field to change',
    path: ['input'],
  });
