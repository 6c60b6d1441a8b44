import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What an operation ended with, for the request log: the codes of typed payload errors (which
 * are data, so invisible in the result's `errors`) are recorded here while the operation runs.
 */
export interface OperationOutcome {
  codes: Set<string>;
}

export const outcomeStorage = new AsyncLocalStorage<OperationOutcome>();

export function recordOutcomeCode(code: string): void {
  outcomeStorage.getStore()?.codes.add(code);
}
