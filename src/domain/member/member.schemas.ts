import { z } from 'zod';
import { email } from '../connection/connection.schemas.ts';

const memberRole = z.enum(['OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER']);

export const inviteMemberInput = z.object({
  /** The operator names the organization; a member invites into its own. */
  organizationId: z.uuid('must be an organization id').optional(),
  email,
  role: memberRole,
});

export const updateMemberInput = z.object({ id: z.uuid('must be a member id'), role: memberRole });

export const removeMemberInput = z.object({ id: z.uuid('must be a member id') });

export const requestSignInLinkInput = z.object({ email });

/** A sign-in link's token as it appears in the link: 256 bits, base64url. */
export const SIGN_IN_TOKEN = /^[\w-]{43}$/;
