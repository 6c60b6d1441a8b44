import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Member, MemberRole, Organization, PrismaClient } from '../../generated/prisma/client.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Mailer } from '../../infra/mailer.ts';
import { authorize, authorizeMember } from '../access/policy.ts';
import type { ApiKeyService, KeyChangeListener } from '../api-key/api-key.service.ts';
import { activeWhere } from '../api-key/api-key.service.ts';
import { hashKey } from '../api-key/key-format.ts';
import { addressGroup } from '../ip/cidr.ts';
import type { Caller } from '../caller.ts';
import { AccessError, InvalidStateError, NotFoundError, ValidationError } from '../errors.ts';
import type { RateLimits } from '../rate-limit/rate-limits.ts';
import type { UnitOfWork, Work } from '../unit-of-work.ts';
import { parseInput } from '../validation.ts';
import { inviteMemberInput, removeMemberInput, requestSignInLinkInput, SIGN_IN_TOKEN, updateMemberInput } from './member.schemas.ts';

/** A sign-in link works this long after it was mailed. */
const SIGN_IN_LINK_TTL_MS = 15 * 60 * 1000;
/** An invitation (a member's first sign-in link) works this long: people do not read mail within 15 minutes. */
const INVITATION_TTL_MS = 24 * 60 * 60 * 1000;

/** Higher may more: a change to a lower rank is a demotion, which ends the member's sessions. */
const RANK: Record<MemberRole, number> = { VIEWER: 0, DEVELOPER: 1, ADMIN: 2, OWNER: 3 };

export interface MemberServiceDeps {
  prisma: PrismaClient;
  uow: UnitOfWork;
  apiKeys: ApiKeyService;
  listener: KeyChangeListener;
  mailer: Mailer;
  rateLimits: RateLimits;
  clock: Clock;
  pepper: Buffer;
  logger: Logger;
  /** Where links point: `<publicUrl>/dashboard/sign-in/<token>`. */
  publicUrl: string;
}

/** What a sign-in link's page shows, or why it cannot be used. */
export type SignInView = { state: 'OPEN'; email: string; organizationName: string } | { state: 'USED' | 'EXPIRED' | 'UNKNOWN' };

/** A redeemed link: a new session's cookie value, or none when the request's own session was refreshed (step-up). */
export type SignedIn =
  | { state: 'SIGNED_IN'; member: Member; organization: Organization; token: string | null; expiresAt: Date }
  | { state: 'USED' | 'EXPIRED' | 'UNKNOWN' };

/**
 * Members: the people of an organization who sign in to the dashboard, their roles, and the
 * single-use links they sign in with (docs/api.md, "Members and the dashboard"). An organization
 * never has fewer than one OWNER: member changes lock the organization (the unit of work) and
 * count its owners under that lock, so concurrent demotions cannot both pass.
 */
export class MemberService {
  constructor(private readonly deps: MemberServiceDeps) {}

  /**
   * Invites a member: its row and a first sign-in link, mailed after commit. The operator names
   * the organization (organizationId); an OWNER invites into its own.
   */
  async invite(caller: Caller, rawInput: unknown): Promise<Member> {
    authorize(caller, 'members.write');
    const input = parseInput(inviteMemberInput, rawInput);
    const organizationId = this.organizationOf(caller, input.organizationId);
    return this.deps.uow.run(caller, organizationId, (w) => this.add(w, input.email, input.role));
  }

  /**
   * Adds a member inside a unit of work (createOrganization's first OWNER too) and mails its
   * invitation after commit, unless `invite` is false (the first start prints a link instead).
   */
  async add(w: Work, email: string, role: MemberRole, options: { invite?: boolean } = {}): Promise<Member> {
    const existing = await w.tx.member.findUnique({ where: { organizationId_email: { organizationId: w.organizationId, email } } });
    if (existing) throw ValidationError.field('email', 'is already a member of this organization');
    const member = await w.tx.member.create({ data: { organizationId: w.organizationId, email, role } });
    await w.audit({ action: 'member.invited', targetType: 'member', targetId: member.id, details: { email, role } });
    if (options.invite === false) return member;
    const token = await this.createLink(w, member.id, INVITATION_TTL_MS);
    const organization = await w.tx.organization.findUniqueOrThrow({ where: { id: w.organizationId }, select: { name: true } });
    w.afterCommit(() => this.mailInvitation(email, organization.name, role, token));
    return member;
  }

  /** A role change. A demotion ends the member's sessions at once (it signs in again, as its new role). */
  async update(caller: Caller, rawInput: unknown): Promise<Member> {
    authorize(caller, 'members.write');
    const input = parseInput(updateMemberInput, rawInput);
    return this.onMember(caller, input.id, async (w, current) => {
      if (current.role === input.role) return current;
      if (current.role === 'OWNER') await this.keepAnOwner(w, current.id);
      const updated = await w.tx.member.update({ where: { id: current.id }, data: { role: input.role } });
      const demoted = RANK[input.role] < RANK[current.role];
      const sessions = await this.endSessions(w, current.id, demoted);
      await w.audit({
        action: 'member.updated',
        targetType: 'member',
        targetId: current.id,
        details: { from: current.role, to: input.role, ...(demoted && { sessionsEnded: sessions }) },
      });
      return updated;
    });
  }

  /** Removes a member: its sessions and links go with it, and its open sockets close. */
  async remove(caller: Caller, rawInput: unknown): Promise<Member> {
    authorize(caller, 'members.write');
    const input = parseInput(removeMemberInput, rawInput);
    return this.onMember(caller, input.id, async (w, current) => {
      if (current.role === 'OWNER') await this.keepAnOwner(w, current.id);
      await this.endSessions(w, current.id, true);
      await w.tx.member.delete({ where: { id: current.id } });
      await w.audit({ action: 'member.removed', targetType: 'member', targetId: current.id, details: { email: current.email, role: current.role } });
      return current;
    });
  }

  /**
   * Mails a sign-in link to every membership of the address. The answer is the same whether or
   * not the address belongs to anyone, and comes before any membership is looked up (the links
   * are made and mailed after it), so neither its content nor its timing tells. Limited per
   * address and per client address group, counted for every address alike.
   */
  async requestSignInLink(rawInput: unknown, clientAddress: string | undefined): Promise<void> {
    authorize(null, 'signIn.request');
    const { email } = parseInput(requestSignInLinkInput, rawInput);
    // Per address group, as failed authentications: an IPv6 /64 is one client.
    await this.deps.rateLimits.admitSignInRequest(email, clientAddress === undefined ? undefined : (addressGroup(clientAddress) ?? clientAddress));
    void this.mailSignInLinks(email).catch((error: unknown) => this.deps.logger.error({ err: error }, 'sign-in link could not be sent'));
  }

  /** The links and mails of one request (in the background of requestSignInLink). Resolves when they are sent. */
  async mailSignInLinks(email: string): Promise<number> {
    const memberships = await this.deps.prisma.member.findMany({ where: { email }, include: { organization: { select: { name: true, status: true } } } });
    let sent = 0;
    for (const member of memberships) {
      if (member.organization.status !== 'ACTIVE') continue;
      const token = await this.deps.uow.run({ type: 'system' }, member.organizationId, (w) => this.createLink(w, member.id, SIGN_IN_LINK_TTL_MS));
      await this.mailSignIn(email, member.organization.name, token);
      sent++;
    }
    return sent;
  }

  /** What the link's page shows (GET: nothing is used up, so mail scanners that prefetch links change nothing). */
  async viewSignIn(token: string): Promise<SignInView> {
    const found = await this.findLink(token);
    if ('state' in found) return found;
    return { state: 'OPEN', email: found.member.email, organizationName: found.member.organization.name };
  }

  /**
   * Redeems a link (the POST of its page): used up atomically, so of two tabs exactly one signs
   * in. When the request already carries a live session of the same member (`currentSessionKeyId`),
   * that session is refreshed for the step-up instead of opening another.
   */
  async redeem(token: string, currentSessionKeyId: string | undefined, device: string, ip: string | null): Promise<SignedIn> {
    const found = await this.findLink(token);
    if ('state' in found) return found;
    const { member } = found;
    const now = this.deps.clock.now();
    return this.deps.uow.run({ type: 'system' }, member.organizationId, async (w) => {
      const { count } = await w.tx.signInLink.updateMany({ where: { id: found.id, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
      if (count !== 1) return { state: 'USED' as const };
      const current = await w.tx.member.findUnique({ where: { id: member.id } });
      if (!current) return { state: 'UNKNOWN' as const };
      const own = currentSessionKeyId
        ? await w.tx.apiKey.findFirst({ where: { keyId: currentSessionKeyId, kind: 'MEMBER', memberId: member.id, ...activeWhere(now) } })
        : null;
      let token: string | null = null;
      let session = own;
      if (own) {
        session = await w.tx.apiKey.update({ where: { id: own.id }, data: { authenticatedAt: now } });
        w.afterCommit(() => this.deps.listener.keyChanged(own.keyId));
      } else {
        const opened = await this.deps.apiKeys.openMemberSession(w, { id: member.id, organizationId: member.organizationId }, device);
        ({ key: session, secret: token } = opened);
      }
      const signedIn = await w.tx.member.update({ where: { id: member.id }, data: { lastSignInAt: now } });
      await w.audit({
        action: 'member.signed_in',
        targetType: 'member',
        targetId: member.id,
        details: { sessionKeyId: session!.keyId, ...(own && { stepUp: true }) },
        member: { id: member.id, sessionKeyId: session!.keyId, ip },
      });
      return { state: 'SIGNED_IN' as const, member: signedIn, organization: member.organization, token, expiresAt: session!.expiresAt! };
    });
  }

  /** Ends the member's current session (its cookie is refused from the next request on, everywhere). */
  async signOut(caller: Caller): Promise<void> {
    const member = authorizeMember(caller, 'signIn.end');
    await this.deps.apiKeys.revokeSession(caller, { id: member.principal.apiKey.id });
  }

  /**
   * A sign-in link (256 bits; only its keyed hash is stored), for a link the first start prints
   * instead of mailing (the demo organization's OWNER): returns the link.
   */
  async signInLinkFor(w: Work, memberId: string): Promise<string> {
    return this.linkUrl(await this.createLink(w, memberId, SIGN_IN_LINK_TTL_MS));
  }

  /**
   * Forgets what can no longer sign anyone in: links and members' sessions that expired, were
   * used or ended more than a day ago (a day of them stays for support questions). Returns how many.
   */
  async prune(): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - 24 * 3600 * 1000);
    const links = await this.deps.prisma.signInLink.deleteMany({ where: { OR: [{ expiresAt: { lt: before } }, { usedAt: { lt: before } }] } });
    // Every member's session has its member: the memberId index finds them (api_keys holds every key ever made).
    const sessions = await this.deps.prisma.apiKey.deleteMany({
      where: { kind: 'MEMBER', memberId: { not: null }, OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] },
    });
    return links.count + sessions.count;
  }

  // -- helpers ------------------------------------------------------------------------------------

  private organizationOf(caller: Caller, named: string | undefined): string {
    if (caller.type === 'member') {
      if (named !== undefined && named !== caller.principal.organization.id) throw new NotFoundError('Organization');
      return caller.principal.organization.id;
    }
    if (named === undefined) throw new AccessError('FORBIDDEN', 'The operator must name the organization (organizationId)');
    return named;
  }

  /** A change to one member the caller may manage: another organization's reads as missing. */
  private onMember<T>(caller: Caller, id: string, change: (w: Work, member: Member) => Promise<T>): Promise<T> {
    return this.deps.uow.run(
      caller,
      async (tx) => {
        const where = caller.type === 'member' ? { id, organizationId: caller.principal.organization.id } : { id };
        const found = await tx.member.findFirst({ where, select: { organizationId: true } });
        if (!found) throw new NotFoundError('Member');
        return found.organizationId;
      },
      async (w) => {
        const member = await w.tx.member.findUnique({ where: { id } });
        if (!member) throw new NotFoundError('Member');
        return change(w, member);
      },
    );
  }

  /** Under the organization's lock: refused when `memberId` is its only OWNER. */
  private async keepAnOwner(w: Work, memberId: string): Promise<void> {
    const others = await w.tx.member.count({ where: { organizationId: w.organizationId, role: 'OWNER', id: { not: memberId } } });
    if (others === 0) throw new InvalidStateError('An organization keeps at least one OWNER: make another member OWNER first');
  }

  /**
   * Ends a member's sessions (`end`) or only makes every instance read its role again; either
   * way its sessions' cache entries go after commit, and its sockets are closed by the registry.
   */
  private async endSessions(w: Work, memberId: string, end: boolean): Promise<number> {
    const now = this.deps.clock.now();
    const sessions = await w.tx.apiKey.findMany({ where: { memberId, kind: 'MEMBER', ...activeWhere(now) }, select: { keyId: true } });
    if (end && sessions.length > 0) await w.tx.apiKey.updateMany({ where: { memberId, kind: 'MEMBER', revokedAt: null }, data: { revokedAt: now } });
    w.afterCommit(() => {
      for (const { keyId } of sessions) this.deps.listener.keyChanged(keyId);
    });
    return sessions.length;
  }

  private async createLink(w: Work, memberId: string, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await w.tx.signInLink.create({
      data: { memberId, tokenHash: new Uint8Array(hashKey(this.deps.pepper, token)), expiresAt: new Date(this.deps.clock.now().getTime() + ttlMs) },
    });
    return token;
  }

  private linkUrl(token: string): string {
    return `${this.deps.publicUrl}/dashboard/sign-in/${token}`;
  }

  private async findLink(token: string) {
    if (!SIGN_IN_TOKEN.test(token)) return { state: 'UNKNOWN' as const };
    const found = await this.deps.prisma.signInLink.findUnique({
      where: { tokenHash: new Uint8Array(hashKey(this.deps.pepper, token)) },
      include: { member: { include: { organization: true } } },
    });
    if (!found) return { state: 'UNKNOWN' as const };
    if (found.usedAt) return { state: 'USED' as const };
    if (found.expiresAt.getTime() <= this.deps.clock.now().getTime()) return { state: 'EXPIRED' as const };
    if (found.member.organization.status !== 'ACTIVE') return { state: 'UNKNOWN' as const };
    return found;
  }

  private async mailInvitation(email: string, organizationName: string, role: MemberRole, token: string): Promise<void> {
    await this.deps.mailer.send({
      to: email,
      subject: `You are invited to ${organizationName} on Keyward`,
      text: [
        `You were added to ${organizationName} as ${role}.`,
        '',
        'Sign in to the dashboard here (the link works once, for 24 hours):',
        this.linkUrl(token),
        '',
        'Later, ask for a sign-in link on the dashboard with this email address.',
      ].join('\n'),
    });
  }

  private async mailSignIn(email: string, organizationName: string, token: string): Promise<void> {
    await this.deps.mailer.send({
      to: email,
      subject: `Your sign-in link for ${organizationName}`,
      text: [
        `Sign in to ${organizationName} on Keyward here (the link works once, for 15 minutes):`,
        this.linkUrl(token),
        '',
        'If you did not ask for this, ignore this email: nobody can sign in without the link.',
      ].join('\n'),
    });
  }
}
