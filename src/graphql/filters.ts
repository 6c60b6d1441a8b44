import { GraphQLError } from 'graphql';

/**
 * The longest string a list filter (`requestLogs(outcome, keyId)`, `auditEvents(action, keyId)`,
 * `sessions(keyId)`, `webhookDeliveries(webhookId, endpointId)`, a connection lookup) may be
 * (docs/api.md, "Filters"). Every value such a filter can match is far shorter; a longer one is
 * refused as `first` over its limit is: a top-level error with code VALIDATION_FAILED.
 */
export const MAX_FILTER_LENGTH = 200;

export function checkFilterLengths(args: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(args)) {
    if (typeof value === 'string' && value.length > MAX_FILTER_LENGTH) {
      throw new GraphQLError(`${name} must be at most ${MAX_FILTER_LENGTH} characters`, { extensions: { code: 'VALIDATION_FAILED' } });
    }
  }
}
