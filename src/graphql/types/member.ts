import { encodeGlobalID } from '@pothos/plugin-relay';
import { membersWhere } from '../../domain/access/visibility.ts';
import { InvalidStateError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { MemberRole } from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';
import { decodeId } from '../ids.ts';
import { maxPageSize } from '../pagination.ts';
import { callerOf } from '../resolver-helpers.ts';

const MemberRoleEnum = builder.enumType(MemberRole, {
  name: 'MemberRole',
  description: 'OWNER: everything, members included; ADMIN: everything but members; DEVELOPER: read both environments, change TEST; VIEWER: read both',
});

export const MemberRef = builder.prismaNode('Member', {
  id: { field: 'id' },
  // What the read rule hides is null in node(), never an error.
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [membersWhere(callerOf(ctx))] }),
  description: 'A person of the organization who signs in to the dashboard',
  fields: (t) => ({
    email: t.exposeString('email'),
    role: t.expose('role', { type: MemberRoleEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastSignInAt: t.expose('lastSignInAt', { type: 'DateTime', nullable: true }),
  }),
});

// Who a member's session belongs to. Whoever sees a member's session sees its member (the same
// organization: its members, or the operator), so the relation needs no read rule of its own.
builder.prismaObjectField('ApiKey', 'member', (t) =>
  t.relation('member', { nullable: true, description: "Members' sessions (kind MEMBER): the member signed in; null for every other kind" }),
);

/** A member's global id (audit rows and request logs name members by id: the member may be gone). */
export const memberGlobalId = (id: string | null) => (id ? encodeGlobalID('Member', id) : null);

builder.queryField('members', (t) =>
  t.prismaConnection({
    type: 'Member',
    cursor: 'id',
    maxSize: maxPageSize,
    authScopes: { may: 'members.read' },
    description: "The organization's members, oldest first",
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.member.findMany({ ...query, where: membersWhere(callerOf(ctx)), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    totalCount: (_connection, _args, ctx) => ctx.prisma.member.count({ where: membersWhere(callerOf(ctx)) }),
  }),
);

const MemberResult = (name: string) => builder.simpleObject(name, { fields: (f) => ({ member: f.field({ type: MemberRef }) }) });

builder.mutationField('inviteMember', (t) =>
  t.fieldWithInput({
    type: MemberResult('InviteMemberSuccess'),
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: { may: 'members.write' },
    description: 'Add a member and mail it a sign-in link (valid 24 hours). OWNER; needs a sign-in in the last 15 minutes',
    input: {
      email: t.input.string({ required: true }),
      role: t.input.field({ type: MemberRoleEnum, required: true }),
      organizationId: t.input.id({ description: 'The operator: the organization to add the member to' }),
    },
    resolve: async (_root, { input }, ctx) => ({
      member: await ctx.services.members.invite(callerOf(ctx), {
        email: input.email,
        role: input.role,
        ...(input.organizationId != null && { organizationId: decodeId(input.organizationId, 'Organization') }),
      }),
    }),
  }),
);

builder.mutationField('updateMember', (t) =>
  t.fieldWithInput({
    type: MemberResult('UpdateMemberSuccess'),
    errors: { types: [ValidationError, NotFoundError, InvalidStateError] },
    authScopes: { may: 'members.write' },
    description: "Change a member's role; a demotion signs it out everywhere. Never the last OWNER (INVALID_STATE)",
    input: { id: t.input.id({ required: true }), role: t.input.field({ type: MemberRoleEnum, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      member: await ctx.services.members.update(callerOf(ctx), { id: decodeId(input.id, 'Member'), role: input.role }),
    }),
  }),
);

builder.mutationField('removeMember', (t) =>
  t.fieldWithInput({
    type: MemberResult('RemoveMemberSuccess'),
    errors: { types: [ValidationError, NotFoundError, InvalidStateError] },
    authScopes: { may: 'members.write' },
    description: 'Remove a member: its sessions end at once. Never the last OWNER (INVALID_STATE)',
    input: { id: t.input.id({ required: true }) },
    resolve: async (_root, { input }, ctx) => ({ member: await ctx.services.members.remove(callerOf(ctx), { id: decodeId(input.id, 'Member') }) }),
  }),
);

builder.mutationField('requestSignInLink', (t) =>
  t.fieldWithInput({
    type: builder.simpleObject('RequestSignInLinkSuccess', {
      fields: (f) => ({ message: f.string({ description: 'The same for every address: whether it belongs to a member is not told' }) }),
    }),
    errors: { types: [ValidationError] },
    authScopes: { may: 'signIn.request' },
    description:
      'Mail a sign-in link (single use, valid 15 minutes) to each membership of this address. No credential needed; at most 5 an hour per address and 20 per client address',
    input: { email: t.input.string({ required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.members.requestSignInLink({ email: input.email }, ctx.clientIp);
      return { message: 'If this address belongs to a member, a sign-in link is on its way. It works once, for 15 minutes.' };
    },
  }),
);

builder.mutationField('signOut', (t) =>
  t.field({
    type: builder.simpleObject('SignOutPayload', { fields: (f) => ({ signedOut: f.boolean() }) }),
    authScopes: { may: 'signIn.end' },
    description: "End the member's current session (the dashboard's cookie)",
    resolve: async (_root, _args, ctx) => {
      await ctx.services.members.signOut(callerOf(ctx));
      // The cookie is HttpOnly: the page cannot drop it, so the answer does.
      ctx.clearMemberCookie?.();
      return { signedOut: true };
    },
  }),
);
