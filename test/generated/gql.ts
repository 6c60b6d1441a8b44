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
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      __typename\n      ... on CreateOrganizationSuccess {\n        secret\n        signingSecret\n        signingSecrets { environment signingSecret }\n        organization { id name status disabledPermissions userKeyRecovery liveAccess }\n        key { id keyId kind environment permissions active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.CreateOrganizationDocument,
    "\n  mutation UpdateOrganization($input: UpdateOrganizationInput!) {\n    updateOrganization(input: $input) {\n      __typename\n      ... on UpdateOrganizationSuccess { organization { id name status disabledPermissions userKeyRecovery liveAccess } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.UpdateOrganizationDocument,
    "\n  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {\n    createPartnerKey(input: $input) {\n      __typename\n      ... on CreatePartnerKeySuccess {\n        secret\n        key { id keyId kind name environment permissions currencies allowedIps expiresAt revokedAt createdAt active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.CreatePartnerKeyDocument,
    "\n  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) {\n      __typename\n      ... on UpdatePartnerKeySuccess { key { id keyId name permissions currencies allowedIps active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.UpdatePartnerKeyDocument,
    "\n  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {\n    rotatePartnerKey(input: $input) {\n      __typename\n      ... on RotatePartnerKeySuccess {\n        secret\n        key { id keyId name permissions currencies allowedIps expiresAt active }\n        previous { id keyId expiresAt revokedAt active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.RotatePartnerKeyDocument,
    "\n  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {\n    revokePartnerKey(input: $input) {\n      __typename\n      ... on RevokePartnerKeySuccess { key { id keyId revokedAt active } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RevokePartnerKeyDocument,
    "\n  query PartnerKeys($first: Int, $after: String, $includeInactive: Boolean) {\n    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {\n      edges { cursor node { id keyId name active environment } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.PartnerKeysDocument,
    "\n  query Viewer {\n    viewer {\n      kind\n      environment\n      permissions\n      clientIp\n      organization { id name status liveAccess }\n      key { id keyId lastUsedAt }\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  query Node($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on ApiKey { keyId name active }\n      ... on Organization { name }\n    }\n  }\n": typeof types.NodeDocument,
    "\n  query AuditEvents($first: Int, $after: String) {\n    auditEvents(first: $first, after: $after) {\n      edges { node { id action actorKind actorKeyId environment targetType targetId ip details createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.AuditEventsDocument,
    "\n  query RequestLogs($first: Int) {\n    requestLogs(first: $first) {\n      edges { node { id keyId operationName operationType outcome httpStatus ip durationMs environment createdAt } }\n    }\n  }\n": typeof types.RequestLogsDocument,
    "\n  query WebhookDeliveries($first: Int) {\n    webhookDeliveries(first: $first) { edges { node { ...WebhookDeliveryFields } } }\n  }\n  fragment WebhookDeliveryFields on WebhookDelivery {\n    id webhookId eventType eventCursor state url attempt manual succeeded statusCode durationMs error nextAttemptAt attemptedAt endpoint { id url }\n  }\n": typeof types.WebhookDeliveriesDocument,
    "\n  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { ...WebhookDeliveryFields } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RedeliverWebhookDocument,
    "\n  mutation ConnectUser($input: ConnectUserInput!) {\n    connectUser(input: $input) {\n      __typename\n      ... on ConnectUserSuccess {\n        apiKey\n        connection { id email ref status environment direction depositIban depositAddress }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.ConnectUserDocument,
    "\n  mutation DecideOnboarding($input: DecideOnboardingInput!) {\n    decideOnboarding(input: $input) {\n      __typename\n      ... on DecideOnboardingSuccess { connection { id status } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.DecideOnboardingDocument,
    "\n  mutation DisconnectUser($input: DisconnectUserInput!) {\n    disconnectUser(input: $input) {\n      __typename\n      ... on DisconnectUserSuccess { connection { id status keys(first: 50) { edges { node { keyId active } } } } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.DisconnectUserDocument,
    "\n  query ConnectionStatus($email: String!) {\n    connectionStatus(email: $email) {\n      status\n      apiKey\n      connection { id email status depositIban depositAddress }\n    }\n  }\n": typeof types.ConnectionStatusDocument,
    "\n  query Connection($lookup: ConnectionLookup!) {\n    connection(lookup: $lookup) {\n      id\n      email\n      ref\n      status\n      keys(first: 20) { edges { node { keyId kind active permissions } } }\n    }\n  }\n": typeof types.ConnectionDocument,
    "\n  query Connections($first: Int, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {\n    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {\n      totalCount\n      edges { node { id email ref status } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ConnectionsDocument,
    "\n  query UserViewer {\n    viewer { kind environment permissions connection { id email status } organization { id } }\n  }\n": typeof types.UserViewerDocument,
    "\n  mutation CreateUserKey($input: CreateUserKeyInput!) {\n    createUserKey(input: $input) {\n      __typename\n      ... on CreateUserKeySuccess { secret key { id keyId kind name permissions currencies allowedIps allowedRecipients active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.CreateUserKeyDocument,
    "\n  mutation UpdateUserKey($input: UpdateUserKeyInput!) {\n    updateUserKey(input: $input) {\n      __typename\n      ... on UpdateUserKeySuccess { key { id name permissions currencies allowedRecipients active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.UpdateUserKeyDocument,
    "\n  mutation RotateUserKey($input: RotateUserKeyInput!) {\n    rotateUserKey(input: $input) {\n      __typename\n      ... on RotateUserKeySuccess { secret key { id keyId kind currencies allowedRecipients active } previous { id active revokedAt } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RotateUserKeyDocument,
    "\n  mutation RevokeUserKey($input: RevokeUserKeyInput!) {\n    revokeUserKey(input: $input) {\n      __typename\n      ... on RevokeUserKeySuccess { key { id active revokedAt } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RevokeUserKeyDocument,
    "\n  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {\n    revokeAllUserKeys(input: $input) {\n      __typename\n      ... on RevokeAllUserKeysSuccess { revokedCount connection { id status } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.RevokeAllUserKeysDocument,
    "\n  query VerifyKey($key: String!, $ip: String, $requiredPermissions: [Permission!], $requiredCurrencies: [Currency!]) {\n    verifyKey(key: $key, ip: $ip, requiredPermissions: $requiredPermissions, requiredCurrencies: $requiredCurrencies) {\n      valid code keyId kind environment permissions currencies allowedRecipients ref expiresAt\n    }\n  }\n": typeof types.VerifyKeyDocument,
    "\n  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {\n    advanceSandboxConnection(input: $input) {\n      __typename\n      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status depositIban depositAddress } }\n      ... on Error { code message }\n    }\n  }\n": typeof types.AdvanceSandboxConnectionDocument,
    "\n  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {\n    createSandboxUser(input: $input) {\n      __typename\n      ... on CreateSandboxUserSuccess { apiKey connection { id email ref status environment direction depositIban depositAddress } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.CreateSandboxUserDocument,
    "\n  subscription WebhookDeliveryEvents {\n    webhookDeliveryEvents {\n      type\n      at\n      delivery {\n        id\n        webhookId\n        eventType\n        url\n        attempt\n        manual\n        succeeded\n        statusCode\n        nextAttemptAt\n        state\n        endpoint { id enabled disabledReason }\n      }\n    }\n  }\n": typeof types.WebhookDeliveryEventsDocument,
    "\n  mutation CreateEndpointForEvents($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { endpoint { id } }\n    }\n  }\n": typeof types.CreateEndpointForEventsDocument,
    "\n  mutation UpdateEndpointForEvents($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) { __typename }\n  }\n": typeof types.UpdateEndpointForEventsDocument,
    "\n  mutation RedeliverForEvents($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { id } }\n    }\n  }\n": typeof types.RedeliverForEventsDocument,
    "\n  mutation RenameKeyForEvents($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) { __typename }\n  }\n": typeof types.RenameKeyForEventsDocument,
};
const documents: Documents = {
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      __typename\n      ... on CreateOrganizationSuccess {\n        secret\n        signingSecret\n        signingSecrets { environment signingSecret }\n        organization { id name status disabledPermissions userKeyRecovery liveAccess }\n        key { id keyId kind environment permissions active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.CreateOrganizationDocument,
    "\n  mutation UpdateOrganization($input: UpdateOrganizationInput!) {\n    updateOrganization(input: $input) {\n      __typename\n      ... on UpdateOrganizationSuccess { organization { id name status disabledPermissions userKeyRecovery liveAccess } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.UpdateOrganizationDocument,
    "\n  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {\n    createPartnerKey(input: $input) {\n      __typename\n      ... on CreatePartnerKeySuccess {\n        secret\n        key { id keyId kind name environment permissions currencies allowedIps expiresAt revokedAt createdAt active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.CreatePartnerKeyDocument,
    "\n  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) {\n      __typename\n      ... on UpdatePartnerKeySuccess { key { id keyId name permissions currencies allowedIps active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.UpdatePartnerKeyDocument,
    "\n  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {\n    rotatePartnerKey(input: $input) {\n      __typename\n      ... on RotatePartnerKeySuccess {\n        secret\n        key { id keyId name permissions currencies allowedIps expiresAt active }\n        previous { id keyId expiresAt revokedAt active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.RotatePartnerKeyDocument,
    "\n  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {\n    revokePartnerKey(input: $input) {\n      __typename\n      ... on RevokePartnerKeySuccess { key { id keyId revokedAt active } }\n      ... on Error { code message }\n    }\n  }\n": types.RevokePartnerKeyDocument,
    "\n  query PartnerKeys($first: Int, $after: String, $includeInactive: Boolean) {\n    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {\n      edges { cursor node { id keyId name active environment } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.PartnerKeysDocument,
    "\n  query Viewer {\n    viewer {\n      kind\n      environment\n      permissions\n      clientIp\n      organization { id name status liveAccess }\n      key { id keyId lastUsedAt }\n    }\n  }\n": types.ViewerDocument,
    "\n  query Node($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on ApiKey { keyId name active }\n      ... on Organization { name }\n    }\n  }\n": types.NodeDocument,
    "\n  query AuditEvents($first: Int, $after: String) {\n    auditEvents(first: $first, after: $after) {\n      edges { node { id action actorKind actorKeyId environment targetType targetId ip details createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.AuditEventsDocument,
    "\n  query RequestLogs($first: Int) {\n    requestLogs(first: $first) {\n      edges { node { id keyId operationName operationType outcome httpStatus ip durationMs environment createdAt } }\n    }\n  }\n": types.RequestLogsDocument,
    "\n  query WebhookDeliveries($first: Int) {\n    webhookDeliveries(first: $first) { edges { node { ...WebhookDeliveryFields } } }\n  }\n  fragment WebhookDeliveryFields on WebhookDelivery {\n    id webhookId eventType eventCursor state url attempt manual succeeded statusCode durationMs error nextAttemptAt attemptedAt endpoint { id url }\n  }\n": types.WebhookDeliveriesDocument,
    "\n  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { ...WebhookDeliveryFields } }\n      ... on Error { code message }\n    }\n  }\n": types.RedeliverWebhookDocument,
    "\n  mutation ConnectUser($input: ConnectUserInput!) {\n    connectUser(input: $input) {\n      __typename\n      ... on ConnectUserSuccess {\n        apiKey\n        connection { id email ref status environment direction depositIban depositAddress }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.ConnectUserDocument,
    "\n  mutation DecideOnboarding($input: DecideOnboardingInput!) {\n    decideOnboarding(input: $input) {\n      __typename\n      ... on DecideOnboardingSuccess { connection { id status } }\n      ... on Error { code message }\n    }\n  }\n": types.DecideOnboardingDocument,
    "\n  mutation DisconnectUser($input: DisconnectUserInput!) {\n    disconnectUser(input: $input) {\n      __typename\n      ... on DisconnectUserSuccess { connection { id status keys(first: 50) { edges { node { keyId active } } } } }\n      ... on Error { code message }\n    }\n  }\n": types.DisconnectUserDocument,
    "\n  query ConnectionStatus($email: String!) {\n    connectionStatus(email: $email) {\n      status\n      apiKey\n      connection { id email status depositIban depositAddress }\n    }\n  }\n": types.ConnectionStatusDocument,
    "\n  query Connection($lookup: ConnectionLookup!) {\n    connection(lookup: $lookup) {\n      id\n      email\n      ref\n      status\n      keys(first: 20) { edges { node { keyId kind active permissions } } }\n    }\n  }\n": types.ConnectionDocument,
    "\n  query Connections($first: Int, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {\n    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {\n      totalCount\n      edges { node { id email ref status } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ConnectionsDocument,
    "\n  query UserViewer {\n    viewer { kind environment permissions connection { id email status } organization { id } }\n  }\n": types.UserViewerDocument,
    "\n  mutation CreateUserKey($input: CreateUserKeyInput!) {\n    createUserKey(input: $input) {\n      __typename\n      ... on CreateUserKeySuccess { secret key { id keyId kind name permissions currencies allowedIps allowedRecipients active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.CreateUserKeyDocument,
    "\n  mutation UpdateUserKey($input: UpdateUserKeyInput!) {\n    updateUserKey(input: $input) {\n      __typename\n      ... on UpdateUserKeySuccess { key { id name permissions currencies allowedRecipients active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.UpdateUserKeyDocument,
    "\n  mutation RotateUserKey($input: RotateUserKeyInput!) {\n    rotateUserKey(input: $input) {\n      __typename\n      ... on RotateUserKeySuccess { secret key { id keyId kind currencies allowedRecipients active } previous { id active revokedAt } }\n      ... on Error { code message }\n    }\n  }\n": types.RotateUserKeyDocument,
    "\n  mutation RevokeUserKey($input: RevokeUserKeyInput!) {\n    revokeUserKey(input: $input) {\n      __typename\n      ... on RevokeUserKeySuccess { key { id active revokedAt } }\n      ... on Error { code message }\n    }\n  }\n": types.RevokeUserKeyDocument,
    "\n  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {\n    revokeAllUserKeys(input: $input) {\n      __typename\n      ... on RevokeAllUserKeysSuccess { revokedCount connection { id status } }\n      ... on Error { code message }\n    }\n  }\n": types.RevokeAllUserKeysDocument,
    "\n  query VerifyKey($key: String!, $ip: String, $requiredPermissions: [Permission!], $requiredCurrencies: [Currency!]) {\n    verifyKey(key: $key, ip: $ip, requiredPermissions: $requiredPermissions, requiredCurrencies: $requiredCurrencies) {\n      valid code keyId kind environment permissions currencies allowedRecipients ref expiresAt\n    }\n  }\n": types.VerifyKeyDocument,
    "\n  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {\n    advanceSandboxConnection(input: $input) {\n      __typename\n      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status depositIban depositAddress } }\n      ... on Error { code message }\n    }\n  }\n": types.AdvanceSandboxConnectionDocument,
    "\n  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {\n    createSandboxUser(input: $input) {\n      __typename\n      ... on CreateSandboxUserSuccess { apiKey connection { id email ref status environment direction depositIban depositAddress } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.CreateSandboxUserDocument,
    "\n  subscription WebhookDeliveryEvents {\n    webhookDeliveryEvents {\n      type\n      at\n      delivery {\n        id\n        webhookId\n        eventType\n        url\n        attempt\n        manual\n        succeeded\n        statusCode\n        nextAttemptAt\n        state\n        endpoint { id enabled disabledReason }\n      }\n    }\n  }\n": types.WebhookDeliveryEventsDocument,
    "\n  mutation CreateEndpointForEvents($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { endpoint { id } }\n    }\n  }\n": types.CreateEndpointForEventsDocument,
    "\n  mutation UpdateEndpointForEvents($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) { __typename }\n  }\n": types.UpdateEndpointForEventsDocument,
    "\n  mutation RedeliverForEvents($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { id } }\n    }\n  }\n": types.RedeliverForEventsDocument,
    "\n  mutation RenameKeyForEvents($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) { __typename }\n  }\n": types.RenameKeyForEventsDocument,
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
export function graphql(source: "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      __typename\n      ... on CreateOrganizationSuccess {\n        secret\n        signingSecret\n        signingSecrets { environment signingSecret }\n        organization { id name status disabledPermissions userKeyRecovery liveAccess }\n        key { id keyId kind environment permissions active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      __typename\n      ... on CreateOrganizationSuccess {\n        secret\n        signingSecret\n        signingSecrets { environment signingSecret }\n        organization { id name status disabledPermissions userKeyRecovery liveAccess }\n        key { id keyId kind environment permissions active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateOrganization($input: UpdateOrganizationInput!) {\n    updateOrganization(input: $input) {\n      __typename\n      ... on UpdateOrganizationSuccess { organization { id name status disabledPermissions userKeyRecovery liveAccess } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateOrganization($input: UpdateOrganizationInput!) {\n    updateOrganization(input: $input) {\n      __typename\n      ... on UpdateOrganizationSuccess { organization { id name status disabledPermissions userKeyRecovery liveAccess } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {\n    createPartnerKey(input: $input) {\n      __typename\n      ... on CreatePartnerKeySuccess {\n        secret\n        key { id keyId kind name environment permissions currencies allowedIps expiresAt revokedAt createdAt active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): (typeof documents)["\n  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {\n    createPartnerKey(input: $input) {\n      __typename\n      ... on CreatePartnerKeySuccess {\n        secret\n        key { id keyId kind name environment permissions currencies allowedIps expiresAt revokedAt createdAt active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) {\n      __typename\n      ... on UpdatePartnerKeySuccess { key { id keyId name permissions currencies allowedIps active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) {\n      __typename\n      ... on UpdatePartnerKeySuccess { key { id keyId name permissions currencies allowedIps active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {\n    rotatePartnerKey(input: $input) {\n      __typename\n      ... on RotatePartnerKeySuccess {\n        secret\n        key { id keyId name permissions currencies allowedIps expiresAt active }\n        previous { id keyId expiresAt revokedAt active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): (typeof documents)["\n  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {\n    rotatePartnerKey(input: $input) {\n      __typename\n      ... on RotatePartnerKeySuccess {\n        secret\n        key { id keyId name permissions currencies allowedIps expiresAt active }\n        previous { id keyId expiresAt revokedAt active }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {\n    revokePartnerKey(input: $input) {\n      __typename\n      ... on RevokePartnerKeySuccess { key { id keyId revokedAt active } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {\n    revokePartnerKey(input: $input) {\n      __typename\n      ... on RevokePartnerKeySuccess { key { id keyId revokedAt active } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PartnerKeys($first: Int, $after: String, $includeInactive: Boolean) {\n    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {\n      edges { cursor node { id keyId name active environment } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query PartnerKeys($first: Int, $after: String, $includeInactive: Boolean) {\n    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {\n      edges { cursor node { id keyId name active environment } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      kind\n      environment\n      permissions\n      clientIp\n      organization { id name status liveAccess }\n      key { id keyId lastUsedAt }\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      kind\n      environment\n      permissions\n      clientIp\n      organization { id name status liveAccess }\n      key { id keyId lastUsedAt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Node($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on ApiKey { keyId name active }\n      ... on Organization { name }\n    }\n  }\n"): (typeof documents)["\n  query Node($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on ApiKey { keyId name active }\n      ... on Organization { name }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditEvents($first: Int, $after: String) {\n    auditEvents(first: $first, after: $after) {\n      edges { node { id action actorKind actorKeyId environment targetType targetId ip details createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query AuditEvents($first: Int, $after: String) {\n    auditEvents(first: $first, after: $after) {\n      edges { node { id action actorKind actorKeyId environment targetType targetId ip details createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RequestLogs($first: Int) {\n    requestLogs(first: $first) {\n      edges { node { id keyId operationName operationType outcome httpStatus ip durationMs environment createdAt } }\n    }\n  }\n"): (typeof documents)["\n  query RequestLogs($first: Int) {\n    requestLogs(first: $first) {\n      edges { node { id keyId operationName operationType outcome httpStatus ip durationMs environment createdAt } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookDeliveries($first: Int) {\n    webhookDeliveries(first: $first) { edges { node { ...WebhookDeliveryFields } } }\n  }\n  fragment WebhookDeliveryFields on WebhookDelivery {\n    id webhookId eventType eventCursor state url attempt manual succeeded statusCode durationMs error nextAttemptAt attemptedAt endpoint { id url }\n  }\n"): (typeof documents)["\n  query WebhookDeliveries($first: Int) {\n    webhookDeliveries(first: $first) { edges { node { ...WebhookDeliveryFields } } }\n  }\n  fragment WebhookDeliveryFields on WebhookDelivery {\n    id webhookId eventType eventCursor state url attempt manual succeeded statusCode durationMs error nextAttemptAt attemptedAt endpoint { id url }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { ...WebhookDeliveryFields } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { ...WebhookDeliveryFields } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConnectUser($input: ConnectUserInput!) {\n    connectUser(input: $input) {\n      __typename\n      ... on ConnectUserSuccess {\n        apiKey\n        connection { id email ref status environment direction depositIban depositAddress }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): (typeof documents)["\n  mutation ConnectUser($input: ConnectUserInput!) {\n    connectUser(input: $input) {\n      __typename\n      ... on ConnectUserSuccess {\n        apiKey\n        connection { id email ref status environment direction depositIban depositAddress }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DecideOnboarding($input: DecideOnboardingInput!) {\n    decideOnboarding(input: $input) {\n      __typename\n      ... on DecideOnboardingSuccess { connection { id status } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation DecideOnboarding($input: DecideOnboardingInput!) {\n    decideOnboarding(input: $input) {\n      __typename\n      ... on DecideOnboardingSuccess { connection { id status } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisconnectUser($input: DisconnectUserInput!) {\n    disconnectUser(input: $input) {\n      __typename\n      ... on DisconnectUserSuccess { connection { id status keys(first: 50) { edges { node { keyId active } } } } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation DisconnectUser($input: DisconnectUserInput!) {\n    disconnectUser(input: $input) {\n      __typename\n      ... on DisconnectUserSuccess { connection { id status keys(first: 50) { edges { node { keyId active } } } } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConnectionStatus($email: String!) {\n    connectionStatus(email: $email) {\n      status\n      apiKey\n      connection { id email status depositIban depositAddress }\n    }\n  }\n"): (typeof documents)["\n  query ConnectionStatus($email: String!) {\n    connectionStatus(email: $email) {\n      status\n      apiKey\n      connection { id email status depositIban depositAddress }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Connection($lookup: ConnectionLookup!) {\n    connection(lookup: $lookup) {\n      id\n      email\n      ref\n      status\n      keys(first: 20) { edges { node { keyId kind active permissions } } }\n    }\n  }\n"): (typeof documents)["\n  query Connection($lookup: ConnectionLookup!) {\n    connection(lookup: $lookup) {\n      id\n      email\n      ref\n      status\n      keys(first: 20) { edges { node { keyId kind active permissions } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Connections($first: Int, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {\n    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {\n      totalCount\n      edges { node { id email ref status } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query Connections($first: Int, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {\n    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {\n      totalCount\n      edges { node { id email ref status } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserViewer {\n    viewer { kind environment permissions connection { id email status } organization { id } }\n  }\n"): (typeof documents)["\n  query UserViewer {\n    viewer { kind environment permissions connection { id email status } organization { id } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUserKey($input: CreateUserKeyInput!) {\n    createUserKey(input: $input) {\n      __typename\n      ... on CreateUserKeySuccess { secret key { id keyId kind name permissions currencies allowedIps allowedRecipients active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUserKey($input: CreateUserKeyInput!) {\n    createUserKey(input: $input) {\n      __typename\n      ... on CreateUserKeySuccess { secret key { id keyId kind name permissions currencies allowedIps allowedRecipients active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUserKey($input: UpdateUserKeyInput!) {\n    updateUserKey(input: $input) {\n      __typename\n      ... on UpdateUserKeySuccess { key { id name permissions currencies allowedRecipients active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateUserKey($input: UpdateUserKeyInput!) {\n    updateUserKey(input: $input) {\n      __typename\n      ... on UpdateUserKeySuccess { key { id name permissions currencies allowedRecipients active } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateUserKey($input: RotateUserKeyInput!) {\n    rotateUserKey(input: $input) {\n      __typename\n      ... on RotateUserKeySuccess { secret key { id keyId kind currencies allowedRecipients active } previous { id active revokedAt } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RotateUserKey($input: RotateUserKeyInput!) {\n    rotateUserKey(input: $input) {\n      __typename\n      ... on RotateUserKeySuccess { secret key { id keyId kind currencies allowedRecipients active } previous { id active revokedAt } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeUserKey($input: RevokeUserKeyInput!) {\n    revokeUserKey(input: $input) {\n      __typename\n      ... on RevokeUserKeySuccess { key { id active revokedAt } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeUserKey($input: RevokeUserKeyInput!) {\n    revokeUserKey(input: $input) {\n      __typename\n      ... on RevokeUserKeySuccess { key { id active revokedAt } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {\n    revokeAllUserKeys(input: $input) {\n      __typename\n      ... on RevokeAllUserKeysSuccess { revokedCount connection { id status } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {\n    revokeAllUserKeys(input: $input) {\n      __typename\n      ... on RevokeAllUserKeysSuccess { revokedCount connection { id status } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VerifyKey($key: String!, $ip: String, $requiredPermissions: [Permission!], $requiredCurrencies: [Currency!]) {\n    verifyKey(key: $key, ip: $ip, requiredPermissions: $requiredPermissions, requiredCurrencies: $requiredCurrencies) {\n      valid code keyId kind environment permissions currencies allowedRecipients ref expiresAt\n    }\n  }\n"): (typeof documents)["\n  query VerifyKey($key: String!, $ip: String, $requiredPermissions: [Permission!], $requiredCurrencies: [Currency!]) {\n    verifyKey(key: $key, ip: $ip, requiredPermissions: $requiredPermissions, requiredCurrencies: $requiredCurrencies) {\n      valid code keyId kind environment permissions currencies allowedRecipients ref expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {\n    advanceSandboxConnection(input: $input) {\n      __typename\n      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status depositIban depositAddress } }\n      ... on Error { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {\n    advanceSandboxConnection(input: $input) {\n      __typename\n      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status depositIban depositAddress } }\n      ... on Error { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {\n    createSandboxUser(input: $input) {\n      __typename\n      ... on CreateSandboxUserSuccess { apiKey connection { id email ref status environment direction depositIban depositAddress } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {\n    createSandboxUser(input: $input) {\n      __typename\n      ... on CreateSandboxUserSuccess { apiKey connection { id email ref status environment direction depositIban depositAddress } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WebhookDeliveryEvents {\n    webhookDeliveryEvents {\n      type\n      at\n      delivery {\n        id\n        webhookId\n        eventType\n        url\n        attempt\n        manual\n        succeeded\n        statusCode\n        nextAttemptAt\n        state\n        endpoint { id enabled disabledReason }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription WebhookDeliveryEvents {\n    webhookDeliveryEvents {\n      type\n      at\n      delivery {\n        id\n        webhookId\n        eventType\n        url\n        attempt\n        manual\n        succeeded\n        statusCode\n        nextAttemptAt\n        state\n        endpoint { id enabled disabledReason }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateEndpointForEvents($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { endpoint { id } }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateEndpointForEvents($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { endpoint { id } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateEndpointForEvents($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) { __typename }\n  }\n"): (typeof documents)["\n  mutation UpdateEndpointForEvents($input: UpdateWebhookEndpointInput!) {\n    updateWebhookEndpoint(input: $input) { __typename }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeliverForEvents($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { id } }\n    }\n  }\n"): (typeof documents)["\n  mutation RedeliverForEvents($input: RedeliverWebhookInput!) {\n    redeliverWebhook(input: $input) {\n      __typename\n      ... on RedeliverWebhookSuccess { delivery { id } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RenameKeyForEvents($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) { __typename }\n  }\n"): (typeof documents)["\n  mutation RenameKeyForEvents($input: UpdatePartnerKeyInput!) {\n    updatePartnerKey(input: $input) { __typename }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;