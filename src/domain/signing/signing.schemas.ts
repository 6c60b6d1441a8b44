import { z } from 'zod';

/** How long a rotated-out signing secret keeps verifying (and signing alongside the new one). */
const DEFAULT_SIGNING_GRACE_SECONDS = 24 * 60 * 60;
const MAX_SIGNING_GRACE_SECONDS = 7 * 24 * 60 * 60;

export const rotateSigningSecretInput = z.object({
  gracePeriodSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(0, 'must not be negative')
    .max(MAX_SIGNING_GRACE_SECONDS, 'must be at most 7 days')
    .default(DEFAULT_SIGNING_GRACE_SECONDS),
});
