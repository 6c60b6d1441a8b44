import { decodeGlobalID } from '@pothos/plugin-relay';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { NotFoundError } from '../domain/errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A global ID of the given type, as the database id. Anything else — garbage, another type, a
 * well-formed id of nothing — is NOT_FOUND, the same answer as another organization's object.
 */
export function decodeId(globalId: string, typename: string, what = typename): string {
  try {
    const { typename: actual, id } = decodeGlobalID(globalId);
    if (actual === typename && UUID.test(id)) return id;
  } catch {
    // fall through
  }
  throw new NotFoundError(what);
}

/** What `node(id:)` is handed for an id that names no object: it answers null without looking. */
const NO_NODE = { typename: '', id: '' } as const;

/**
 * The relay plugin's decoder (used by `node(id:)` only: other id arguments are plain `ID`s read
 * with `decodeId`): never throws, so garbage is not an error but an id of nothing.
 */
export function decodeNodeId(globalId: string): { typename: string; id: string } {
  try {
    return decodeGlobalID(globalId);
  } catch {
    return NO_NODE;
  }
}

/**
 * Whether a decoded id can name an object `node(id:)` may load: a type of the schema that
 * implements Node (all of them keyed by a UUID). Anything else — an unknown type, a type that is
 * not a Node, an id that is not a UUID — names nothing, and node() answers null, as it does for
 * an object the caller may not see (docs/api.md, NOT_FOUND).
 */
export function namesNode(decoded: { typename: string; id: string }, schema: GraphQLSchema): boolean {
  if (!decoded.typename || !UUID.test(decoded.id)) return false;
  const type = schema.getType(decoded.typename);
  return isObjectType(type) && type.getInterfaces().some((iface) => iface.name === 'Node');
}
