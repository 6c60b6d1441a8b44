import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  depositDetailsFor,
  SandboxDepositProvider,
  sandboxDepositAddress,
  sandboxDepositIban,
  type DepositProvider,
  type DepositRequest,
} from '../../src/domain/connection/deposit-accounts.ts';
import { normalizeBtcAddress, normalizeIban } from '../../src/domain/connection/payout.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.info(`deposit-accounts fast-check seed ${seed} (replay with FC_SEED=${seed})`);
const runs = { numRuns: 1_000, seed };

const sandbox: DepositProvider = new SandboxDepositProvider();
const connection = (id: string, environment: 'TEST' | 'LIVE', direction: 'BUY' | 'SELL'): DepositRequest & { direction: 'BUY' | 'SELL' } => ({
  id,
  organizationId: 'org_1',
  environment,
  direction,
});
const details = (id: string, environment: 'TEST' | 'LIVE', direction: 'BUY' | 'SELL', provider: DepositProvider = sandbox) =>
  depositDetailsFor(provider, connection(id, environment, direction));
const connectionId = fc.oneof(fc.uuid(), fc.string({ maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 16 }));

describe('deposit details in TEST (the sandbox provider)', () => {
  it('BUY (EUR to BTC) gets the IBAN the user pays EUR into: valid, electronic format, plainly a test one; no address', async () => {
    const buy = await details('conn_1', 'TEST', 'BUY');
    expect(buy.depositAddress).toBeNull();
    expect(buy.depositIban).toMatch(/^DE[0-9]{2}0000[0-9]{14}$/); // bank code 0000…: no German bank code starts with 0
    expect(normalizeIban(buy.depositIban!)).toEqual({ ok: true, value: buy.depositIban });
  });

  it('SELL (BTC to EUR) gets the testnet address the user sends BTC to: P2WPKH, valid bech32 checksum; no IBAN', async () => {
    const sell = await details('conn_1', 'TEST', 'SELL');
    expect(sell.depositIban).toBeNull();
    expect(sell.depositAddress).toMatch(/^tb1q[02-9ac-hj-np-z]{38}$/);
    expect(normalizeBtcAddress(sell.depositAddress!, 'TEST')).toEqual({ ok: true, value: sell.depositAddress });
    expect(normalizeBtcAddress(sell.depositAddress!, 'LIVE').ok).toBe(false); // testnet only
  });

  it('for any connection id, the details validate and are the same on every call', async () => {
    await fc.assert(
      fc.asyncProperty(connectionId, fc.string({ maxLength: 10 }), async (id, organizationId) => {
        const buy = await depositDetailsFor(sandbox, { ...connection(id, 'TEST', 'BUY'), organizationId });
        const sell = await depositDetailsFor(sandbox, { ...connection(id, 'TEST', 'SELL'), organizationId });
        expect(normalizeIban(buy.depositIban!)).toEqual({ ok: true, value: buy.depositIban });
        expect(normalizeBtcAddress(sell.depositAddress!, 'TEST')).toEqual({ ok: true, value: sell.depositAddress });
        expect([buy.depositAddress, sell.depositIban]).toEqual([null, null]);
        // Idempotent: a second call (even from another instance) returns the same details.
        expect(await details(id, 'TEST', 'BUY', new SandboxDepositProvider())).toEqual(buy);
        expect(await details(id, 'TEST', 'SELL')).toEqual(sell);
      }),
      runs,
    );
  });

  it('distinct connection ids get distinct IBANs and addresses (10k ids, no collisions)', () => {
    const ids = fc.sample(fc.uuid(), { numRuns: 10_000, seed });
    ids.push(...Array.from({ length: 10_000 }, (_, i) => `conn_${i}`)); // sequential ids too
    const distinctIds = new Set(ids);
    expect(new Set([...distinctIds].map(sandboxDepositIban)).size).toBe(distinctIds.size);
    expect(new Set([...distinctIds].map(sandboxDepositAddress)).size).toBe(distinctIds.size);
  });

  it('is pinned: the same id gives the same details across releases', () => {
    // If these change, existing TEST connections would see their deposit details move.
    expect(sandboxDepositIban('conn_1')).toBe('DE21000097912107130109');
    expect(sandboxDepositAddress('conn_1')).toBe('tb1qxewvswxnhft4dpjf4dtz2tkvemtzhsak7vy930');
  });

  it('never rejects for TEST, whatever the id', async () => {
    await expect(details('', 'TEST', 'BUY')).resolves.toMatchObject({ depositAddress: null });
    await expect(details('', 'TEST', 'SELL')).resolves.toMatchObject({ depositIban: null });
    await expect(details('x'.repeat(100_000), 'TEST', 'SELL')).resolves.toMatchObject({ depositIban: null });
  });
});

describe('deposit details in LIVE', () => {
  it.each(['BUY', 'SELL'] as const)('%s: the sandbox provider has none (no real provider is built in)', async (direction) => {
    expect(await details('conn_1', 'LIVE', direction)).toEqual({ depositIban: null, depositAddress: null });
  });

  it('the sandbox provider returns nulls for any connection id', async () => {
    await fc.assert(
      fc.asyncProperty(connectionId, fc.constantFrom('BUY' as const, 'SELL' as const), async (id, direction) => {
        expect(await details(id, 'LIVE', direction)).toEqual({ depositIban: null, depositAddress: null });
      }),
      { ...runs, numRuns: 200 },
    );
  });

  it("a plugged-in provider is asked for its direction's kind only, and what it returns is used as it is", async () => {
    const asked: string[] = [];
    const provider: DepositProvider = {
      fiatDepositAccount: async (c) => {
        asked.push(`iban ${c.id}`);
        return 'DE89370400440532013000';
      },
      cryptoDepositAddress: async (c) => {
        asked.push(`address ${c.id}`);
        return 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
      },
    };
    expect(await details('buy_1', 'LIVE', 'BUY', provider)).toEqual({ depositIban: 'DE89370400440532013000', depositAddress: null });
    expect(await details('sell_1', 'LIVE', 'SELL', provider)).toEqual({ depositIban: null, depositAddress: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' });
    expect(asked).toEqual(['iban buy_1', 'address sell_1']);
  });

  it('refuses what a provider returns that no user should send money to: a bad IBAN, a testnet address in LIVE, an address for an IBAN', async () => {
    const returning = (iban: string, address: string): DepositProvider => ({ fiatDepositAccount: async () => iban, cryptoDepositAddress: async () => address });
    await expect(details('c', 'LIVE', 'BUY', returning('DE89370400440532013001', ''))).rejects.toThrow('invalid deposit IBAN');
    await expect(details('c', 'LIVE', 'BUY', returning('de89 3704 0044 0532 0130 00', ''))).rejects.toThrow('invalid deposit IBAN'); // not in its stored form
    await expect(details('c', 'LIVE', 'BUY', returning('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', ''))).rejects.toThrow('invalid deposit IBAN');
    await expect(details('c', 'LIVE', 'SELL', returning('', sandboxDepositAddress('c')))).rejects.toThrow('invalid deposit address');
    await expect(details('c', 'LIVE', 'SELL', returning('', 'DE89370400440532013000'))).rejects.toThrow('invalid deposit address');
  });
});
