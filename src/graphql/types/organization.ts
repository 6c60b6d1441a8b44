import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import { organizationsWhere } from '../../domain/access/visibility.ts';
import { builder } from '../builder.ts';
import { MemberRef } from './member.ts';
import { decodeId } from '../ids.ts';
import { callerOf, withoutNulls } from '../resolver-helpers.ts';
import { ApiKeyRef } from './api-key.ts';
import { EnvironmentEnum, LiveAccessEnum, OrganizationStatusEnum, PermissionEnum, UserKeyRecoveryEnum } from './enums.ts';

export const OrganizationRef = builder.prismaNode('Organization', {
  id: { field: 'id' },
  // Loaded with findUnique, not findUniqueOrThrow: what the read rule hides is null in node(), never an error.
  nullable: true,
  // A key sees its own organization only; the operator sees every one.
  findUnique: (id, ctx) => ({ id, AND: [organizationsWhere(callerOf(ctx))] }),
  fields: (t) => ({
    name: t.exposeString('name'),
    status: t.expose('status', { type: OrganizationStatusEnum }),
    disabledPermissions: t.expose('disabledPermissions', { type: [PermissionEnum] }),
    userKeyRecovery: t.expose('userKeyRecovery', { type: UserKeyRecoveryEnum }),
    liveAccess: t.expose('liveAccess', {
      type: LiveAccessEnum,
      description: 'TEST works at once; while PENDING, keys cannot create LIVE keys or connect users in LIVE (LIVE_ACCESS_PENDING)',
    }),
    rateLimitRequests: t.exposeInt('rateLimitRequests', { description: 'Requests each key may make per window, unless the key has its own number' }),
    rateLimitWindowSeconds: t.exposeInt('rateLimitWindowSeconds'),
    sessionIdleTimeoutSeconds: t.exposeInt('sessionIdleTimeoutSeconds', { description: 'Sessions end after this long without a request (auto-logout)' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const EnvironmentSigningSecret = builder.simpleObject('EnvironmentSigningSecret', {
  description: "One environment's signing secret: it verifies signed requests of that environment's keys and signs its webhooks and callbacks",
  fields: (f) => ({
    environment: f.field({ type: EnvironmentEnum }),
    signingSecret: f.string({ description: 'whsec_…' }),
  }),
});

builder.mutationField('createOrganization', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('CreateOrganizationSuccess', {
      fields: (f) => ({
        organization: f.field({ type: OrganizationRef }),
        key: f.field({ type: ApiKeyRef, description: 'Its first partner key, with every permission' }),
        secret: f.string({ description: 'The whole partner key. Shown once: store it now.' }),
        signingSecret: f.string({
          description:
            "The signing secret (whsec_…) of the first key's environment, for that environment's signed requests and webhooks (also in signingSecrets). Shown once: store it now.",
        }),
        signingSecrets: f.field({
          type: [EnvironmentSigningSecret],
          description:
            'The signing secrets of both environments, TEST and LIVE (different secrets: a TEST credential never sees, rotates or signs with the LIVE one). Shown once: store them now.',
        }),
        owner: f.field({ type: MemberRef, nullable: true, description: 'The first OWNER (ownerEmail), invited by mail' }),
      }),
    }),
    errors: { types: [ValidationError] },
    authScopes: { may: 'organizations.write' },
    input: {
      name: t.input.string({ required: true }),
      environment: t.input.field({ type: EnvironmentEnum, description: 'Of its first partner key; default TEST' }),
      liveAccess: t.input.field({ type: LiveAccessEnum, description: 'Default PENDING: LIVE opens when the operator enables it' }),
      ownerEmail: t.input.string({ description: 'The first OWNER of its dashboard: mailed an invitation (a sign-in link valid 24 hours)' }),
    },
    resolve: (_root, { input }, ctx) => ctx.services.organizations.create(callerOf(ctx), withoutNulls(input)),
  }),
);

builder.mutationField('updateOrganization', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('UpdateOrganizationSuccess', {
      fields: (f) => ({ organization: f.field({ type: OrganizationRef }) }),
    }),
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: { may: 'organizations.write' },
    input: {
      id: t.input.id({ required: true }),
      name: t.input.string(),
      status: t.input.field({ type: OrganizationStatusEnum }),
      disabledPermissions: t.input.field({ type: [PermissionEnum] }),
      userKeyRecovery: t.input.field({ type: UserKeyRecoveryEnum }),
      liveAccess: t.input.field({
        type: LiveAccessEnum,
        description: 'ENABLED opens LIVE; PENDING closes it again to new LIVE keys and connections (the LIVE keys it has keep working)',
      }),
      rateLimitRequests: t.input.int({ description: 'Requests each key may make per window (1…1,000,000; default 1000)' }),
      rateLimitWindowSeconds: t.input.int({ description: 'The window, in seconds (1…86,400; default 60)' }),
      sessionIdleTimeoutSeconds: t.input.int({ description: 'Session auto-logout after this long without a request (60…2,592,000; default 3600)' }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = withoutNulls(input);
      const organization = await ctx.services.organizations.update(callerOf(ctx), {
        ...changes,
        id: decodeId(id, 'Organization'),
      });
      return { organization };
    },
  }),
);
