import type { LiveAccess, Organization, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { Environment } from '../../generated/prisma/enums.ts';
import { ALL_PERMISSIONS, type ApiKeyService, type IssuedKey, type KeyChangeListener } from '../api-key/api-key.service.ts';
import { authorize } from '../access/policy.ts';
import type { Caller } from '../caller.ts';
import type { EnvironmentSecret, SigningService } from '../signing/signing.service.ts';
import type { UnitOfWork, Work } from '../unit-of-work.ts';
import type { MemberService } from '../member/member.service.ts';
import type { Member } from '../../generated/prisma/client.ts';
import { parseInput } from '../validation.ts';
import { publicId } from '../webhooks/webhook-payloads.ts';
import { createOrganizationInput, updateOrganizationInput } from './organization.schemas.ts';

export interface CreatedOrganization extends IssuedKey {
  organization: Organization;
  /** The signing secret of the first key's environment. */
  signingSecret: string;
  /** Both environments' signing secrets, TEST then LIVE: each verifies and signs for its own environment only. */
  signingSecrets: EnvironmentSecret[];
  /** The first OWNER (`ownerEmail`), invited by mail after commit. */
  owner: Member | null;
}

export class OrganizationService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly apiKeys: ApiKeyService,
    private readonly listener: KeyChangeListener,
    private readonly uow: UnitOfWork,
    private readonly signing: SigningService,
    private readonly members: MemberService,
  ) {}

  /** An organization, its first partner key (every permission) and its TEST and LIVE signing secrets, in one transaction. */
  async create(caller: Caller, rawInput: unknown): Promise<CreatedOrganization> {
    authorize(caller, 'organizations.write');
    const input = parseInput(createOrganizationInput, rawInput);
    let organization!: Organization;
    const creating = async (tx: Prisma.TransactionClient) => {
      organization = await tx.organization.create({ data: { name: input.name, liveAccess: input.liveAccess } });
      return organization.id;
    };
    return this.uow.run(caller, creating, async (w) => {
      const { tx } = w;
      await w.audit({
        action: 'organization.created',
        targetType: 'organization',
        targetId: organization.id,
        details: { name: organization.name, liveAccess: organization.liveAccess },
      });
      const issued = await this.apiKeys.issueKey(w, caller, {
        kind: 'PARTNER',
        organizationId: organization.id,
        name: input.keyName,
        environment: input.environment,
        permissions: ALL_PERMISSIONS,
        allowedIps: [],
        expiresAt: null,
      });
      const signingSecrets = await this.signing.createPerEnvironment(tx, organization.id);
      const signingSecret = signingSecrets.find((s) => s.environment === input.environment)!.signingSecret;
      const owner = input.ownerEmail ? await this.members.add(w, input.ownerEmail, 'OWNER', { invite: input.inviteOwner }) : null;
      return { organization, ...issued, signingSecret, signingSecrets, owner };
    });
  }

  /**
   * The operator changes an organization. Opening or closing LIVE (`liveAccess`) is a change of
   * its own: an audit row `organization.live_access_changed` and an event in both environments,
   * so a partner still integrating in TEST learns that LIVE opened. Closing it again stops new
   * LIVE keys and connections; the LIVE keys it has keep working (status INACTIVE stops them).
   */
  async update(caller: Caller, rawInput: unknown): Promise<Organization> {
    authorize(caller, 'organizations.write');
    const { id, liveAccess, ...input } = parseInput(updateOrganizationInput, rawInput);
    const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
    return this.uow.run(caller, id, async (w) => {
      const previous = w.organization.liveAccess;
      const updated = await w.tx.organization.update({ where: { id }, data: { ...changes, ...(liveAccess && { liveAccess }) } });
      if (Object.keys(changes).length > 0) {
        await w.audit({
          action: 'organization.updated',
          targetType: 'organization',
          targetId: id,
          details: { changed: Object.keys(changes), ...changes },
        });
      }
      if (liveAccess !== undefined && liveAccess !== previous) await this.liveAccessChanged(w, previous, liveAccess);
      w.afterCommit(() => this.listener.organizationChanged(id));
      return updated;
    });
  }

  private async liveAccessChanged(w: Work, from: LiveAccess, to: LiveAccess): Promise<void> {
    const { organizationId } = w;
    await w.audit({ action: 'organization.live_access_changed', targetType: 'organization', targetId: organizationId, details: { from, to } });
    const data = { organizationId: publicId('Organization', organizationId), liveAccess: to, previousLiveAccess: from };
    await w.emit(Object.values(Environment).map((environment) => ({ organizationId, environment, type: 'ORGANIZATION_LIVE_ACCESS_CHANGED' as const, data })));
  }

  get(id: string): Promise<Organization | null> {
    return this.prisma.organization.findUnique({ where: { id } });
  }
}
