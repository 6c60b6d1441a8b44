/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Me {\n    viewer {\n      kind\n      member { id email role }\n      organization { id name liveAccess }\n    }\n  }\n": typeof types.MeDocument,
    "\n  mutation SignOut {\n    signOut { signedOut }\n  }\n": typeof types.SignOutDocument,
    "\n  mutation RequestSignInLink($email: String!) {\n    requestSignInLink(input: { email: $email }) {\n      __typename\n      ... on RequestSignInLinkSuccess { message }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RequestSignInLinkDocument,
    "\n  query ConnectionDetail($id: ID!, $first: Int!, $after: String) {\n    node(id: $id) {\n      __typename\n      ... on Connection {\n        id\n        email\n        ref\n        status\n        direction\n        environment\n        depositIban\n        depositAddress\n        createdAt\n        updatedAt\n        keys(first: $first, after: $after) {\n          totalCount\n          pageInfo { hasNextPage endCursor }\n          edges { node { ...KeyRow allowedRecipients } }\n        }\n      }\n    }\n  }\n": typeof types.ConnectionDetailDocument,
    "\n  mutation CreateUserKey($input: CreateUserKeyInput!) {\n    createUserKey(input: $input) {\n      __typename\n      ... on CreateUserKeySuccess { secret key { ...KeyRow allowedRecipients } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.CreateUserKeyDocument,
    "\n  mutation RotateUserKey($input: RotateUserKeyInput!) {\n    rotateUserKey(input: $input) {\n      __typename\n      ... on RotateUserKeySuccess { secret key { ...KeyRow allowedRecipients } previous { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RotateUserKeyDocument,
    "\n  mutation UpdateUserKey($input: UpdateUserKeyInput!) {\n    updateUserKey(input: $input) {\n      __typename\n      ... on UpdateUserKeySuccess { key { ...KeyRow allowedRecipients } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.UpdateUserKeyDocument,
    "\n  mutation RevokeUserKey($input: RevokeUserKeyInput!) {\n    revokeUserKey(input: $input) {\n      __typename\n      ... on RevokeUserKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RevokeUserKeyDocument,
    "\n  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {\n    revokeAllUserKeys(input: $input) {\n      __typename\n      ... on RevokeAllUserKeysSuccess { revokedCount }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RevokeAllUserKeysDocument,
    "\n  mutation DisconnectUser($input: DisconnectUserInput!) {\n    disconnectUser(input: $input) {\n      __typename\n      ... on DisconnectUserSuccess { connection { id status updatedAt } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.DisconnectUserDocument,
    "\n  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {\n    advanceSandboxConnection(input: $input) {\n      __typename\n      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status updatedAt depositIban depositAddress } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.AdvanceSandboxConnectionDocument,
    "\n  query ConnectionsList($first: Int!, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {\n    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id email ref status direction createdAt updatedAt } }\n    }\n  }\n": typeof types.ConnectionsListDocument,
    "\n  subscription ConnectionEvents($after: String) {\n    connectionEvents(after: $after) { cursor status connection { id status updatedAt } }\n  }\n": typeof types.ConnectionEventsDocument,
    "\n  mutation ConnectUser($input: ConnectUserInput!) {\n    connectUser(input: $input) {\n      __typename\n      ... on ConnectUserSuccess { apiKey connection { id email status } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.ConnectUserDocument,
    "\n  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {\n    createSandboxUser(input: $input) {\n      __typename\n      ... on CreateSandboxUserSuccess { apiKey connection { id email status } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.CreateSandboxUserDocument,
    "\n  fragment KeyRow on ApiKey {\n    id\n    keyId\n    name\n    permissions\n    currencies\n    allowedIps\n    expiresAt\n    lastUsedAt\n    active\n    revokedAt\n    createdAt\n  }\n": typeof types.KeyRowFragmentDoc,
    "\n  query PartnerKeys($first: Int!, $after: String, $includeInactive: Boolean) {\n    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...KeyRow } }\n    }\n  }\n": typeof types.PartnerKeysDocument,
    "\n  subscription KeyEvents($after: String) {\n    apiKeyEvents(after: $after) { cursor type }\n  }\n": typeof types.KeyEventsDocument,
    "\n  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {\n    createPartnerKey(input: $input) {\n      __typename\n      ... on CreatePartnerKeySuccess { secret key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.CreatePartnerKeyDocument,
    "\n  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) {\n      __typename\n      ... on UpdatePartnerKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.UpdatePartnerKeyDocument,
    "\n  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {\n    rotatePartnerKey(input: $input) {\n      __typename\n      ... on RotatePartnerKeySuccess { secret key { ...KeyRow } previous { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RotatePartnerKeyDocument,
    "\n  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {\n    revokePartnerKey(input: $input) {\n      __typename\n      ... on RevokePartnerKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RevokePartnerKeyDocument,
    "\n  query RequestLogs($first: Int!, $after: String, $keyId: String, $outcome: String, $from: DateTime, $to: DateTime, $includeMembers: Boolean) {\n    requestLogs(first: $first, after: $after, keyId: $keyId, outcome: $outcome, from: $from, to: $to, includeMembers: $includeMembers) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id keyId memberId operationName operationType outcome httpStatus ip durationMs createdAt } }\n    }\n  }\n": typeof types.RequestLogsDocument,
    "\n  query AuditEvents($first: Int!, $after: String, $keyId: String, $actorKind: ActorKind, $action: String, $from: DateTime, $to: DateTime) {\n    auditEvents(first: $first, after: $after, keyId: $keyId, actorKind: $actorKind, action: $action, from: $from, to: $to) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id action actorKind actorKeyId targetType targetId environment ip details createdAt } }\n    }\n  }\n": typeof types.AuditEventsDocument,
    "\n  query OrganizationSettings {\n    viewer {\n      organization {\n        id\n        name\n        status\n        liveAccess\n        rateLimitRequests\n        rateLimitWindowSeconds\n        sessionIdleTimeoutSeconds\n        disabledPermissions\n        userKeyRecovery\n        createdAt\n        updatedAt\n      }\n    }\n  }\n": typeof types.OrganizationSettingsDocument,
    "\n  fragment SessionRow on ApiKey {\n    id\n    keyId\n    kind\n    name\n    createdAt\n    lastUsedAt\n    expiresAt\n    member { id email }\n    openedWith { id name }\n  }\n": typeof types.SessionRowFragmentDoc,
    "\n  fragment MemberRow on Member {\n    id\n    email\n    role\n    createdAt\n    lastSignInAt\n  }\n": typeof types.MemberRowFragmentDoc,
    "\n  query CurrentSession {\n    viewer { key { id } }\n  }\n": typeof types.CurrentSessionDocument,
    "\n  query Sessions($kind: ApiKeyKind!, $first: Int!, $after: String) {\n    sessions(kind: $kind, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...SessionRow } }\n    }\n  }\n": typeof types.SessionsDocument,
    "\n  subscription SessionKeyEvents($after: String) {\n    apiKeyEvents(after: $after) { cursor type }\n  }\n": typeof types.SessionKeyEventsDocument,
    "\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...MemberRow } }\n    }\n  }\n": typeof types.MembersDocument,
    "\n  mutation RevokeSession($input: RevokeSessionInput!) {\n    revokeSession(input: $input) {\n      __typename\n      ... on RevokeSessionSuccess { session { ...SessionRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RevokeSessionDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      __typename\n      ... on InviteMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.InviteMemberDocument,
    "\n  mutation UpdateMember($input: UpdateMemberInput!) {\n    updateMember(input: $input) {\n      __typename\n      ... on UpdateMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.UpdateMemberDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      __typename\n      ... on RemoveMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RemoveMemberDocument,
    "\n  fragment EndpointRow on WebhookEndpoint {\n    id\n    url\n    eventTypes\n    enabled\n    disabledReason\n    createdAt\n  }\n": typeof types.EndpointRowFragmentDoc,
    "\n  query WebhookEndpoints($first: Int!) {\n    webhookEndpoints(first: $first) {\n      totalCount\n      edges { node { ...EndpointRow } }\n    }\n  }\n": typeof types.WebhookEndpointsDocument,
    "\n  query WebhookDeliveries($first: Int!, $after: String, $endpointId: ID) {\n    webhookDeliveries(first: $first, after: $after, endpointId: $endpointId) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node { id webhookId eventType url attempt manual state succeeded statusCode error nextAttemptAt attemptedAt }\n      }\n    }\n  }\n": typeof types.WebhookDeliveriesDocument,
    "\n  subscription WebhookDeliveryEvents {\n    webhookDeliveryEvents { type }\n  }\n": typeof types.WebhookDeliveryEventsDocument,
    "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { endpoint { ...EndpointRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.CreateWebhookEndpointDocument,
    "\n  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) {\n      __typename\n      ... on UpdateWebhookEndpointSuccess { endpoint { ...EndpointRow } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.UpdateWebhookEndpointDocument,
    "\n  mutation DeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {\n    deleteWebhookEndpoint(input: $input) {\n      __typename\n      ... on DeleteWebhookEndpointSuccess { deletedId }\n      ... on Error { code message }\n    }\n  }\n": typeof types.DeleteWebhookEndpointDocument,
    "\n  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { id attempt succeeded statusCode error state } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RedeliverWebhookDocument,
    "\n  mutation RotateSigningSecret($input: RotateSigningSecretInput!) {\n    rotateSigningSecret(input: $input) {\n      __typename\n      ... on RotateSigningSecretSuccess { signingSecret previousValidUntil environment }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RotateSigningSecretDocument,
};
const documents: Documents = {
    "\n  query Me {\n    viewer {\n      kind\n      member { id email role }\n      organization { id name liveAccess }\n    }\n  }\n": types.MeDocument,
    "\n  mutation SignOut {\n    signOut { signedOut }\n  }\n": types.SignOutDocument,
    "\n  mutation RequestSignInLink($email: String!) {\n    requestSignInLink(input: { email: $email }) {\n      __typename\n      ... on RequestSignInLinkSuccess { message }\n      ... on Error { code message }\n    }\n  }\n": types.RequestSignInLinkDocument,
    "\n  query ConnectionDetail($id: ID!, $first: Int!, $after: String) {\n    node(id: $id) {\n      __typename\n      ... on Connection {\n        id\n        email\n        ref\n        status\n        direction\n        environment\n        depositIban\n        depositAddress\n        createdAt\n        updatedAt\n        keys(first: $first, after: $after) {\n          totalCount\n          pageInfo { hasNextPage endCursor }\n          edges { node { ...KeyRow allowedRecipients } }\n        }\n      }\n    }\n  }\n": types.ConnectionDetailDocument,
    "\n  mutation CreateUserKey($input: CreateUserKeyInput!) {\n    createUserKey(input: $input) {\n      __typename\n      ... on CreateUserKeySuccess { secret key { ...KeyRow allowedRecipients } }\n      ... on Error { code message }\n    }\n  }\n": types.CreateUserKeyDocument,
    "\n  mutation RotateUserKey($input: RotateUserKeyInput!) {\n    rotateUserKey(input: $input) {\n      __typename\n      ... on RotateUserKeySuccess { secret key { ...KeyRow allowedRecipients } previous { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": types.RotateUserKeyDocument,
    "\n  mutation UpdateUserKey($input: UpdateUserKeyInput!) {\n    updateUserKey(input: $input) {\n      __typename\n      ... on UpdateUserKeySuccess { key { ...KeyRow allowedRecipients } }\n      ... on Error { code message }\n    }\n  }\n": types.UpdateUserKeyDocument,
    "\n  mutation RevokeUserKey($input: RevokeUserKeyInput!) {\n    revokeUserKey(input: $input) {\n      __typename\n      ... on RevokeUserKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": types.RevokeUserKeyDocument,
    "\n  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {\n    revokeAllUserKeys(input: $input) {\n      __typename\n      ... on RevokeAllUserKeysSuccess { revokedCount }\n      ... on Error { code message }\n    }\n  }\n": types.RevokeAllUserKeysDocument,
    "\n  mutation DisconnectUser($input: DisconnectUserInput!) {\n    disconnectUser(input: $input) {\n      __typename\n      ... on DisconnectUserSuccess { connection { id status updatedAt } }\n      ... on Error { code message }\n    }\n  }\n": types.DisconnectUserDocument,
    "\n  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {\n    advanceSandboxConnection(input: $input) {\n      __typename\n      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status updatedAt depositIban depositAddress } }\n      ... on Error { code message }\n    }\n  }\n": types.AdvanceSandboxConnectionDocument,
    "\n  query ConnectionsList($first: Int!, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {\n    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id email ref status direction createdAt updatedAt } }\n    }\n  }\n": types.ConnectionsListDocument,
    "\n  subscription ConnectionEvents($after: String) {\n    connectionEvents(after: $after) { cursor status connection { id status updatedAt } }\n  }\n": types.ConnectionEventsDocument,
    "\n  mutation ConnectUser($input: ConnectUserInput!) {\n    connectUser(input: $input) {\n      __typename\n      ... on ConnectUserSuccess { apiKey connection { id email status } }\n      ... on Error { code message }\n    }\n  }\n": types.ConnectUserDocument,
    "\n  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {\n    createSandboxUser(input: $input) {\n      __typename\n      ... on CreateSandboxUserSuccess { apiKey connection { id email status } }\n      ... on Error { code message }\n    }\n  }\n": types.CreateSandboxUserDocument,
    "\n  fragment KeyRow on ApiKey {\n    id\n    keyId\n    name\n    permissions\n    currencies\n    allowedIps\n    expiresAt\n    lastUsedAt\n    active\n    revokedAt\n    createdAt\n  }\n": types.KeyRowFragmentDoc,
    "\n  query PartnerKeys($first: Int!, $after: String, $includeInactive: Boolean) {\n    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...KeyRow } }\n    }\n  }\n": types.PartnerKeysDocument,
    "\n  subscription KeyEvents($after: String) {\n    apiKeyEvents(after: $after) { cursor type }\n  }\n": types.KeyEventsDocument,
    "\n  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {\n    createPartnerKey(input: $input) {\n      __typename\n      ... on CreatePartnerKeySuccess { secret key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": types.CreatePartnerKeyDocument,
    "\n  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) {\n      __typename\n      ... on UpdatePartnerKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": types.UpdatePartnerKeyDocument,
    "\n  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {\n    rotatePartnerKey(input: $input) {\n      __typename\n      ... on RotatePartnerKeySuccess { secret key { ...KeyRow } previous { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": types.RotatePartnerKeyDocument,
    "\n  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {\n    revokePartnerKey(input: $input) {\n      __typename\n      ... on RevokePartnerKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n": types.RevokePartnerKeyDocument,
    "\n  query RequestLogs($first: Int!, $after: String, $keyId: String, $outcome: String, $from: DateTime, $to: DateTime, $includeMembers: Boolean) {\n    requestLogs(first: $first, after: $after, keyId: $keyId, outcome: $outcome, from: $from, to: $to, includeMembers: $includeMembers) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id keyId memberId operationName operationType outcome httpStatus ip durationMs createdAt } }\n    }\n  }\n": types.RequestLogsDocument,
    "\n  query AuditEvents($first: Int!, $after: String, $keyId: String, $actorKind: ActorKind, $action: String, $from: DateTime, $to: DateTime) {\n    auditEvents(first: $first, after: $after, keyId: $keyId, actorKind: $actorKind, action: $action, from: $from, to: $to) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id action actorKind actorKeyId targetType targetId environment ip details createdAt } }\n    }\n  }\n": types.AuditEventsDocument,
    "\n  query OrganizationSettings {\n    viewer {\n      organization {\n        id\n        name\n        status\n        liveAccess\n        rateLimitRequests\n        rateLimitWindowSeconds\n        sessionIdleTimeoutSeconds\n        disabledPermissions\n        userKeyRecovery\n        createdAt\n        updatedAt\n      }\n    }\n  }\n": types.OrganizationSettingsDocument,
    "\n  fragment SessionRow on ApiKey {\n    id\n    keyId\n    kind\n    name\n    createdAt\n    lastUsedAt\n    expiresAt\n    member { id email }\n    openedWith { id name }\n  }\n": types.SessionRowFragmentDoc,
    "\n  fragment MemberRow on Member {\n    id\n    email\n    role\n    createdAt\n    lastSignInAt\n  }\n": types.MemberRowFragmentDoc,
    "\n  query CurrentSession {\n    viewer { key { id } }\n  }\n": types.CurrentSessionDocument,
    "\n  query Sessions($kind: ApiKeyKind!, $first: Int!, $after: String) {\n    sessions(kind: $kind, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...SessionRow } }\n    }\n  }\n": types.SessionsDocument,
    "\n  subscription SessionKeyEvents($after: String) {\n    apiKeyEvents(after: $after) { cursor type }\n  }\n": types.SessionKeyEventsDocument,
    "\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...MemberRow } }\n    }\n  }\n": types.MembersDocument,
    "\n  mutation RevokeSession($input: RevokeSessionInput!) {\n    revokeSession(input: $input) {\n      __typename\n      ... on RevokeSessionSuccess { session { ...SessionRow } }\n      ... on Error { code message }\n    }\n  }\n": types.RevokeSessionDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      __typename\n      ... on InviteMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n": types.InviteMemberDocument,
    "\n  mutation UpdateMember($input: UpdateMemberInput!) {\n    updateMember(input: $input) {\n      __typename\n      ... on UpdateMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n": types.UpdateMemberDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      __typename\n      ... on RemoveMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n": types.RemoveMemberDocument,
    "\n  fragment EndpointRow on WebhookEndpoint {\n    id\n    url\n    eventTypes\n    enabled\n    disabledReason\n    createdAt\n  }\n": types.EndpointRowFragmentDoc,
    "\n  query WebhookEndpoints($first: Int!) {\n    webhookEndpoints(first: $first) {\n      totalCount\n      edges { node { ...EndpointRow } }\n    }\n  }\n": types.WebhookEndpointsDocument,
    "\n  query WebhookDeliveries($first: Int!, $after: String, $endpointId: ID) {\n    webhookDeliveries(first: $first, after: $after, endpointId: $endpointId) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node { id webhookId eventType url attempt manual state succeeded statusCode error nextAttemptAt attemptedAt }\n      }\n    }\n  }\n": types.WebhookDeliveriesDocument,
    "\n  subscription WebhookDeliveryEvents {\n    webhookDeliveryEvents { type }\n  }\n": types.WebhookDeliveryEventsDocument,
    "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { endpoint { ...EndpointRow } }\n      ... on Error { code message }\n    }\n  }\n": types.CreateWebhookEndpointDocument,
    "\n  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) {\n      __typename\n      ... on UpdateWebhookEndpointSuccess { endpoint { ...EndpointRow } }\n      ... on Error { code message }\n    }\n  }\n": types.UpdateWebhookEndpointDocument,
    "\n  mutation DeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {\n    deleteWebhookEndpoint(input: $input) {\n      __typename\n      ... on DeleteWebhookEndpointSuccess { deletedId }\n      ... on Error { code message }\n    }\n  }\n": types.DeleteWebhookEndpointDocument,
    "\n  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { id attempt succeeded statusCode error state } }\n      ... on Error { code message }\n    }\n  }\n": types.RedeliverWebhookDocument,
    "\n  mutation RotateSigningSecret($input: RotateSigningSecretInput!) {\n    rotateSigningSecret(input: $input) {\n      __typename\n      ... on RotateSigningSecretSuccess { signingSecret previousValidUntil environment }\n      ... on Error { code message }\n    }\n  }\n": types.RotateSigningSecretDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    viewer {\n      kind\n      member { id email role }\n      organization { id name liveAccess }\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    viewer {\n      kind\n      member { id email role }\n      organization { id name liveAccess }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut { signedOut }\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut { signedOut }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestSignInLink($email: String!) {\n    requestSignInLink(input: { email: $email }) {\n      __typename\n      ... on RequestSignInLinkSuccess { message }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RequestSignInLink($email: String!) {\n    requestSignInLink(input: { email: $email }) {\n      __typename\n      ... on RequestSignInLinkSuccess { message }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConnectionDetail($id: ID!, $first: Int!, $after: String) {\n    node(id: $id) {\n      __typename\n      ... on Connection {\n        id\n        email\n        ref\n        status\n        direction\n        environment\n        depositIban\n        depositAddress\n        createdAt\n        updatedAt\n        keys(first: $first, after: $after) {\n          totalCount\n          pageInfo { hasNextPage endCursor }\n          edges { node { ...KeyRow allowedRecipients } }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConnectionDetail($id: ID!, $first: Int!, $after: String) {\n    node(id: $id) {\n      __typename\n      ... on Connection {\n        id\n        email\n        ref\n        status\n        direction\n        environment\n        depositIban\n        depositAddress\n        createdAt\n        updatedAt\n        keys(first: $first, after: $after) {\n          totalCount\n          pageInfo { hasNextPage endCursor }\n          edges { node { ...KeyRow allowedRecipients } }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUserKey($input: CreateUserKeyInput!) {\n    createUserKey(input: $input) {\n      __typename\n      ... on CreateUserKeySuccess { secret key { ...KeyRow allowedRecipients } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUserKey($input: CreateUserKeyInput!) {\n    createUserKey(input: $input) {\n      __typename\n      ... on CreateUserKeySuccess { secret key { ...KeyRow allowedRecipients } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateUserKey($input: RotateUserKeyInput!) {\n    rotateUserKey(input: $input) {\n      __typename\n      ... on RotateUserKeySuccess { secret key { ...KeyRow allowedRecipients } previous { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RotateUserKey($input: RotateUserKeyInput!) {\n    rotateUserKey(input: $input) {\n      __typename\n      ... on RotateUserKeySuccess { secret key { ...KeyRow allowedRecipients } previous { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUserKey($input: UpdateUserKeyInput!) {\n    updateUserKey(input: $input) {\n      __typename\n      ... on UpdateUserKeySuccess { key { ...KeyRow allowedRecipients } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateUserKey($input: UpdateUserKeyInput!) {\n    updateUserKey(input: $input) {\n      __typename\n      ... on UpdateUserKeySuccess { key { ...KeyRow allowedRecipients } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeUserKey($input: RevokeUserKeyInput!) {\n    revokeUserKey(input: $input) {\n      __typename\n      ... on RevokeUserKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeUserKey($input: RevokeUserKeyInput!) {\n    revokeUserKey(input: $input) {\n      __typename\n      ... on RevokeUserKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {\n    revokeAllUserKeys(input: $input) {\n      __typename\n      ... on RevokeAllUserKeysSuccess { revokedCount }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {\n    revokeAllUserKeys(input: $input) {\n      __typename\n      ... on RevokeAllUserKeysSuccess { revokedCount }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisconnectUser($input: DisconnectUserInput!) {\n    disconnectUser(input: $input) {\n      __typename\n      ... on DisconnectUserSuccess { connection { id status updatedAt } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation DisconnectUser($input: DisconnectUserInput!) {\n    disconnectUser(input: $input) {\n      __typename\n      ... on DisconnectUserSuccess { connection { id status updatedAt } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {\n    advanceSandboxConnection(input: $input) {\n      __typename\n      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status updatedAt depositIban depositAddress } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {\n    advanceSandboxConnection(input: $input) {\n      __typename\n      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status updatedAt depositIban depositAddress } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConnectionsList($first: Int!, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {\n    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id email ref status direction createdAt updatedAt } }\n    }\n  }\n"): (typeof documents)["\n  query ConnectionsList($first: Int!, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {\n    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id email ref status direction createdAt updatedAt } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConnectionEvents($after: String) {\n    connectionEvents(after: $after) { cursor status connection { id status updatedAt } }\n  }\n"): (typeof documents)["\n  subscription ConnectionEvents($after: String) {\n    connectionEvents(after: $after) { cursor status connection { id status updatedAt } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConnectUser($input: ConnectUserInput!) {\n    connectUser(input: $input) {\n      __typename\n      ... on ConnectUserSuccess { apiKey connection { id email status } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation ConnectUser($input: ConnectUserInput!) {\n    connectUser(input: $input) {\n      __typename\n      ... on ConnectUserSuccess { apiKey connection { id email status } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {\n    createSandboxUser(input: $input) {\n      __typename\n      ... on CreateSandboxUserSuccess { apiKey connection { id email status } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {\n    createSandboxUser(input: $input) {\n      __typename\n      ... on CreateSandboxUserSuccess { apiKey connection { id email status } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment KeyRow on ApiKey {\n    id\n    keyId\n    name\n    permissions\n    currencies\n    allowedIps\n    expiresAt\n    lastUsedAt\n    active\n    revokedAt\n    createdAt\n  }\n"): (typeof documents)["\n  fragment KeyRow on ApiKey {\n    id\n    keyId\n    name\n    permissions\n    currencies\n    allowedIps\n    expiresAt\n    lastUsedAt\n    active\n    revokedAt\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PartnerKeys($first: Int!, $after: String, $includeInactive: Boolean) {\n    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...KeyRow } }\n    }\n  }\n"): (typeof documents)["\n  query PartnerKeys($first: Int!, $after: String, $includeInactive: Boolean) {\n    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...KeyRow } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription KeyEvents($after: String) {\n    apiKeyEvents(after: $after) { cursor type }\n  }\n"): (typeof documents)["\n  subscription KeyEvents($after: String) {\n    apiKeyEvents(after: $after) { cursor type }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {\n    createPartnerKey(input: $input) {\n      __typename\n      ... on CreatePartnerKeySuccess { secret key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {\n    createPartnerKey(input: $input) {\n      __typename\n      ... on CreatePartnerKeySuccess { secret key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) {\n      __typename\n      ... on UpdatePartnerKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) {\n      __typename\n      ... on UpdatePartnerKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {\n    rotatePartnerKey(input: $input) {\n      __typename\n      ... on RotatePartnerKeySuccess { secret key { ...KeyRow } previous { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {\n    rotatePartnerKey(input: $input) {\n      __typename\n      ... on RotatePartnerKeySuccess { secret key { ...KeyRow } previous { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {\n    revokePartnerKey(input: $input) {\n      __typename\n      ... on RevokePartnerKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {\n    revokePartnerKey(input: $input) {\n      __typename\n      ... on RevokePartnerKeySuccess { key { ...KeyRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RequestLogs($first: Int!, $after: String, $keyId: String, $outcome: String, $from: DateTime, $to: DateTime, $includeMembers: Boolean) {\n    requestLogs(first: $first, after: $after, keyId: $keyId, outcome: $outcome, from: $from, to: $to, includeMembers: $includeMembers) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id keyId memberId operationName operationType outcome httpStatus ip durationMs createdAt } }\n    }\n  }\n"): (typeof documents)["\n  query RequestLogs($first: Int!, $after: String, $keyId: String, $outcome: String, $from: DateTime, $to: DateTime, $includeMembers: Boolean) {\n    requestLogs(first: $first, after: $after, keyId: $keyId, outcome: $outcome, from: $from, to: $to, includeMembers: $includeMembers) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id keyId memberId operationName operationType outcome httpStatus ip durationMs createdAt } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditEvents($first: Int!, $after: String, $keyId: String, $actorKind: ActorKind, $action: String, $from: DateTime, $to: DateTime) {\n    auditEvents(first: $first, after: $after, keyId: $keyId, actorKind: $actorKind, action: $action, from: $from, to: $to) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id action actorKind actorKeyId targetType targetId environment ip details createdAt } }\n    }\n  }\n"): (typeof documents)["\n  query AuditEvents($first: Int!, $after: String, $keyId: String, $actorKind: ActorKind, $action: String, $from: DateTime, $to: DateTime) {\n    auditEvents(first: $first, after: $after, keyId: $keyId, actorKind: $actorKind, action: $action, from: $from, to: $to) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id action actorKind actorKeyId targetType targetId environment ip details createdAt } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrganizationSettings {\n    viewer {\n      organization {\n        id\n        name\n        status\n        liveAccess\n        rateLimitRequests\n        rateLimitWindowSeconds\n        sessionIdleTimeoutSeconds\n        disabledPermissions\n        userKeyRecovery\n        createdAt\n        updatedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrganizationSettings {\n    viewer {\n      organization {\n        id\n        name\n        status\n        liveAccess\n        rateLimitRequests\n        rateLimitWindowSeconds\n        sessionIdleTimeoutSeconds\n        disabledPermissions\n        userKeyRecovery\n        createdAt\n        updatedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SessionRow on ApiKey {\n    id\n    keyId\n    kind\n    name\n    createdAt\n    lastUsedAt\n    expiresAt\n    member { id email }\n    openedWith { id name }\n  }\n"): (typeof documents)["\n  fragment SessionRow on ApiKey {\n    id\n    keyId\n    kind\n    name\n    createdAt\n    lastUsedAt\n    expiresAt\n    member { id email }\n    openedWith { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MemberRow on Member {\n    id\n    email\n    role\n    createdAt\n    lastSignInAt\n  }\n"): (typeof documents)["\n  fragment MemberRow on Member {\n    id\n    email\n    role\n    createdAt\n    lastSignInAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CurrentSession {\n    viewer { key { id } }\n  }\n"): (typeof documents)["\n  query CurrentSession {\n    viewer { key { id } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Sessions($kind: ApiKeyKind!, $first: Int!, $after: String) {\n    sessions(kind: $kind, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...SessionRow } }\n    }\n  }\n"): (typeof documents)["\n  query Sessions($kind: ApiKeyKind!, $first: Int!, $after: String) {\n    sessions(kind: $kind, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...SessionRow } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SessionKeyEvents($after: String) {\n    apiKeyEvents(after: $after) { cursor type }\n  }\n"): (typeof documents)["\n  subscription SessionKeyEvents($after: String) {\n    apiKeyEvents(after: $after) { cursor type }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...MemberRow } }\n    }\n  }\n"): (typeof documents)["\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...MemberRow } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($input: RevokeSessionInput!) {\n    revokeSession(input: $input) {\n      __typename\n      ... on RevokeSessionSuccess { session { ...SessionRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeSession($input: RevokeSessionInput!) {\n    revokeSession(input: $input) {\n      __typename\n      ... on RevokeSessionSuccess { session { ...SessionRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      __typename\n      ... on InviteMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      __typename\n      ... on InviteMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMember($input: UpdateMemberInput!) {\n    updateMember(input: $input) {\n      __typename\n      ... on UpdateMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateMember($input: UpdateMemberInput!) {\n    updateMember(input: $input) {\n      __typename\n      ... on UpdateMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      __typename\n      ... on RemoveMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      __typename\n      ... on RemoveMemberSuccess { member { ...MemberRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EndpointRow on WebhookEndpoint {\n    id\n    url\n    eventTypes\n    enabled\n    disabledReason\n    createdAt\n  }\n"): (typeof documents)["\n  fragment EndpointRow on WebhookEndpoint {\n    id\n    url\n    eventTypes\n    enabled\n    disabledReason\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookEndpoints($first: Int!) {\n    webhookEndpoints(first: $first) {\n      totalCount\n      edges { node { ...EndpointRow } }\n    }\n  }\n"): (typeof documents)["\n  query WebhookEndpoints($first: Int!) {\n    webhookEndpoints(first: $first) {\n      totalCount\n      edges { node { ...EndpointRow } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookDeliveries($first: Int!, $after: String, $endpointId: ID) {\n    webhookDeliveries(first: $first, after: $after, endpointId: $endpointId) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node { id webhookId eventType url attempt manual state succeeded statusCode error nextAttemptAt attemptedAt }\n      }\n    }\n  }\n"): (typeof documents)["\n  query WebhookDeliveries($first: Int!, $after: String, $endpointId: ID) {\n    webhookDeliveries(first: $first, after: $after, endpointId: $endpointId) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node { id webhookId eventType url attempt manual state succeeded statusCode error nextAttemptAt attemptedAt }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WebhookDeliveryEvents {\n    webhookDeliveryEvents { type }\n  }\n"): (typeof documents)["\n  subscription WebhookDeliveryEvents {\n    webhookDeliveryEvents { type }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { endpoint { ...EndpointRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { endpoint { ...EndpointRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) {\n      __typename\n      ... on UpdateWebhookEndpointSuccess { endpoint { ...EndpointRow } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) {\n      __typename\n      ... on UpdateWebhookEndpointSuccess { endpoint { ...EndpointRow } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {\n    deleteWebhookEndpoint(input: $input) {\n      __typename\n      ... on DeleteWebhookEndpointSuccess { deletedId }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {\n    deleteWebhookEndpoint(input: $input) {\n      __typename\n      ... on DeleteWebhookEndpointSuccess { deletedId }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { id attempt succeeded statusCode error state } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { id attempt succeeded statusCode error state } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateSigningSecret($input: RotateSigningSecretInput!) {\n    rotateSigningSecret(input: $input) {\n      __typename\n      ... on RotateSigningSecretSuccess { signingSecret previousValidUntil environment }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RotateSigningSecret($input: RotateSigningSecretInput!) {\n    rotateSigningSecret(input: $input) {\n      __typename\n      ... on RotateSigningSecretSuccess { signingSecret previousValidUntil environment }\n      ... on Error { code message }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;