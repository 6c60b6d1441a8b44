import { ActorKind, ApiKeyKind, Currency, Environment, LiveAccess, OrganizationStatus, Permission, UserKeyRecovery } from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';

export const EnvironmentEnum = builder.enumType(Environment, { name: 'Environment' });
export const ApiKeyKindEnum = builder.enumType(ApiKeyKind, { name: 'ApiKeyKind' });
export const PermissionEnum = builder.enumType(Permission, { name: 'Permission' });
export const CurrencyEnum = builder.enumType(Currency, {
  name: 'Currency',
  description: 'What money a key may move: FIAT (EUR to and from IBANs), CRYPTO (Bitcoin to and from Bitcoin addresses)',
});

/** The currencies input of key creation and update. */
export const CURRENCIES_INPUT = 'What money the key may move, at least one; omitted on creation: both';
export const OrganizationStatusEnum = builder.enumType(OrganizationStatus, { name: 'OrganizationStatus' });
export const LiveAccessEnum = builder.enumType(LiveAccess, {
  name: 'LiveAccess',
  description: "Whether the organization's LIVE environment is open: PENDING until the platform operator enables it",
});
export const UserKeyRecoveryEnum = builder.enumType(UserKeyRecovery, { name: 'UserKeyRecovery' });
export const ActorKindEnum = builder.enumType(ActorKind, { name: 'ActorKind' });
