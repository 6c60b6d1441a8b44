/**
 * The types behind each interface of schema.graphql, for the cache: without them it can only
 * guess whether `... on Error { code message }` matches an `InvalidStateError`, and guesses no
 * (a payload error would reach the page without its code and message). test/api/schema.test.ts
 * holds this list to the schema.
 */
export const POSSIBLE_TYPES: Record<string, string[]> = {
  Error: ['CapabilityDisabledError', 'InvalidStateError', 'KeyLimitReachedError', 'LiveAccessPendingError', 'NotFoundError', 'ValidationError'],
  Node: ['ApiKey', 'Connection', 'Member', 'Organization', 'WebhookDelivery', 'WebhookEndpoint'],
};
