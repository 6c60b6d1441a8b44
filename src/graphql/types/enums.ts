import {
  ActorKind,
  ApiKeyKind,
  Environment,
  LiveAccess,
  OrganizationStatus,
  Permission,
  UserKeyRecovery,
} from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';

export const EnvironmentEnum = builder.enumType(Environment, { name: 'Environment' });
export const ApiKeyKindEnum = builder.enumType(ApiKeyKind, { name: 'ApiKeyKind' });
export const PermissionEnum = builder.enumType(Permission, { name: 'Permission' });
export const OrganizationStatusEnum = builder.enumType(OrganizationStatus, { name: 'OrganizationStatus' });
export const LiveAccessEnum = builder.enumType(LiveAccess, {
  name: 'LiveAccess',
  description: "Whether the organization's LIVE environment is open: PENDING until the platform operator enables it",
});
export const UserKeyRecoveryEnum = builder.enumType(UserKeyRecovery, { name: 'UserKeyRecovery' });
export const ActorKindEnum = builder.enumType(ActorKind, { name: 'ActorKind' });
