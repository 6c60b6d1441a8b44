/**
 * Deposit details of a connection, assigned when it becomes CONNECTED: where the user sends
 * what it trades away. A BUY connection (EUR to BTC) gets the IBAN the user pays EUR into; a
 * SELL connection (BTC to EUR) gets the Bitcoin address the user sends BTC to.
 */
import { createHash } from 'node:crypto';
import { bech32 } from 'bech32';
import { composeIBAN } from 'ibantools';
import { normalizeBtcAddress, normalizeIban } from './payout.ts';

export type TradeDirection = 'BUY' | 'SELL';

export interface DepositDetails {
  /** BUY only: where the user pays EUR in. */
  depositIban: string | null;
  /** SELL only: where the user sends BTC. */
  depositAddress: string | null;
}

export interface DepositRequest {
  /** The connection's id: the provider's idempotency key. */
  id: string;
  organizationId: string;
  environment: 'TEST' | 'LIVE';
}

/**
 * Where deposit details come from: a bank's virtual-IBAN API for BUY, a custody or wallet
 * service for SELL. THIS is the place to plug in a real provider for LIVE: implement this
 * interface and pass it as `deposits` where the services are wired (`createServices` in
 * src/app.ts), instead of {@link SandboxDepositProvider}. Nothing else needs to change.
 *
 * Contract every implementation must keep:
 * - Idempotent per connection id: asking twice (retries, concurrent requests, a restart
 *   halfway through, the start-up step that replaces stored details) returns the same answer
 *   and opens nothing new. Key the provider call by `connection.id`.
 * - `fiatDepositAccount` returns an IBAN in electronic format (it must pass `normalizeIban`
 *   unchanged); `cryptoDepositAddress` an address that passes `normalizeBtcAddress(…,
 *   connection.environment)` unchanged (mainnet in LIVE, testnet in TEST). Either may return
 *   null when the provider has no details yet.
 * - Never rejects for TEST connections. For LIVE it may reject when the provider is
 *   unavailable; because it is idempotent, the caller can safely retry.
 */
export interface DepositProvider {
  /** BUY: the IBAN the user pays EUR into. */
  fiatDepositAccount(connection: DepositRequest): Promise<string | null>;
  /** SELL: the Bitcoin address the user sends BTC to. */
  cryptoDepositAddress(connection: DepositRequest): Promise<string | null>;
}

/**
 * The details a connection of `direction` gets: the one field its direction has, from the
 * provider, the other always null. A value the provider returns that is not valid (or not in
 * its stored form) is refused here, before any user could be told to send money to it.
 */
export async function depositDetailsFor(provider: DepositProvider, connection: DepositRequest & { direction: TradeDirection }): Promise<DepositDetails> {
  if (connection.direction === 'BUY') {
    const iban = await provider.fiatDepositAccount(connection);
    return { depositIban: iban === null ? null : checked(iban, normalizeIban(iban), 'IBAN'), depositAddress: null };
  }
  const address = await provider.cryptoDepositAddress(connection);
  return { depositIban: null, depositAddress: address === null ? null : checked(address, normalizeBtcAddress(address, connection.environment), 'address') };
}

function checked(value: string, normalized: ReturnType<typeof normalizeIban>, what: string): string {
  if (!normalized.ok || normalized.value !== value) throw new Error(`the deposit provider returned an invalid deposit ${what}`);
  return value;
}

/** SHA-256 of a domain-separated label and the connection id: stable, uniform, no state. */
function digest(label: string, connectionId: string): Buffer {
  return createHash('sha256').update(`keyward:sandbox-deposit:${label}:`).update(connectionId, 'utf8').digest();
}

/**
 * A German IBAN (DE + check digits + 8-digit bank code + 10-digit account) that reads as a
 * test one: its bank code starts with 0000. German bank codes start with their clearing area,
 * 1–8, so no real bank has it and a sandbox IBAN cannot be a real person's account. The other
 * 14 digits come from the hash of the connection id (~10^14 possible IBANs); the check digits
 * are real, so it passes any IBAN validation.
 */
export function sandboxDepositIban(connectionId: string): string {
  const hash = digest('iban', connectionId);
  const digits = (BigInt(`0x${hash.subarray(0, 16).toString('hex')}`) % 10n ** 14n).toString().padStart(14, '0');
  const iban = composeIBAN({ countryCode: 'DE', bban: `0000${digits}` });
  // composeIBAN only returns null for a BBAN that does not fit the country format; an
  // 18-digit BBAN always fits DE, so this cannot happen (and the tests check it).
  if (iban === null) throw new Error('sandboxDepositIban: composeIBAN refused an 18-digit German BBAN');
  return iban;
}

/**
 * A Bitcoin testnet P2WPKH address (tb1q…, bech32 with a valid checksum): witness version 0
 * and a 20-byte program taken from the hash of the connection id. Nobody holds a key for it;
 * it only has to be well formed, and a mainnet wallet refuses it.
 */
export function sandboxDepositAddress(connectionId: string): string {
  const program = digest('address', connectionId).subarray(0, 20);
  return bech32.encode('tb', [0, ...bech32.toWords(program)]);
}

/**
 * The built-in provider.
 *
 * TEST: valid test values with no provider and no storage, derived only from the connection
 * id, so every call for the same connection returns the same details: BUY → a checksum-correct
 * German IBAN with bank code 0000…, SELL → a testnet P2WPKH address (tb1q…).
 *
 * LIVE: no real provider is built in, so it has nothing (null). The connection still
 * connects; its deposit details come from the real provider once one is plugged in (see
 * {@link DepositProvider}). It never invents LIVE details: a made-up IBAN or address there
 * could send a user's money nowhere.
 */
export class SandboxDepositProvider implements DepositProvider {
  async fiatDepositAccount(connection: DepositRequest): Promise<string | null> {
    return connection.environment === 'TEST' ? sandboxDepositIban(connection.id) : null;
  }

  async cryptoDepositAddress(connection: DepositRequest): Promise<string | null> {
    return connection.environment === 'TEST' ? sandboxDepositAddress(connection.id) : null;
  }
}
