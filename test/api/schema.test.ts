import { readFileSync } from 'node:fs';
import { getNamedType, isEnumType, isInterfaceType, isObjectType, isUnionType, lexicographicSortSchema, printSchema, type GraphQLField } from 'graphql';
import { describe, expect, it } from 'vitest';
import { POSSIBLE_TYPES } from '../../dashboard/src/possible-types.ts';
import { schema } from '../../src/graphql/schema.ts';

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run schema:print`)', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(`${printSchema(lexicographicSortSchema(schema))}\n`);
  });

  it("gives the dashboard's cache every interface with the types behind it (so `... on Error` matches a payload error)", () => {
    const interfaces = Object.values(schema.getTypeMap()).filter(isInterfaceType);
    const possible = Object.fromEntries(
      interfaces.map((type) => [
        type.name,
        schema
          .getPossibleTypes(type)
          .map((t) => t.name)
          .sort(),
      ]),
    );
    expect(POSSIBLE_TYPES).toEqual(possible);
  });

  it('guards every root field with auth scopes', () => {
    const unguarded: string[] = [];
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      for (const field of Object.values(root?.getFields() ?? {}) as GraphQLField<unknown, unknown>[]) {
        const options = field.extensions?.pothosOptions as { authScopes?: unknown } | undefined;
        if (!options?.authScopes) unguarded.push(`${root!.name}.${field.name}`);
      }
    }
    expect(unguarded).toEqual([]);
  });

  it('exposes no hash, pepper or ciphertext, and `secret` only on the payloads that create a key', () => {
    const offending: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const name = field.name.toLowerCase();
        if (/hash|pepper|encrypt|cipher/.test(name)) offending.push(`${type.name}.${field.name}`);
        if (name === 'secret' && !/^(Create|Rotate)\w*Success$/.test(type.name)) offending.push(`${type.name}.${field.name}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('keeps the names docs/api.md fixes', () => {
    const enumValues = (name: string) => {
      const type = schema.getType(name);
      if (!isEnumType(type)) throw new Error(`${name} is not an enum`);
      return type
        .getValues()
        .map((v) => v.name)
        .sort();
    };
    expect(enumValues('Environment')).toEqual(['LIVE', 'TEST']);
    // Issue 15: a member's dashboard session is a key of kind MEMBER.
    expect(enumValues('ApiKeyKind')).toEqual(['MEMBER', 'PARTNER', 'SESSION', 'USER']);
    expect(enumValues('MemberRole')).toEqual(['ADMIN', 'DEVELOPER', 'OWNER', 'VIEWER']);
    expect(enumValues('ActorKind')).toContain('MEMBER');
    expect(enumValues('Permission')).toHaveLength(10);
    expect(enumValues('ErrorCode')).toEqual(
      [
        'UNAUTHENTICATED',
        'IP_NOT_ALLOWED',
        'ORG_INACTIVE',
        'FORBIDDEN',
        'ENV_MISMATCH',
        'RATE_LIMITED',
        'SIGNATURE_REQUIRED',
        'SIGNATURE_INVALID',
        'VALIDATION_FAILED',
        'NOT_FOUND',
        'KEY_LIMIT_REACHED',
        'CAPABILITY_DISABLED',
        'INVALID_STATE',
        'INTERNAL_SERVER_ERROR',
        // Added by Keyward: a query over its deadline, the database away (both 503).
        'TIMEOUT',
        'UNAVAILABLE',
        // Issue 13: a relay argument refused (cursor, first/last, global ID), top-level.
        'BAD_USER_INPUT',
        // Issue 14: LIVE not enabled yet for the organization (typed, in payloads).
        'LIVE_ACCESS_PENDING',
        // Issue 15: members' cookie requests without the CSRF header; a sensitive action without a recent sign-in.
        'CSRF_REQUIRED',
        'REAUTHENTICATION_REQUIRED',
      ].sort(),
    );
    expect(enumValues('LiveAccess')).toEqual(['ENABLED', 'PENDING']);
    const organization = schema.getType('Organization');
    if (!isObjectType(organization)) throw new Error('Organization missing');
    expect(String(organization.getFields().liveAccess?.type)).toBe('LiveAccess!');
    // The typed refusal is a member of the payload of every mutation that can make something new in LIVE.
    for (const payload of ['CreatePartnerKeyPayload', 'RotatePartnerKeyPayload', 'CreateUserKeyPayload', 'RotateUserKeyPayload', 'ConnectUserPayload']) {
      const union = schema.getType(payload);
      if (!isUnionType(union)) throw new Error(`${payload} is not a union`);
      expect(union.getTypes().map((t) => t.name)).toContain('LiveAccessPendingError');
    }
    const apiKey = schema.getType('ApiKey');
    if (!isObjectType(apiKey)) throw new Error('ApiKey missing');
    expect(Object.keys(apiKey.getFields()).sort()).toEqual(
      expect.arrayContaining([
        'id',
        'keyId',
        'kind',
        'name',
        'environment',
        'permissions',
        'allowedIps',
        'allowedRecipients',
        'expiresAt',
        'revokedAt',
        'lastUsedAt',
        'createdAt',
        'active',
      ]),
    );
    const mutations = schema.getMutationType()!.getFields();
    for (const name of ['createPartnerKey', 'updatePartnerKey', 'rotatePartnerKey', 'revokePartnerKey', 'createOrganization', 'updateOrganization']) {
      const field = mutations[name]!;
      expect(getNamedType(field.type).name).toBe(`${name[0]!.toUpperCase()}${name.slice(1)}Payload`);
      expect(getNamedType(field.args[0]!.type).name).toBe(`${name[0]!.toUpperCase()}${name.slice(1)}Input`);
    }
    const queries = schema.getQueryType()!.getFields();
    for (const name of ['node', 'viewer', 'partnerKeys', 'auditEvents']) expect(queries[name]).toBeDefined();
  });
});
