/**
 * G-01 (docs/security.md): a fast-check model-based test of partner keys through the real domain
 * services (ApiKeyService, OrganizationService, KeyVerifier) on the real PGlite database.
 *
 * Each run creates a fresh organization (whose first partner key is part of the model) and
 * applies a random sequence of commands: create, rotate (grace 0 or N s), revoke, setAllowlist,
 * advanceClock (through the app's OffsetClock), lapseCache (real time passes the verifier's cache
 * TTL) and verify (KeyVerifier.check with an IP from a small pool). After every command:
 * at most 5 active partner keys in the database, and the database agrees with the model.
 *
 * Time is exact: `Date.now` is frozen in this file (re-read from the real clock at the start of
 * each run, when the OffsetClock is also reset), so the OffsetClock reads "frozen real time +
 * offset" and the model knows the services' `now` to the millisecond: expiry boundaries are hit
 * exactly, with no flakiness from milliseconds passing between commands. As a side effect the verifier's cache (TTL measured with Date.now) only lapses when `lapseCache`
 * moves real time on, so every other verify is served from the cache unless a change dropped it.
 *
 * Replay: the seed is logged; `FC_SEED=<seed> npx vitest run <this file>` repeats a run. To replay
 * just the shrunk counterexample, also pass what the failure prints: FC_PATH=<path> (the
 * `path: "…"` of fc.assert) and FC_REPLAY_PATH=<replayPath> (printed after the counterexample).
 * Longer runs (the docs/security.md figure is 1,000 runs × 50 commands): FC_RUNS=1000 FC_MAX_COMMANDS=50.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { activeWhere, MAX_ACTIVE_PARTNER_KEYS } from '../../src/domain/api-key/api-key.service.ts';
import type { KeyCheck } from '../../src/domain/auth/key-verifier.ts';
import type { Caller } from '../../src/domain/caller.ts';
import { InvalidStateError, KeyLimitReachedError } from '../../src/domain/errors.ts';
import type { ApiKey } from '../../src/generated/prisma/client.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const OPERATOR: Caller = { type: 'operator' };
const CACHE_TTL_MS = 1000;

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 0x7fffffff);
const PATH = process.env.FC_PATH;
const REPLAY_PATH = process.env.FC_REPLAY_PATH;
const NUM_RUNS = Number(process.env.FC_RUNS ?? 60);
const MAX_COMMANDS = Number(process.env.FC_MAX_COMMANDS ?? 30);

// ---------------------------------------------------------------------------------------------
// IP pools. Membership is written out by hand, so the model does not reuse cidr.ts.

const RANGES = ['10.0.0.0/8', '203.0.113.0/24', '2001:db8::/32', '198.51.100.7'] as const;
type Range = (typeof RANGES)[number];

const CLIENT_IPS: readonly { ip: string | undefined; inside: readonly Range[] }[] = [
  { ip: '10.1.2.3', inside: ['10.0.0.0/8'] },
  { ip: '10.255.255.255', inside: ['10.0.0.0/8'] },
  { ip: '11.0.0.1', inside: [] },
  { ip: '9.255.255.255', inside: [] },
  { ip: '203.0.113.200', inside: ['203.0.113.0/24'] },
  { ip: '203.0.114.1', inside: [] },
  { ip: '::ffff:203.0.113.9', inside: ['203.0.113.0/24'] }, // IPv4-mapped: folded to IPv4
  { ip: '::ffff:11.0.0.1', inside: [] },
  { ip: '198.51.100.7', inside: ['198.51.100.7'] },
  { ip: '198.51.100.8', inside: [] },
  { ip: '2001:db8:ffff::1', inside: ['2001:db8::/32'] },
  { ip: '2001:db9::1', inside: [] },
  { ip: undefined, inside: [] }, // no client address known
];

// ---------------------------------------------------------------------------------------------
// Model and system under test

interface ModelKey {
  id: string;
  keyId: string;
  secret: string;
  name: string;
  allowedIps: string[];
  /** Epoch ms, or null. */
  expiresAt: number | null;
  revokedAt: number | null;
  successorId: string | null;
}

interface Model {
  /** What the app's clock reads (ms); time only moves through the commands. */
  now: number;
  keys: ModelKey[];
}

interface Real {
  app: TestApp;
  organizationId: string;
}

const isActive = (k: ModelKey, now: number) => k.revokedAt === null && (k.expiresAt === null || k.expiresAt > now);
const activeCount = (m: Model) => m.keys.filter((k) => isActive(k, m.now)).length;
const pick = (m: Readonly<Model>, index: number) => m.keys[index % m.keys.length]!;
const label = (m: Readonly<Model>, index: number) => `#${index % m.keys.length}`;

/** Outcome tallies, printed at the end so a green run also shows what it exercised. */
const stats: Record<string, number> = {};
const tally = (what: string) => {
  stats[what] = (stats[what] ?? 0) + 1;
};

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function expectError(result: Settled<unknown>, type: typeof KeyLimitReachedError | typeof InvalidStateError, what: string) {
  if (result.ok) throw new Error(`${what}: expected ${type.name}, but it succeeded`);
  if (!(result.error instanceof type)) throw result.error;
}

function expectOk<T>(result: Settled<T>, what: string): T {
  if (!result.ok) throw new Error(`${what}: expected success, got ${String(result.error)}`, { cause: result.error });
  return result.value;
}

const ms = (d: Date | null) => (d === null ? null : d.getTime());

function fromIssued(issued: { key: ApiKey; secret: string }): ModelKey {
  return {
    id: issued.key.id,
    keyId: issued.key.keyId,
    secret: issued.secret,
    name: issued.key.name,
    allowedIps: [...issued.key.allowedIps],
    expiresAt: ms(issued.key.expiresAt),
    revokedAt: ms(issued.key.revokedAt),
    successorId: issued.key.successorId,
  };
}

const view = (k: Pick<ModelKey, 'id' | 'name' | 'allowedIps' | 'expiresAt' | 'revokedAt' | 'successorId'>) => ({
  id: k.id,
  name: k.name,
  allowedIps: [...k.allowedIps].sort(),
  expiresAt: k.expiresAt,
  revokedAt: k.revokedAt,
  successorId: k.successorId,
});

/** Checked after every command. */
async function checkInvariants(m: Model, r: Real): Promise<void> {
  const { prisma } = r.app.services;
  expect(r.app.clock.now().getTime(), 'the app clock reads the model time').toBe(m.now);
  const where = { organizationId: r.organizationId, kind: 'PARTNER' as const };
  const active = await prisma.apiKey.count({ where: { ...where, ...activeWhere(new Date(m.now)) } });
  expect(active, `active partner keys ≤ ${MAX_ACTIVE_PARTNER_KEYS}`).toBeLessThanOrEqual(MAX_ACTIVE_PARTNER_KEYS);
  expect(active, 'active partner keys: database vs model').toBe(activeCount(m));
  const rows = await prisma.apiKey.findMany({ where });
  const actual = rows.map((row) => view({ ...row, expiresAt: ms(row.expiresAt), revokedAt: ms(row.revokedAt) })).sort((a, b) => a.id.localeCompare(b.id));
  const expected = m.keys.map(view).sort((a, b) => a.id.localeCompare(b.id));
  expect(actual, 'partner keys: database vs model').toEqual(expected);
}

abstract class KeyCommand implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await this.apply(m, r);
    await checkInvariants(m, r);
  }
  protected abstract apply(m: Model, r: Real): Promise<void>;
  abstract toString(): string;
}

// ---------------------------------------------------------------------------------------------
// Commands

class CreateCommand extends KeyCommand {
  constructor(
    readonly name: string,
    readonly allowedIps: Range[] | undefined,
    readonly expiresInSeconds: number | undefined,
  ) {
    super();
  }
  protected async apply(m: Model, r: Real) {
    const expiresAt = this.expiresInSeconds === undefined ? undefined : new Date(m.now + this.expiresInSeconds * 1000);
    const result = await settle(
      r.app.services.apiKeys.createPartnerKey(OPERATOR, {
        organizationId: r.organizationId,
        name: this.name,
        permissions: ['KEYS_READ'],
        ...(this.allowedIps !== undefined && { allowedIps: this.allowedIps }),
        ...(expiresAt !== undefined && { expiresAt }),
      }),
    );
    if (activeCount(m) >= MAX_ACTIVE_PARTNER_KEYS) {
      expectError(result, KeyLimitReachedError, String(this));
      tally('create: KEY_LIMIT_REACHED');
      return;
    }
    const issued = expectOk(result, String(this));
    const key = fromIssued(issued);
    expect(view(key)).toEqual(
      view({
        id: key.id,
        name: this.name,
        allowedIps: [...new Set(this.allowedIps ?? [])],
        expiresAt: expiresAt?.getTime() ?? null,
        revokedAt: null,
        successorId: null,
      }),
    );
    m.keys.push(key);
    tally('create: ok');
  }
  toString() {
    const ips = this.allowedIps === undefined ? '' : `, allowedIps=${JSON.stringify(this.allowedIps)}`;
    const exp = this.expiresInSeconds === undefined ? '' : `, expiresIn=${this.expiresInSeconds}s`;
    return `create(${JSON.stringify(this.name)}${ips}${exp})`;
  }
}

class RotateCommand extends KeyCommand {
  constructor(
    readonly index: number,
    readonly graceSeconds: number,
  ) {
    super();
  }
  private desc = '';
  protected async apply(m: Model, r: Real) {
    const old = pick(m, this.index);
    this.desc = label(m, this.index);
    const result = await settle(r.app.services.apiKeys.rotatePartnerKey(OPERATOR, { id: old.id, gracePeriodSeconds: this.graceSeconds }));
    if (!isActive(old, m.now) || old.successorId !== null) {
      expectError(result, InvalidStateError, String(this));
      tally('rotate: INVALID_STATE');
      return;
    }
    // With a grace period the old key stays active beside its successor: one more active key.
    if (this.graceSeconds > 0 && activeCount(m) >= MAX_ACTIVE_PARTNER_KEYS) {
      expectError(result, KeyLimitReachedError, `${String(this)} with ${activeCount(m)} active keys`);
      tally('rotate: KEY_LIMIT_REACHED');
      return;
    }
    const rotated = expectOk(result, String(this));
    const successor = fromIssued(rotated);
    expect(view(successor)).toEqual(
      view({ id: successor.id, name: old.name, allowedIps: old.allowedIps, expiresAt: null, revokedAt: null, successorId: null }),
    );
    old.successorId = successor.id;
    if (this.graceSeconds === 0) {
      old.revokedAt = m.now;
    } else {
      const graceEnd = m.now + this.graceSeconds * 1000;
      old.expiresAt = old.expiresAt !== null && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
    }
    expect(view(fromIssued({ key: rotated.previous, secret: '' }))).toEqual(view(old));
    m.keys.push(successor);
    tally(this.graceSeconds === 0 ? 'rotate: ok (no grace)' : 'rotate: ok (grace)');
  }
  toString() {
    return `rotate(${this.desc || `@${this.index}`}, grace=${this.graceSeconds}s)`;
  }
}

class RevokeCommand extends KeyCommand {
  constructor(readonly index: number) {
    super();
  }
  private desc = '';
  protected async apply(m: Model, r: Real) {
    const key = pick(m, this.index);
    this.desc = label(m, this.index);
    const result = await settle(r.app.services.apiKeys.revokePartnerKey(OPERATOR, { id: key.id }));
    if (key.revokedAt !== null) {
      expectError(result, InvalidStateError, String(this));
      tally('revoke: INVALID_STATE');
      return;
    }
    const revoked = expectOk(result, String(this));
    key.revokedAt = m.now;
    expect(view(fromIssued({ key: revoked, secret: '' }))).toEqual(view(key));
    tally('revoke: ok');
  }
  toString() {
    return `revoke(${this.desc || `@${this.index}`})`;
  }
}

class SetAllowlistCommand extends KeyCommand {
  constructor(
    readonly index: number,
    readonly allowedIps: Range[],
  ) {
    super();
  }
  private desc = '';
  protected async apply(m: Model, r: Real) {
    const key = pick(m, this.index);
    this.desc = label(m, this.index);
    const result = await settle(r.app.services.apiKeys.updatePartnerKey(OPERATOR, { id: key.id, allowedIps: this.allowedIps }));
    if (!isActive(key, m.now)) {
      expectError(result, InvalidStateError, String(this));
      tally('setAllowlist: INVALID_STATE');
      return;
    }
    const updated = expectOk(result, String(this));
    key.allowedIps = [...new Set(this.allowedIps)];
    expect(view(fromIssued({ key: updated, secret: '' }))).toEqual(view(key));
    tally('setAllowlist: ok');
  }
  toString() {
    return `setAllowlist(${this.desc || `@${this.index}`}, ${JSON.stringify(this.allowedIps)})`;
  }
}

/** Moves the app's OffsetClock; the verifier cache (real-time TTL) is not affected. */
class AdvanceClockCommand extends KeyCommand {
  constructor(readonly seconds: number) {
    super();
  }
  protected async apply(m: Model, r: Real) {
    r.app.clock.advance(this.seconds * 1000);
    m.now += this.seconds * 1000;
    tally('advanceClock');
  }
  toString() {
    return `advanceClock(${this.seconds}s)`;
  }
}

/** Lets (frozen) real time pass the verifier's cache TTL; the app clock moves with it. */
class LapseCacheCommand extends KeyCommand {
  protected async apply(m: Model) {
    frozenNow += CACHE_TTL_MS + 1;
    m.now += CACHE_TTL_MS + 1;
    tally('lapseCache');
  }
  toString() {
    return `lapseCache(+${CACHE_TTL_MS + 1}ms)`;
  }
}

class VerifyCommand extends KeyCommand {
  constructor(
    readonly index: number,
    readonly ipIndex: number,
  ) {
    super();
  }
  private desc = '';
  protected async apply(m: Model, r: Real) {
    const key = pick(m, this.index);
    this.desc = label(m, this.index);
    const client = CLIENT_IPS[this.ipIndex]!;
    const result: KeyCheck = await r.app.services.verifier.check(key.secret, client.ip);

    let expected: 'OK' | 'REVOKED' | 'EXPIRED' | 'IP_NOT_ALLOWED';
    if (key.revokedAt !== null) expected = 'REVOKED';
    else if (key.expiresAt !== null && key.expiresAt <= m.now) expected = 'EXPIRED';
    else if (key.allowedIps.length > 0 && !key.allowedIps.some((range) => (client.inside as string[]).includes(range))) {
      expected = 'IP_NOT_ALLOWED';
    } else expected = 'OK';

    const context = `${String(this)}: key ${JSON.stringify(view(key))} at now=${m.now}`;
    if (expected === 'OK') {
      expect(result.ok, context).toBe(true);
      if (result.ok) expect(result.principal.apiKey.id, context).toBe(key.id);
    } else {
      expect(result, context).toMatchObject({ ok: false, reason: expected, keyId: key.keyId });
      if (!result.ok) expect(result.principal?.apiKey.id, context).toBe(key.id);
    }
    if (key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= m.now)) {
      expect(result.ok, 'a revoked or expired key never verifies').toBe(false);
    }
    tally(`verify: ${expected}`);
  }
  toString() {
    return `verify(${this.desc || `@${this.index}`}, ip=${String(CLIENT_IPS[this.ipIndex]!.ip)})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const keyIndex = fc.nat({ max: 15 });
const allowlist = fc.subarray([...RANGES]);

const createArb = fc
  .tuple(
    fc.constantFrom('Trading bot', 'Reporting', 'Back office', 'CI deploy'),
    fc.option(allowlist, { nil: undefined }),
    fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  )
  .map(([name, ips, exp]) => new CreateCommand(name, ips, exp));
const verifyArb = fc.tuple(keyIndex, fc.nat({ max: CLIENT_IPS.length - 1 })).map(([i, ip]) => new VerifyCommand(i, ip));

// fc.commands picks among the arbitraries uniformly: create and verify are listed twice so the
// key limit is reached often and most states get verified.
const commandArbs: fc.Arbitrary<fc.AsyncCommand<Model, Real>>[] = [
  createArb,
  createArb,
  fc.tuple(keyIndex, fc.constantFrom(0, 1, 2, 5)).map(([i, grace]) => new RotateCommand(i, grace)),
  keyIndex.map((i) => new RevokeCommand(i)),
  fc.tuple(keyIndex, allowlist).map(([i, ips]) => new SetAllowlistCommand(i, ips)),
  fc.integer({ min: 1, max: 4 }).map((s) => new AdvanceClockCommand(s)),
  fc.constant(new LapseCacheCommand()),
  verifyArb,
  verifyArb,
];

// ---------------------------------------------------------------------------------------------
// Frozen real time (see the header comment)

const realDateNow = Date.now.bind(Date);
let frozenNow = realDateNow();

describe('partner keys: model-based (G-01)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp({ cacheTtlMs: CACHE_TTL_MS });
    vi.spyOn(Date, 'now').mockImplementation(() => frozenNow);
  });

  afterAll(() => {
    vi.restoreAllMocks();
    app?.clock.reset();
  });

  it(
    'create / rotate / revoke / setAllowlist / advanceClock / verify agree with the model',
    async () => {
      console.log(
        `[partner-key model] seed=${SEED} numRuns=${NUM_RUNS} maxCommands=${MAX_COMMANDS}` +
          ` (replay: FC_SEED=${SEED} npx vitest run test/domain/partner-key.model.test.ts)`,
      );
      let run = 0;
      const setup = async (): Promise<{ model: Model; real: Real }> => {
        frozenNow = realDateNow();
        app.clock.reset();
        const created = await app.services.organizations.create(OPERATOR, { name: `Model org ${SEED}-${++run}` });
        const model: Model = { now: app.clock.now().getTime(), keys: [fromIssued(created)] };
        return { model, real: { app, organizationId: created.organization.id } };
      };
      const sequences = fc.commands(commandArbs, {
        maxCommands: MAX_COMMANDS,
        size: 'medium', // about 14 commands on average, up to maxCommands
        ...(REPLAY_PATH !== undefined && { replayPath: REPLAY_PATH }),
      });
      const started = realDateNow();
      await fc.assert(
        fc.asyncProperty(sequences, (cmds) => fc.asyncModelRun(setup, cmds)),
        { seed: SEED, numRuns: NUM_RUNS, ...(PATH !== undefined && { path: PATH, endOnFailure: true }) },
      );
      console.log(
        `[partner-key model] ${run} model runs in ${realDateNow() - started} ms; outcomes:`,
        Object.fromEntries(Object.entries(stats).sort(([a], [b]) => a.localeCompare(b))),
      );
    },
    Math.max(120_000, NUM_RUNS * MAX_COMMANDS * 10),
  );
});
