/**
 * Deposit details of a connection, assigned when it becomes CONNECTED: a deposit IBAN
 * for SELL connections and a deposit Bitcoin address for BUY connections.
 */
import { createHash } from 'node:crypto';
import { bech32 } from 'bech32';
import { composeIBAN } from 'ibantools';

export interface DepositDetails {
  depositIban: string | null;
  depositAddress: string | null;
}

export interface DepositAccountRequest {
  id: string;
  organizationId: string;
  environment: 'TEST' | 'LIVE';
  direction: 'BUY' | 'SELL';
}

/**
 * Opens (or finds) the deposit account of a connection when it becomes CONNECTED.
 *
 * THIS is the place to plug in a real provider (a bank's virtual-IBAN API, a custody
 * or wallet service) for LIVE: implement this interface and pass it where the service
 * is wired, instead of {@link SandboxDepositAccounts}. Nothing else needs to change.
 *
 * Contract every implementation must keep:
 * - Idempotent per connection id: calling `open` twice (retries, concurrent requests,
 *   a restart halfway through) returns the same details and opens nothing new. Key the
 *   provider call by `connection.id` (e.g. as the provider's idempotency key or
 *   external reference).
 * - Shape follows the direction: SELL returns `depositIban` (electronic format, must pass
 *   `normalizeIban`) and `depositAddress: null`; BUY returns `depositAddress` (must pass
 *   `normalizeBtcAddress(…, connection.environment)`) and `depositIban: null`. Either may
 *   be null when the provider has no details yet.
 * - Never throws (never rejects) for TEST connections. For LIVE it may reject when the
 *   provider is unavailable; because `open` is idempotent, the caller can safely retry.
 */
export interface DepositAccounts {
  open(connection: DepositAccountRequest): Promise<DepositDetails>;
}

/** SHA-256 of a domain-separated label and the connection id: stable, uniform, no state. */
function digest(label: string, connectionId: string): Buffer {
  return createHash('sha256').update(`keyward:sandbox-deposit:${label}:`).update(connectionId, 'utf8').digest();
}

/**
 * A German IBAN (DE + check digits + 8-digit bank code + 10-digit account) whose digits
 * come from the hash of the connection id. The bank code starts with 0: German bank codes
 * start with their clearing area, 1–8, so no real bank uses it and a sandbox IBAN cannot
 * be a real person's account. 17 hashed digits leave ~10^17 possible IBANs.
 */
export function sandboxDepositIban(connectionId: string): string {
  const hash = digest('iban', connectionId);
  const digits = (BigInt(`0x${hash.subarray(0, 16).toString('hex')}`) % 10n ** 17n).toString().padStart(17, '0');
  const bban = `0${digits}`; // bank code 0xxxxxxx, account number xxxxxxxxxx
  const iban = composeIBAN({ countryCode: 'DE', bban });
  // composeIBAN only returns null for a BBAN that does not fit the country format; an
  // 18-digit BBAN always fits DE, so this cannot happen (and the tests check it).
  if (iban === null) throw new Error('sandboxDepositIban: composeIBAN refused an 18-digit German BBAN');
  return iban;
}

/**
 * A testnet P2WPKH address (tb1q…): witness version 0 and a 20-byte program taken from
 * the hash of the connection id. Nobody holds a key for it; it only has to be well formed.
 */
export function sandboxDepositAddress(connectionId: string): string {
  const program = digest('address', connectionId).subarray(0, 20);
  return bech32.encode('tb', [0, ...bech32.toWords(program)]);
}

/**
 * The built-in implementation.
 *
 * TEST: generates valid test values with no provider and no storage, derived only from
 * the connection id, so every call for the same connection returns the same details:
 * SELL → a checksum-correct German IBAN, BUY → a testnet P2WPKH address (tb1q…).
 *
 * LIVE: no real provider is built in, so it returns `{ depositIban: null, depositAddress:
 * null }`. The connection still connects; its deposit details come from the real
 * provider once one is plugged in (see {@link DepositAccounts}). It never invents LIVE
 * details: a made-up IBAN or address there could send a user's money nowhere.
 */
export class SandboxDepositAccounts implements DepositAccounts {
  async open(connection: DepositAccountRequest): Promise<DepositDetails> {
    if (connection.environment !== 'TEST') return { depositIban: null, depositAddress: null };
    if (connection.direction === 'SELL') return { depositIban: sandboxDepositIban(connection.id), depositAddress: null };
    return { depositIban: null, depositAddress: sandboxDepositAddress(connection.id) };
  }
}
