import type { Organization, PrismaClient } from '../../generated/prisma/client.ts';
import { ALL_PERMISSIONS, type ApiKeyService, type IssuedKey, type KeyChangeListener } from '../api-key/api-key.service.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Caller } from '../caller.ts';
import { NotFoundError } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import type { EnvironmentSecret, SigningService } from '../signing/signing.service.ts';
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
    private readonly events: EventLog,
    private readonly signing: SigningService,
  ) {}

  /** An organization, its first partner key (every permission) and its TEST and LIVE signing secrets, in one transaction. */
  async create(caller: Caller, rawInput: unknown): Promise<CreatedOrganization> {
    const input = parseInput(createOrganizationInput, rawInput);
    return this.events.transaction(async (tx) => {
      const organization = await tx.organization.create({ data: { name: input.name } });
      await recordAudit(tx, caller, {
        organizationId: organization.id,
        action: 'organization.created',
        targetType: 'organization',
        targetId: organization.id,
        details: { name: organization.name },
      });
      const issued = await this.apiKeys.issueKey(tx, caller, {
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
    const { id, ...changes } = parseInput(updateOrganizationInput, rawInput);
    const organization = await this.prisma.$transaction(async (tx) => {
      const existing = await tx.organization.findUnique({ where: { id } });
      if (!existing) throw new NotFoundError('Organization');
      const updated = await tx.organization.update({ where: { id }, data: changes });
      await recordAudit(tx, caller, {
        organizationId: id,
        action: 'organization.updated',
        targetType: 'organization',
        targetId: id,
        details: { changed: Object.keys(changes), ...changes },
      });
      return updated;
    });
    this.listener.organizationChanged(id);
    return organization;
  }

  get(id: string): Promise<Organization | null> {
    return this.prisma.organization.findUnique({ where: { id } });
  }
}
