import type { Organization, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { ALL_PERMISSIONS, type ApiKeyService, type IssuedKey, type KeyChangeListener } from '../api-key/api-key.service.ts';
import { authorize } from '../access/policy.ts';
import type { Caller } from '../caller.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import type { SigningService } from '../signing/signing.service.ts';
import { parseInput } from '../validation.ts';
import { createOrganizationInput, updateOrganizationInput } from './organization.schemas.ts';

export class OrganizationService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly apiKeys: ApiKeyService,
    private readonly listener: KeyChangeListener,
    private readonly uow: UnitOfWork,
    private readonly signing: SigningService,
  ) {}

  /** An organization and its first partner key (every permission), in one transaction. */
  async create(caller: Caller, rawInput: unknown): Promise<IssuedKey & { organization: Organization; signingSecret: string }> {
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
      const signingSecret = await this.signing.create(tx, organization.id);
      return { organization, ...issued, signingSecret };
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
