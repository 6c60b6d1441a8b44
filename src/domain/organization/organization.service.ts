import type { Organization, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { ALL_PERMISSIONS, type ApiKeyService, type IssuedKey, type KeyChangeListener } from '../api-key/api-key.service.ts';
import { authorize } from '../access/policy.ts';
import type { Caller } from '../caller.ts';
import type { EnvironmentSecret, SigningService } from '../signing/signing.service.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { parseInput } from '../validation.ts';
import { createOrganizationInput, updateOrganizationInput } from './organization.schemas.ts';

export interface CreatedOrganization extends IssuedKey {
  organization: Organization;
  /** The signing secret of the first key's environment. */
  signingSecret: string;
  /** Both environments' signing secrets, TEST then LIVE: each verifies and signs for its own environment only. */
  signingSecrets: EnvironmentSecret[];
}

export class OrganizationService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly apiKeys: ApiKeyService,
    private readonly listener: KeyChangeListener,
    private readonly uow: UnitOfWork,
    private readonly signing: SigningService,
  ) {}

  /** An organization, its first partner key (every permission) and its TEST and LIVE signing secrets, in one transaction. */
  async create(caller: Caller, rawInput: unknown): Promise<CreatedOrganization> {
    authorize(caller, 'organizations.write');
    const input = parseInput(createOrganizationInput, rawInput);
    let organization!: Organization;
    const creating = async (tx: Prisma.TransactionClient) => {
      organization = await tx.organization.create({ data: { name: input.name } });
      return organization.id;
    };
    return this.uow.run(caller, creating, async (w) => {
      const { tx } = w;
      await w.audit({
        action: 'organization.created',
        targetType: 'organization',
        targetId: organization.id,
        details: { name: organization.name },
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
      return { organization, ...issued, signingSecret, signingSecrets };
    });
  }

  async update(caller: Caller, rawInput: unknown): Promise<Organization> {
    authorize(caller, 'organizations.write');
    const { id, ...changes } = parseInput(updateOrganizationInput, rawInput);
    return this.uow.run(caller, id, async ({ tx, audit, afterCommit }) => {
      const updated = await tx.organization.update({ where: { id }, data: changes });
      await audit({
        action: 'organization.updated',
        targetType: 'organization',
        targetId: id,
        details: { changed: Object.keys(changes), ...changes },
      });
      afterCommit(() => this.listener.organizationChanged(id));
      return updated;
    });
  }

  get(id: string): Promise<Organization | null> {
    return this.prisma.organization.findUnique({ where: { id } });
  }
}
