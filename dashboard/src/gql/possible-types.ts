
      export interface PossibleTypesResultData {
        possibleTypes: {
          [key: string]: string[]
        }
      }
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "AdvanceSandboxConnectionPayload": [
      "AdvanceSandboxConnectionSuccess",
      "InvalidStateError",
      "NotFoundError",
      "ValidationError"
    ],
    "ConnectUserPayload": [
      "ConnectUserSuccess",
      "InvalidStateError",
      "LiveAccessPendingError",
      "ValidationError"
    ],
    "CreateOrganizationPayload": [
      "CreateOrganizationSuccess",
      "ValidationError"
    ],
    "CreatePartnerKeyPayload": [
      "CapabilityDisabledError",
      "CreatePartnerKeySuccess",
      "KeyLimitReachedError",
      "LiveAccessPendingError",
      "NotFoundError",
      "ValidationError"
    ],
    "CreateSandboxUserPayload": [
      "CreateSandboxUserSuccess",
      "ValidationError"
    ],
    "CreateSessionPayload": [
      "CreateSessionSuccess",
      "KeyLimitReachedError",
      "ValidationError"
    ],
    "CreateUserKeyPayload": [
      "CapabilityDisabledError",
      "CreateUserKeySuccess",
      "InvalidStateError",
      "KeyLimitReachedError",
      "LiveAccessPendingError",
      "NotFoundError",
      "ValidationError"
    ],
    "CreateWebhookEndpointPayload": [
      "CreateWebhookEndpointSuccess",
      "InvalidStateError",
      "ValidationError"
    ],
    "DecideOnboardingPayload": [
      "DecideOnboardingSuccess",
      "InvalidStateError",
      "NotFoundError",
      "ValidationError"
    ],
    "DeleteWebhookEndpointPayload": [
      "DeleteWebhookEndpointSuccess",
      "NotFoundError"
    ],
    "DisconnectUserPayload": [
      "DisconnectUserSuccess",
      "InvalidStateError",
      "NotFoundError"
    ],
    "Error": [
      "CapabilityDisabledError",
      "InvalidStateError",
      "KeyLimitReachedError",
      "LiveAccessPendingError",
      "NotFoundError",
      "ValidationError"
    ],
    "InviteMemberPayload": [
      "InviteMemberSuccess",
      "NotFoundError",
      "ValidationError"
    ],
    "Node": [
      "ApiKey",
      "Connection",
      "Member",
      "Organization",
      "WebhookDelivery",
      "WebhookEndpoint"
    ],
    "RedeliverWebhookPayload": [
      "InvalidStateError",
      "NotFoundError",
      "RedeliverWebhookSuccess"
    ],
    "RemoveMemberPayload": [
      "InvalidStateError",
      "NotFoundError",
      "RemoveMemberSuccess",
      "ValidationError"
    ],
    "RequestSignInLinkPayload": [
      "RequestSignInLinkSuccess",
      "ValidationError"
    ],
    "RevokeAllUserKeysPayload": [
      "NotFoundError",
      "RevokeAllUserKeysSuccess"
    ],
    "RevokePartnerKeyPayload": [
      "InvalidStateError",
      "NotFoundError",
      "RevokePartnerKeySuccess"
    ],
    "RevokeSessionPayload": [
      "InvalidStateError",
      "NotFoundError",
      "RevokeSessionSuccess"
    ],
    "RevokeUserKeyPayload": [
      "InvalidStateError",
      "NotFoundError",
      "RevokeUserKeySuccess"
    ],
    "RotatePartnerKeyPayload": [
      "InvalidStateError",
      "KeyLimitReachedError",
      "LiveAccessPendingError",
      "NotFoundError",
      "RotatePartnerKeySuccess",
      "ValidationError"
    ],
    "RotateSigningSecretPayload": [
      "RotateSigningSecretSuccess",
      "ValidationError"
    ],
    "RotateUserKeyPayload": [
      "InvalidStateError",
      "KeyLimitReachedError",
      "LiveAccessPendingError",
      "NotFoundError",
      "RotateUserKeySuccess",
      "ValidationError"
    ],
    "UpdateMemberPayload": [
      "InvalidStateError",
      "NotFoundError",
      "UpdateMemberSuccess",
      "ValidationError"
    ],
    "UpdateOrganizationPayload": [
      "NotFoundError",
      "UpdateOrganizationSuccess",
      "ValidationError"
    ],
    "UpdatePartnerKeyPayload": [
      "CapabilityDisabledError",
      "InvalidStateError",
      "NotFoundError",
      "UpdatePartnerKeySuccess",
      "ValidationError"
    ],
    "UpdateUserKeyPayload": [
      "CapabilityDisabledError",
      "InvalidStateError",
      "NotFoundError",
      "UpdateUserKeySuccess",
      "ValidationError"
    ],
    "UpdateWebhookEndpointPayload": [
      "NotFoundError",
      "UpdateWebhookEndpointSuccess",
      "ValidationError"
    ]
  }
};
      export default result;
    