import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SandboxDepositAccounts,
  sandboxDepositAddress,
  sandboxDepositIban,
  type DepositAccountRequest,
  type DepositAccounts,
} from '../../src/domain/connection/deposit-accounts.ts';
import { normalizeBtcAddress, normalizeIban } from '../../src/domain/connection/payout.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.info(`deposit-accounts fast-check seed ${seed} (replay with FC_SEED=${seed})`);
const runs = { numRuns: 1_000, seed };

const accounts: DepositAccounts = new SandboxDepositAccounts();
const connection = (id: string, environment: 'TEST' | 'LIVE', direction: 'BUY' | 'SELL'): DepositAccountRequest => ({
  id,
  organizationId: 'org_1',
  environment,
  direction,
});
const connectionId = fc.oneof(fc.uuid(), fc.string({ maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 16 }));

describe('SandboxDepositAccounts in TEST', () => {
  it('SELL gets a valid German IBAN in electronic format and no address', async () => {
    const details = await accounts.open(connection('conn_1', 'TEST', 'SELL'));
    expect(details.depositAddress).toBeNull();
    expect(details.depositIban).toMatch(/^DE[0-9]{2}0[0-9]{17}$/); // bank code starts with 0: no real German bank
    expect(normalizeIban(details.depositIban!)).toEqual({ ok: true, value: details.depositIban });
  });

  it('BUY gets a valid testnet P2WPKH address and no IBAN', async () => {
    const details = await accounts.open(connection('conn_1', 'TEST', 'BUY'));
    expect(details.depositIban).toBeNull();
    expect(details.depositAddress).toMatch(/^tb1q[02-9ac-hj-np-z]{38}$/);
    expect(normalizeBtcAddress(details.depositAddress!, 'TEST')).toEqual({ ok: true, value: details.depositAddress });
    expect(normalizeBtcAddress(details.depositAddress!, 'LIVE').ok).toBe(false); // testnet only
  });

  it('for any connection id, the details validate and are the same on every call', async () => {
    await fc.assert(
      fc.asyncProperty(connectionId, fc.string({ maxLength: 10 }), async (id, organizationId) => {
        const sell = await accounts.open({ ...connection(id, 'TEST', 'SELL'), organizationId });
        const buy = await accounts.open({ ...connection(id, 'TEST', 'BUY'), organizationId });
        expect(normalizeIban(sell.depositIban!)).toEqual({ ok: true, value: sell.depositIban });
        expect(normalizeBtcAddress(buy.depositAddress!, 'TEST')).toEqual({ ok: true, value: buy.depositAddress });
        // Idempotent: a second call (even from another instance) returns the same details.
        expect(await new SandboxDepositAccounts().open(connection(id, 'TEST', 'SELL'))).toEqual(sell);
        expect(await accounts.open(connection(id, 'TEST', 'BUY'))).toEqual(buy);
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
    expect(sandboxDepositIban('conn_1')).toBe('DE35042997912107130109');
    expect(sandboxDepositAddress('conn_1')).toBe('tb1qxewvswxnhft4dpjf4dtz2tkvemtzhsak7vy930');
  });

  it('never rejects for TEST, whatever the id', async () => {
    await expect(accounts.open(connection('', 'TEST', 'SELL'))).resolves.toMatchObject({ depositAddress: null });
    await expect(accounts.open(connection('', 'TEST', 'BUY'))).resolves.toMatchObject({ depositIban: null });
    await expect(accounts.open(connection('x'.repeat(100_000), 'TEST', 'BUY'))).resolves.toMatchObject({ depositIban: null });
  });
});

describe('SandboxDepositAccounts in LIVE', () => {
  it.each(['BUY', 'SELL'] as const)('%s returns no details (no real provider is built in)', async (direction) => {
    expect(await accounts.open(connection('conn_1', 'LIVE', direction))).toEqual({ depositIban: null, depositAddress: null });
  });

  it('returns nulls for any connection id', async () => {
    await fc.assert(
      fc.asyncProperty(connectionId, fc.constantFrom('BUY' as const, 'SELL' as const), async (id, direction) => {
        expect(await accounts.open(connection(id, 'LIVE', direction))).toEqual({ depositIban: null, depositAddress: null });
      }),
      { ...runs, numRuns: 200 },
    );
  });
});
