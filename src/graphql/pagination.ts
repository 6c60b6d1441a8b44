import { GraphQLError } from 'graphql';

export const MAX_PAGE_SIZE = 100;

/**
 * Page-size limit for every connection: an oversized `first`/`last` is an error rather than
 * silently clamped, so a client never mistakes a short page for the end of the list.
 */
export function maxPageSize(args: { first?: number | null; last?: number | null }): number {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw new GraphQLError(`${name} must be between 0 and ${MAX_PAGE_SIZE}`, {
        extensions: { code: 'VALIDATION_FAILED' },
      });
    }
  }
  return MAX_PAGE_SIZE;
}
