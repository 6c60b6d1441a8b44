import { graphql } from '../generated/gql.ts';

// The operations the API tests send, typed by codegen from schema.graphql (`npm run codegen`).

export const CreateOrganization = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      __typename
      ... on CreateOrganizationSuccess {
        secret
        signingSecret
        signingSecrets { environment signingSecret }
        organization { id name status disabledPermissions userKeyRecovery liveAccess }
        key { id keyId kind environment permissions active }
      }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateOrganization = graphql(`
  mutation UpdateOrganization($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) {
      __typename
      ... on UpdateOrganizationSuccess { organization { id name status disabledPermissions userKeyRecovery liveAccess } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const CreatePartnerKey = graphql(`
  mutation CreatePartnerKey($input: CreatePartnerKeyInput!) {
    createPartnerKey(input: $input) {
      __typename
      ... on CreatePartnerKeySuccess {
        secret
        key { id keyId kind name environment permissions currencies allowedIps expiresAt revokedAt createdAt active }
      }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdatePartnerKey = graphql(`
  mutation UpdatePartnerKey($input: UpdatePartnerKeyInput!) {
    updatePartnerKey(input: $input) {
      __typename
      ... on UpdatePartnerKeySuccess { key { id keyId name permissions currencies allowedIps active } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RotatePartnerKey = graphql(`
  mutation RotatePartnerKey($input: RotatePartnerKeyInput!) {
    rotatePartnerKey(input: $input) {
      __typename
      ... on RotatePartnerKeySuccess {
        secret
        key { id keyId name permissions currencies allowedIps expiresAt active }
        previous { id keyId expiresAt revokedAt active }
      }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RevokePartnerKey = graphql(`
  mutation RevokePartnerKey($input: RevokePartnerKeyInput!) {
    revokePartnerKey(input: $input) {
      __typename
      ... on RevokePartnerKeySuccess { key { id keyId revokedAt active } }
      ... on Error { code message }
    }
  }
`);

export const PartnerKeys = graphql(`
  query PartnerKeys($first: Int, $after: String, $includeInactive: Boolean) {
    partnerKeys(first: $first, after: $after, includeInactive: $includeInactive) {
      edges { cursor node { id keyId name active environment } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const Viewer = graphql(`
  query Viewer {
    viewer {
      kind
      environment
      permissions
      clientIp
      organization { id name status liveAccess }
      key { id keyId lastUsedAt }
    }
  }
`);

export const NodeQuery = graphql(`
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on ApiKey { keyId name active }
      ... on Organization { name }
    }
  }
`);

export const AuditEvents = graphql(`
  query AuditEvents($first: Int, $after: String) {
    auditEvents(first: $first, after: $after) {
      edges { node { id action actorKind actorKeyId environment targetType targetId ip details createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const RequestLogs = graphql(`
  query RequestLogs($first: Int) {
    requestLogs(first: $first) {
      edges { node { id keyId operationName operationType outcome httpStatus ip durationMs environment createdAt } }
    }
  }
`);

export const WebhookDeliveries = graphql(`
  query WebhookDeliveries($first: Int) {
    webhookDeliveries(first: $first) { edges { node { ...WebhookDeliveryFields } } }
  }
  fragment WebhookDeliveryFields on WebhookDelivery {
    id webhookId eventType eventCursor state url attempt manual succeeded statusCode durationMs error nextAttemptAt attemptedAt endpoint { id url }
  }
`);

export const RedeliverWebhook = graphql(`
  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {
    redeliverWebhook(input: $input) {
      __typename
      ... on RedeliverWebhookSuccess { delivery { ...WebhookDeliveryFields } }
      ... on Error { code message }
    }
  }
`);

export const ConnectUser = graphql(`
  mutation ConnectUser($input: ConnectUserInput!) {
    connectUser(input: $input) {
      __typename
      ... on ConnectUserSuccess {
        apiKey
        connection { id email ref status environment direction depositIban depositAddress }
      }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const DecideOnboarding = graphql(`
  mutation DecideOnboarding($input: DecideOnboardingInput!) {
    decideOnboarding(input: $input) {
      __typename
      ... on DecideOnboardingSuccess { connection { id status } }
      ... on Error { code message }
    }
  }
`);

export const DisconnectUser = graphql(`
  mutation DisconnectUser($input: DisconnectUserInput!) {
    disconnectUser(input: $input) {
      __typename
      ... on DisconnectUserSuccess { connection { id status keys(first: 50) { edges { node { keyId active } } } } }
      ... on Error { code message }
    }
  }
`);

export const ConnectionStatusQuery = graphql(`
  query ConnectionStatus($email: String!) {
    connectionStatus(email: $email) {
      status
      apiKey
      connection { id email status depositIban depositAddress }
    }
  }
`);

export const ConnectionQuery = graphql(`
  query Connection($lookup: ConnectionLookup!) {
    connection(lookup: $lookup) {
      id
      email
      ref
      status
      keys(first: 20) { edges { node { keyId kind active permissions } } }
    }
  }
`);

export const Connections = graphql(`
  query Connections($first: Int, $after: String, $status: ConnectionStatus, $email: String, $ref: String) {
    connections(first: $first, after: $after, status: $status, email: $email, ref: $ref) {
      totalCount
      edges { node { id email ref status } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const UserViewer = graphql(`
  query UserViewer {
    viewer { kind environment permissions connection { id email status } organization { id } }
  }
`);

export const CreateUserKey = graphql(`
  mutation CreateUserKey($input: CreateUserKeyInput!) {
    createUserKey(input: $input) {
      __typename
      ... on CreateUserKeySuccess { secret key { id keyId kind name permissions currencies allowedIps allowedRecipients active } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateUserKey = graphql(`
  mutation UpdateUserKey($input: UpdateUserKeyInput!) {
    updateUserKey(input: $input) {
      __typename
      ... on UpdateUserKeySuccess { key { id name permissions currencies allowedRecipients active } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RotateUserKey = graphql(`
  mutation RotateUserKey($input: RotateUserKeyInput!) {
    rotateUserKey(input: $input) {
      __typename
      ... on RotateUserKeySuccess { secret key { id keyId kind currencies allowedRecipients active } previous { id active revokedAt } }
      ... on Error { code message }
    }
  }
`);

export const RevokeUserKey = graphql(`
  mutation RevokeUserKey($input: RevokeUserKeyInput!) {
    revokeUserKey(input: $input) {
      __typename
      ... on RevokeUserKeySuccess { key { id active revokedAt } }
      ... on Error { code message }
    }
  }
`);

export const RevokeAllUserKeys = graphql(`
  mutation RevokeAllUserKeys($input: RevokeAllUserKeysInput!) {
    revokeAllUserKeys(input: $input) {
      __typename
      ... on RevokeAllUserKeysSuccess { revokedCount connection { id status } }
      ... on Error { code message }
    }
  }
`);

export const VerifyKey = graphql(`
  query VerifyKey($key: String!, $ip: String, $requiredPermissions: [Permission!], $requiredCurrencies: [Currency!]) {
    verifyKey(key: $key, ip: $ip, requiredPermissions: $requiredPermissions, requiredCurrencies: $requiredCurrencies) {
      valid code keyId kind environment permissions currencies allowedRecipients ref expiresAt
    }
  }
`);

export const AdvanceSandboxConnection = graphql(`
  mutation AdvanceSandboxConnection($input: AdvanceSandboxConnectionInput!) {
    advanceSandboxConnection(input: $input) {
      __typename
      ... on AdvanceSandboxConnectionSuccess { apiKey connection { id status depositIban depositAddress } }
      ... on Error { code message }
    }
  }
`);

export const CreateSandboxUser = graphql(`
  mutation CreateSandboxUser($input: CreateSandboxUserInput!) {
    createSandboxUser(input: $input) {
      __typename
      ... on CreateSandboxUserSuccess { apiKey connection { id email ref status environment direction depositIban depositAddress } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);
