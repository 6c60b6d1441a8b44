import {
  ActorKind,
  ApiKeyKind,
  Environment,
  OrganizationStatus,
  Permission,
  UserKeyRecovery,
} from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';

export const EnvironmentEnum = builder.enumType(Environment, { name: 'Environment' });
export const ApiKeyKindEnum = builder.enumType(ApiKeyKind, { name: 'ApiKeyKind' });
export const PermissionEnum = builder.enumType(Permission, { name: 'Permission' });
export const OrganizationStatusEnum = builder.enumType(OrganizationStatus, { name: 'OrganizationStatus' });
export const UserKeyRecoveryEnum = builder.enumType(UserKeyRecovery, { name: 'UserKeyRecovery' });
export const ActorKindEnum = builder.enumType(ActorKind, { name: 'ActorKind' });
