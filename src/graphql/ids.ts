import { decodeGlobalID } from '@pothos/plugin-relay';
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
