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

/** What Pothos's prismaConnection hands a resolver: the selection, and the page as Prisma's cursor paging. */
interface ConnectionQuery {
  cursor?: { id?: unknown };
  take?: number;
  skip?: number;
}

/** Matches no row. */
const NONE = { id: { in: [] as string[] } };

/**
 * A page of a list ordered newest first: `createdAt` descending, then the unique `tie`
 * descending. Pothos pages with Prisma's `cursor`, which Prisma says as
 * `(createdAt = c.createdAt AND tie <= c.tie) OR createdAt < c.createdAt`: PostgreSQL cannot
 * start an index scan at an OR, so a page deep in a big list read every row before it
 * (`npm run bench:scale`). The same rows are asked for here as
 * `createdAt <= c.createdAt AND (createdAt < c.createdAt OR tie < c.tie)` (`before`: the mirror
 * image): a range the list's index starts at, and a filter for the rows that share its time.
 * `find` reads the cursor's row by id, whatever the read rule (as Prisma's cursor does); a cursor
 * whose row is gone gives an empty page, as with Prisma's. Returns the findMany arguments in place
 * of Pothos's, and the condition to AND with the list's own.
 */
export async function newestFirst<W, Q extends ConnectionQuery>(
  query: Q,
  tie: 'id' | 'seq',
  find: (id: string) => Promise<{ createdAt: Date; id?: string; seq?: bigint } | null>,
): Promise<{ query: Omit<Q, 'cursor'>; after: W }> {
  const { cursor, ...rest } = query;
  const page = { ...rest, skip: 0 };
  if (cursor?.id === undefined) return { query: page, after: {} as W };
  const row = await find(String(cursor.id));
  if (!row) return { query: page, after: NONE as W };
  const at = row.createdAt;
  const value = row[tie];
  // A negative take (`last`/`before`) asks for the rows just above the cursor, nearest first.
  const after =
    (query.take ?? 1) >= 0
      ? { createdAt: { lte: at }, OR: [{ createdAt: { lt: at } }, { [tie]: { lt: value } }] }
      : { createdAt: { gte: at }, OR: [{ createdAt: { gt: at } }, { [tie]: { gt: value } }] };
  return { query: page, after: after as W };
}
