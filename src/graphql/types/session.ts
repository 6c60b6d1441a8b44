import { AccessError, KeyLimitReachedError, ValidationError } from '../../domain/errors.ts';
import { builder } from '../builder.ts';
import { keyCallerOf, withoutNulls } from '../resolver-helpers.ts';
import { ApiKeyRef } from './api-key.ts';

builder.mutationField('createSession', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('CreateSessionSuccess', {
      fields: (f) => ({
        token: f.string({ description: 'The whole `kw_ses_…` token: shown here only. Send it as `Authorization: Bearer`' }),
        expiresAt: f.field({ type: 'DateTime', description: 'Extended by each request in the last 30 minutes before it' }),
        session: f.field({ type: ApiKeyRef, description: 'The session, as a key of kind SESSION' }),
      }),
    }),
    errors: { types: [ValidationError, KeyLimitReachedError] },
    authScopes: { authenticated: true },
    description:
      "Exchange a partner or user key for a session token bound to the calling device's IP (or permittedIps): it acts with the key's permissions and ends after the organization's idle timeout, or with the key",
    input: {
      description: t.input.string({ description: 'What the device is (3–64 characters); default "Session"' }),
      permittedIps: t.input.stringList({ description: "IPs and CIDRs the token may be used from; default: the caller's IP" }),
    },
    resolve: async (_root, { input }, ctx) => {
      if (ctx.caller?.type !== 'key') throw new AccessError('FORBIDDEN', 'Only a partner or user key can open a session');
      const { key, secret } = await ctx.services.apiKeys.createSession(keyCallerOf(ctx), withoutNulls(input));
      return { token: secret, expiresAt: key.expiresAt!, session: key };
    },
  }),
);
