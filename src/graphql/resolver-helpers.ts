import type { Context } from '../context.ts';
import type { Caller } from '../domain/caller.ts';

/** The caller of a field that scope-auth has already admitted (so never anonymous). */
export function callerOf(ctx: Context): Caller {
  if (!ctx.caller) throw new Error('callerOf() on an unauthenticated field');
  return ctx.caller;
}

type WithoutNulls<T> = { [K in keyof T]: Exclude<T[K], null> };

/** GraphQL's explicit `null` for an optional input field means "not given" to the services. */
export function withoutNulls<T extends object>(input: T): WithoutNulls<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null)) as WithoutNulls<T>;
}

/** The `from` (inclusive) / `to` (exclusive) filter of a log query on `createdAt`. */
export function createdBetween(args: { from?: Date | null; to?: Date | null }): { createdAt?: { gte?: Date; lt?: Date } } {
  if (!args.from && !args.to) return {};
  return { createdAt: { ...(args.from && { gte: args.from }), ...(args.to && { lt: args.to }) } };
}
