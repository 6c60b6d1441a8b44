import { randomUUID } from 'node:crypto';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { generateKey } from '../../src/domain/api-key/key-format.ts';
import type { Currency, Permission } from '../../src/generated/prisma/enums.ts';
import { CreateOrganization, CreatePartnerKey, RevokePartnerKey, UpdateOrganization } from '../api/operations.ts';
import type { TestApp } from './app.ts';
import { admin, gql, partner } from './client.ts';

export interface OrgFixture {
  /** The global ID, as clients see it. */
  organizationId: string;
  /** The database id, as the domain services take it. */
  organizationUuid: string;
  /** The first partner key: every permission. */
  secret: string;
  keyId: string;
  keyGlobalId: string;
  /** The organization's signing secret (`whsec_…`): signs requests, verifies webhooks. */
  signingSecret: string;
}

/**
 * A fresh organization through the operator API, so every test owns its data. Its LIVE access
 * is PENDING, as for any new organization, unless `liveAccess` says ENABLED.
 */
export async function newOrganization(
  app: TestApp,
  options: { environment?: 'TEST' | 'LIVE'; name?: string; liveAccess?: 'PENDING' | 'ENABLED' } = {},
): Promise<OrgFixture> {
  const res = await gql(
    app,
    CreateOrganization,
    {
      input: {
        name: options.name ?? `Org ${randomUUID().slice(0, 8)}`,
        environment: options.environment ?? 'TEST',
        ...(options.liveAccess && { liveAccess: options.liveAccess }),
      },
    },
    { headers: admin(app) },
  );
  const payload = res.data?.createOrganization;
  if (payload?.__typename !== 'CreateOrganizationSuccess') throw new Error(`createOrganization failed: ${JSON.stringify(res)}`);
  return {
    organizationId: payload.organization.id,
    organizationUuid: decodeGlobalID(payload.organization.id).id,
    secret: payload.secret,
    keyId: payload.key.keyId,
    keyGlobalId: payload.key.id,
    signingSecret: payload.signingSecret,
  };
}

/** The operator opens (ENABLED) or closes (PENDING) an organization's LIVE environment. */
export async function setLiveAccess(app: TestApp, organizationId: string, liveAccess: 'PENDING' | 'ENABLED'): Promise<void> {
  const res = await gql(app, UpdateOrganization, { input: { id: organizationId, liveAccess } }, { headers: admin(app) });
  if (res.data?.updateOrganization.__typename !== 'UpdateOrganizationSuccess') throw new Error(`updateOrganization failed: ${JSON.stringify(res)}`);
}

export interface KeyFixture {
  secret: string;
  id: string;
  keyId: string;
}

export async function newPartnerKey(
  app: TestApp,
  ownerSecret: string,
  input: { name?: string; permissions?: Permission[]; currencies?: Currency[]; allowedIps?: string[]; expiresAt?: string } = {},
): Promise<KeyFixture> {
  const res = await gql(
    app,
    CreatePartnerKey,
    { input: { name: input.name ?? 'Fixture key', permissions: input.permissions ?? ['KEYS_READ'], ...input } },
    { headers: partner(ownerSecret) },
  );
  const payload = res.data?.createPartnerKey;
  if (payload?.__typename !== 'CreatePartnerKeySuccess') throw new Error(`createPartnerKey failed: ${JSON.stringify(res)}`);
  return { secret: payload.secret, id: payload.key.id, keyId: payload.key.keyId };
}

export async function revokeKey(app: TestApp, ownerSecret: string, id: string): Promise<void> {
  const res = await gql(app, RevokePartnerKey, { input: { id } }, { headers: partner(ownerSecret) });
  if (res.data?.revokePartnerKey.__typename !== 'RevokePartnerKeySuccess') {
    throw new Error(`revokePartnerKey failed: ${JSON.stringify(res)}`);
  }
}

/** A key that is well formed (valid checksum) but was never issued. */
export function unknownKey(): string {
  return generateKey('ptr', 'test').token;
}

/** The key with its last character changed: always different from the original. */
export function tampered(secret: string): string {
  const last = secret.at(-1);
  return secret.slice(0, -1) + (last === 'x' ? 'y' : 'x');
}
