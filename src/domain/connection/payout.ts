/**
 * Payout details: IBANs (SELL, BTC→EUR) and Bitcoin addresses (BUY, EUR→BTC), also
 * used for per-user keys' `allowedRecipients`. Validation is left to maintained
 * libraries (ibantools for IBANs, bitcoin-address-validation for addresses), not
 * hand-written patterns; this module only tidies the input, picks what an
 * environment accepts and turns library verdicts into messages people can act on.
 *
 * Stored forms: an IBAN in electronic format (upper case, no spaces); a bech32/bech32m
 * address in lower case; a base58 address exactly as given (base58 is case-sensitive).
 */
import { ValidationErrorsIBAN, countrySpecs, validateIBAN } from 'ibantools';
import { AddressType, Network, getAddressInfo, type AddressInfo } from 'bitcoin-address-validation';

export type PayoutEnvironment = 'TEST' | 'LIVE';
export type NormalizeResult = { ok: true; value: string } | { ok: false; message: string };
type RecipientKind = 'IBAN' | 'BTC_ADDRESS';
export type RecipientResult = { ok: true; value: string; kind: RecipientKind } | { ok: false; message: string };

// Generous bounds so oversized input is refused before any library work. The longest
// IBAN is 34 characters (plus spaces between groups); bech32 strings are at most 90.
const MAX_IBAN_INPUT_LENGTH = 64;
const MAX_ADDRESS_INPUT_LENGTH = 100;

const ACCEPTED_ADDRESS_TYPES: ReadonlySet<AddressType> = new Set([
  AddressType.p2pkh,
  AddressType.p2sh,
  AddressType.p2wpkh,
  AddressType.p2wsh,
  AddressType.p2tr,
]);

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

// ---------------------------------------------------------------------------------------
// IBAN
// ---------------------------------------------------------------------------------------

/**
 * Accepts an IBAN as people write it ("de89 3704 0044 0532 0130 00") and returns its
 * electronic format ("DE89370400440532013000"). ibantools checks that the country uses
 * IBANs, the length and account format for that country, national check digits where
 * ibantools knows them, and the ISO 7064 mod-97 check digits.
 */
export function normalizeIban(input: string): NormalizeResult {
  if (typeof input !== 'string' || input.trim() === '') return fail('Enter an IBAN.');
  if (input.length > MAX_IBAN_INPUT_LENGTH) return fail('This is too long to be an IBAN (at most 34 letters and digits).');
  const iban = input.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z0-9]+$/.test(iban)) return fail('An IBAN contains only letters and digits (spaces between groups are fine).');
  if (!/^[A-Z]{2}/.test(iban)) return fail('An IBAN starts with a two-letter country code, such as DE or FR.');

  const country = iban.slice(0, 2);
  const { valid, errorCodes } = validateIBAN(iban);
  if (valid) return { ok: true, value: iban };

  const has = (code: ValidationErrorsIBAN) => errorCodes.includes(code);
  const expected = countrySpecs[country]?.chars;
  if (has(ValidationErrorsIBAN.NoIBANCountry)) return fail(`"${country}" is not the country code of a country that uses IBANs.`);
  if (has(ValidationErrorsIBAN.WrongBBANLength) && expected !== undefined) {
    return fail(`An IBAN from ${country} has ${expected} characters; this one has ${iban.length}. Check for a missing or extra character.`);
  }
  if (has(ValidationErrorsIBAN.ChecksumNotNumber)) return fail('The third and fourth characters of an IBAN are its two check digits.');
  if (has(ValidationErrorsIBAN.WrongBBANFormat)) return fail(`The account part of this IBAN does not have the format used in ${country}.`);
  if (has(ValidationErrorsIBAN.WrongAccountBankBranchChecksum)) {
    return fail('The bank or account number inside this IBAN fails its national check; check it for a typo.');
  }
  if (has(ValidationErrorsIBAN.WrongIBANChecksum)) return fail('The check digits of this IBAN do not match; check it for a typo.');
  return fail('This is not a valid IBAN.');
}

// ---------------------------------------------------------------------------------------
// Bitcoin addresses
// ---------------------------------------------------------------------------------------

function isBech32Prefixed(text: string): boolean {
  return /^(?:bc|tb|bcrt)1/i.test(text);
}

function readAddress(text: string): AddressInfo | null {
  try {
    return getAddressInfo(text);
  } catch {
    return null;
  }
}

/**
 * Accepts a Bitcoin address of the five standard output types (P2PKH, P2SH, P2WPKH,
 * P2WSH, P2TR); segwit addresses of other witness versions or program lengths are refused.
 *
 * Networks:
 * - LIVE accepts mainnet addresses only: a testnet/regtest address there is a mistake
 *   that would lose money.
 * - TEST accepts testnet, signet and regtest addresses, and mainnet addresses too:
 *   partners test with real-looking data, and no funds move in TEST, so a mainnet
 *   address there is harmless and refusing it would only get in the way.
 *
 * Stored form: bech32/bech32m addresses in lower case (BIP 173 allows all upper case,
 * e.g. in QR codes; mixed case is invalid), base58 addresses as given.
 */
export function normalizeBtcAddress(input: string, environment: PayoutEnvironment): NormalizeResult {
  const invalid = environment === 'LIVE' ? 'This is not a valid Bitcoin mainnet address.' : 'This is not a valid Bitcoin address.';
  if (typeof input !== 'string' || input.trim() === '') return fail('Enter a Bitcoin address.');
  const text = input.trim();
  if (text.length > MAX_ADDRESS_INPUT_LENGTH) return fail(`${invalid} It is too long.`);
  if (/\s/.test(text)) return fail(`${invalid} A Bitcoin address contains no spaces.`);

  let candidate = text;
  if (isBech32Prefixed(text)) {
    if (text !== text.toLowerCase() && text !== text.toUpperCase()) {
      return fail(`${invalid} Addresses starting with bc1 or tb1 must be all lower case or all upper case, not mixed.`);
    }
    candidate = text.toLowerCase();
  }

  const info = readAddress(candidate);
  if (info === null) return fail(`${invalid} Check it for a typo.`);
  if (!ACCEPTED_ADDRESS_TYPES.has(info.type)) {
    return fail('This Bitcoin address type is not supported; use a P2PKH (1…), P2SH (3…), SegWit (bc1q…) or Taproot (bc1p…) address.');
  }
  if (environment === 'LIVE' && info.network !== Network.mainnet) {
    return fail(`This is a Bitcoin ${info.network} address, not a valid Bitcoin mainnet address; LIVE accepts mainnet addresses only.`);
  }
  return { ok: true, value: candidate };
}

// ---------------------------------------------------------------------------------------
// Recipients (allowedRecipients): an IBAN or a Bitcoin address
// ---------------------------------------------------------------------------------------

/**
 * Accepts either an IBAN or a Bitcoin address, whichever parses, and says which.
 *
 * The two formats cannot both match one input: IBANs start with a two-letter country
 * code, so they never look like base58 addresses starting 1, 2 or 3, nor like bech32
 * ones (BC, TB are not IBAN countries); testnet base58 addresses starting m or n are
 * 33–34 characters long, while IBANs of countries starting M or N are at most 31.
 */
export function normalizeRecipient(input: string, environment: PayoutEnvironment): RecipientResult {
  if (typeof input !== 'string' || input.trim() === '') return fail('Enter an IBAN or a Bitcoin address.');

  const iban = normalizeIban(input);
  if (iban.ok) return { ok: true, value: iban.value, kind: 'IBAN' };
  const address = normalizeBtcAddress(input, environment);
  if (address.ok) return { ok: true, value: address.value, kind: 'BTC_ADDRESS' };

  // Neither parsed: explain against the format the input most resembles.
  const text = input.trim();
  if (isBech32Prefixed(text) || /^[123mn][1-9A-HJ-NP-Za-km-z]{24,}$/.test(text)) return address;
  if (/^[A-Za-z]{2}\s*[0-9]{2}/.test(text)) return iban;
  return fail('Enter an IBAN (such as DE89 3704 0044 0532 0130 00) or a Bitcoin address.');
}
