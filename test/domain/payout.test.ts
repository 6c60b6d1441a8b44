import { bech32, bech32m } from 'bech32';
import fc from 'fast-check';
import { composeIBAN, countrySpecs } from 'ibantools';
import { describe, expect, it } from 'vitest';
import { normalizeBtcAddress, normalizeIban, normalizeRecipient } from '../../src/domain/connection/payout.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.info(`payout fast-check seed ${seed} (replay with FC_SEED=${seed})`);
const runs = { numRuns: 2_000, seed };

const segwit = (prefix: string, version: number, program: Uint8Array) =>
  (version === 0 ? bech32 : bech32m).encode(prefix, [version, ...bech32.toWords(program)]);

describe('normalizeIban', () => {
  it.each([
    ['DE89370400440532013000', 'DE89370400440532013000'],
    ['DE89 3704 0044 0532 0130 00', 'DE89370400440532013000'],
    ['de89 3704 0044 0532 0130 00', 'DE89370400440532013000'],
    ['  de89370400440532013000\n', 'DE89370400440532013000'],
    ['GB82WEST12345698765432', 'GB82WEST12345698765432'],
    ['gb82 west 1234 5698 7654 32', 'GB82WEST12345698765432'],
    ['FR1420041010050500013M02606', 'FR1420041010050500013M02606'],
    ['FR14 2004 1010 0505 0001 3M02 606', 'FR1420041010050500013M02606'],
    ['NL91ABNA0417164300', 'NL91ABNA0417164300'],
    ['nl91 abna 0417 1643 00', 'NL91ABNA0417164300'],
    ['BE68 5390 0754 7034', 'BE68539007547034'],
    ['CH93 0076 2011 6238 5295 7', 'CH9300762011623852957'],
    ['ES91 2100 0418 4502 0005 1332', 'ES9121000418450200051332'],
    ['IT60 X054 2811 1010 0000 0123 456', 'IT60X0542811101000000123456'],
    ['AT61 1904 3002 3457 3201', 'AT611904300234573201'],
    ['NO93 8601 1117 947', 'NO9386011117947'],
  ])('accepts %j as %s', (input, value) => {
    expect(normalizeIban(input)).toEqual({ ok: true, value });
  });

  it.each([
    ['DE89370400440532013001', /check digits of this IBAN do not match/], // last digit changed
    ['DE88370400440532013000', /check digits of this IBAN do not match/], // check digit changed
    ['GB82WEST12345698765433', /check digits of this IBAN do not match/],
    ['NL91ABNA0417164301', /check digits of this IBAN do not match/],
    ['FR1420041010050500013M02607', /IBAN/],
    ['DE8937040044053201300', /from DE has 22 characters; this one has 21/], // too short
    ['DE893704004405320130000', /from DE has 22 characters; this one has 23/], // too long
    ['NL91ABNA041716430', /from NL has 18 characters; this one has 17/],
    ['XX89370400440532013000', /"XX" is not the country code of a country that uses IBANs/],
    ['US64SVBKUS6S3300958879', /"US" is not the country code/],
    ['DEAB370400440532013000', /third and fourth characters of an IBAN are its two check digits/],
    ['NL91ABNA041716430A', /account part of this IBAN does not have the format used in NL/],
    ['8937040044053201300012', /starts with a two-letter country code/],
    ['DE89-3704-0044-0532-0130-00', /only letters and digits/],
    ['DE89.3704.0044.0532.0130.00', /only letters and digits/],
    ['DE89 3704 0044 0532 0130 00 '.repeat(4), /too long/],
    ['', /^Enter an IBAN\.$/],
    ['   ', /^Enter an IBAN\.$/],
  ])('refuses %j', (input, message) => {
    const result = normalizeIban(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it('refuses a non-string without throwing', () => {
    expect(normalizeIban(undefined as unknown as string)).toEqual({ ok: false, message: 'Enter an IBAN.' });
  });

  it('accepts any valid German IBAN in any case and grouping, and returns the electronic format', () => {
    const bban = fc.stringMatching(/^[0-9]{18}$/);
    fc.assert(
      fc.property(bban, fc.boolean(), fc.boolean(), (digits, lower, grouped) => {
        const iban = composeIBAN({ countryCode: 'DE', bban: digits });
        expect(iban).not.toBeNull();
        let input = iban!;
        if (grouped) input = input.replace(/(.{4})/g, '$1 ');
        if (lower) input = input.toLowerCase();
        expect(normalizeIban(input)).toEqual({ ok: true, value: iban });
      }),
      runs,
    );
  });

  it('refuses every single-digit substitution of a valid IBAN (mod 97 catches them all)', () => {
    const valid = 'DE89370400440532013000';
    for (let i = 2; i < valid.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const digit = String(d);
        if (valid[i] === digit) continue;
        const changed = valid.slice(0, i) + digit + valid.slice(i + 1);
        expect(normalizeIban(changed).ok, changed).toBe(false);
      }
    }
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => {
        const result = normalizeIban(input);
        if (result.ok) expect(result.value).toMatch(/^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/);
        else expect(result.message.length).toBeGreaterThan(0);
      }),
      runs,
    );
  });
});

describe('normalizeBtcAddress', () => {
  // Real mainnet addresses, one per accepted type.
  const mainnet = {
    p2pkh: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', // genesis block coinbase
    p2sh: '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
    p2wpkh: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
    p2wsh: 'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3', // BIP 173
    p2tr: 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297', // BIP 86
  };
  const testnet = {
    p2pkhM: 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn',
    p2pkhN: 'n3GNqMveyvaPvUbH469vDRadqpJMPc84JA',
    p2sh: '2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc',
    p2wpkh: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', // BIP 173
    p2wsh: 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', // BIP 173
    p2tr: 'tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c', // BIP 350
    regtest: 'bcrt1qs758ursh4q9z627kt3pp5yysm78ddny6txaqgw',
  };

  it.each(Object.entries(mainnet))('LIVE and TEST accept the mainnet %s address', (_type, address) => {
    expect(normalizeBtcAddress(address, 'LIVE')).toEqual({ ok: true, value: address });
    expect(normalizeBtcAddress(address, 'TEST')).toEqual({ ok: true, value: address });
  });

  it.each(Object.entries(testnet))('TEST accepts the testnet %s address; LIVE refuses it', (_type, address) => {
    expect(normalizeBtcAddress(address, 'TEST')).toEqual({ ok: true, value: address });
    const live = normalizeBtcAddress(address, 'LIVE');
    expect(live.ok).toBe(false);
    if (!live.ok) expect(live.message).toMatch(/not a valid Bitcoin mainnet address/);
  });

  it('names the network a LIVE refusal is about', () => {
    expect(normalizeBtcAddress(testnet.p2wpkh, 'LIVE')).toEqual({
      ok: false,
      message: 'This is a Bitcoin testnet address, not a valid Bitcoin mainnet address; LIVE accepts mainnet addresses only.',
    });
    expect(normalizeBtcAddress(testnet.regtest, 'LIVE')).toMatchObject({ ok: false, message: expect.stringMatching(/regtest/) });
  });

  it('stores upper-case bech32 in lower case and keeps base58 as given', () => {
    expect(normalizeBtcAddress('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'LIVE')).toEqual({
      ok: true,
      value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
    });
    expect(normalizeBtcAddress(mainnet.p2tr.toUpperCase(), 'LIVE')).toEqual({ ok: true, value: mainnet.p2tr });
    expect(normalizeBtcAddress(testnet.p2wpkh.toUpperCase(), 'TEST')).toEqual({ ok: true, value: testnet.p2wpkh });
    expect(normalizeBtcAddress(`  ${mainnet.p2pkh}\n`, 'LIVE')).toEqual({ ok: true, value: mainnet.p2pkh });
    expect(normalizeBtcAddress(mainnet.p2pkh.toLowerCase(), 'TEST').ok).toBe(false); // base58 is case-sensitive
  });

  it.each([
    ['base58 with a changed character', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'],
    ['P2SH with a changed character', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz'],
    ['bech32 with a changed character', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr'],
    ['taproot with a changed character', 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3296'],
    ['taproot with a bech32 (not bech32m) checksum', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd'], // BIP 350
    ['a truncated address', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5m'],
    ['an Ethereum address', '0x742d35Cc6634C0532925a3b844Bc454e4438f44e'],
    ['a Litecoin address', 'ltc1qg82a6x8d6nqf3ar0uq3dhfl4nlgypmgs5n5zn0'],
    ['base58 with a character outside the alphabet', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0'],
    ['an address with a space inside', '1A1zP1eP5QGef i2DMPTfTL5SLmv7DivfNa'],
    ['an IBAN', 'DE89370400440532013000'],
  ])('refuses %s', (_what, input) => {
    for (const environment of ['LIVE', 'TEST'] as const) {
      const result = normalizeBtcAddress(input, environment);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(environment === 'LIVE' ? /not a valid Bitcoin mainnet address/ : /Bitcoin/);
    }
  });

  it('refuses mixed-case bech32 with a clear message', () => {
    const result = normalizeBtcAddress('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzWf5mdq', 'LIVE');
    expect(result).toEqual({
      ok: false,
      message: 'This is not a valid Bitcoin mainnet address. Addresses starting with bc1 or tb1 must be all lower case or all upper case, not mixed.',
    });
    expect(normalizeBtcAddress('Tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'TEST').ok).toBe(false);
  });

  it('refuses segwit versions and lengths outside the five standard types', () => {
    const v2 = segwit('bc', 2, new Uint8Array(16)); // future witness version
    const v1short = segwit('bc', 1, new Uint8Array(20)); // v1 but not 32 bytes: not taproot
    for (const address of [v2, v1short, 'bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs']) {
      expect(normalizeBtcAddress(address, 'LIVE')).toMatchObject({ ok: false, message: expect.stringMatching(/not supported/) });
    }
  });

  it('refuses empty and oversized input', () => {
    expect(normalizeBtcAddress('', 'LIVE')).toEqual({ ok: false, message: 'Enter a Bitcoin address.' });
    expect(normalizeBtcAddress('  ', 'TEST')).toEqual({ ok: false, message: 'Enter a Bitcoin address.' });
    expect(normalizeBtcAddress('1'.repeat(500), 'LIVE').ok).toBe(false);
  });

  it('accepts every well-formed P2WPKH/P2WSH/P2TR program on the right network, lower-cased', () => {
    const program = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    const kind = fc.oneof(
      program(20).map((p) => [0, p] as const),
      program(32).map((p) => [0, p] as const),
      program(32).map((p) => [1, p] as const),
    );
    fc.assert(
      fc.property(kind, fc.boolean(), ([version, bytes], upper) => {
        const main = segwit('bc', version, bytes);
        const test = segwit('tb', version, bytes);
        const shown = (a: string) => (upper ? a.toUpperCase() : a);
        expect(normalizeBtcAddress(shown(main), 'LIVE')).toEqual({ ok: true, value: main });
        expect(normalizeBtcAddress(shown(main), 'TEST')).toEqual({ ok: true, value: main });
        expect(normalizeBtcAddress(shown(test), 'TEST')).toEqual({ ok: true, value: test });
        expect(normalizeBtcAddress(shown(test), 'LIVE').ok).toBe(false);
      }),
      runs,
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), fc.constantFrom('LIVE' as const, 'TEST' as const), (input, environment) => {
        const result = normalizeBtcAddress(input, environment);
        if (!result.ok) expect(result.message.length).toBeGreaterThan(0);
      }),
      runs,
    );
  });
});

describe('normalizeRecipient', () => {
  it.each([
    ['de89 3704 0044 0532 0130 00', 'LIVE', 'IBAN', 'DE89370400440532013000'],
    ['GB82WEST12345698765432', 'TEST', 'IBAN', 'GB82WEST12345698765432'],
    ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'LIVE', 'BTC_ADDRESS', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'],
    ['BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ', 'LIVE', 'BTC_ADDRESS', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'],
    ['tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'TEST', 'BTC_ADDRESS', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx'],
    ['mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn', 'TEST', 'BTC_ADDRESS', 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn'],
  ] as const)('%s in %s is an %s', (input, environment, kind, value) => {
    expect(normalizeRecipient(input, environment)).toEqual({ ok: true, kind, value });
  });

  it('explains a refusal against the format the input resembles', () => {
    expect(normalizeRecipient('DE89 3704 0044 0532 0130 01', 'LIVE')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/check digits of this IBAN/),
    });
    expect(normalizeRecipient('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'LIVE')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not a valid Bitcoin mainnet address/),
    });
    expect(normalizeRecipient('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', 'LIVE')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not a valid Bitcoin mainnet address/),
    });
    expect(normalizeRecipient('alice@example.com', 'LIVE')).toEqual({
      ok: false,
      message: 'Enter an IBAN (such as DE89 3704 0044 0532 0130 00) or a Bitcoin address.',
    });
    expect(normalizeRecipient('', 'TEST')).toEqual({ ok: false, message: 'Enter an IBAN or a Bitcoin address.' });
  });

  it('cannot confuse the two formats: no IBAN country shares a prefix and length with a base58 or bech32 address', () => {
    for (const [country, spec] of Object.entries(countrySpecs)) {
      if (spec.chars === undefined) continue;
      expect(['BC', 'TB'], country).not.toContain(country);
      // Testnet P2PKH addresses start with m or n and are 33 or 34 characters long.
      if (/^[MN]/.test(country)) expect(spec.chars, country).toBeLessThan(33);
    }
  });
});
