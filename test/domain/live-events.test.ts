// Live per-organization feeds (src/live/live-events.ts) over the real event table: whatever order
// notifications come in, however many are duplicated or lost, every listener gets every position
// after the one it attached at, once and in order. Notifications here are driven by hand (the
// event log below has no sink), so each case says exactly which ones arrive.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Environment, EventType } from '../../src/generated/prisma/client.ts';
import { EventLog, type EventDraft, type EventRecord } from '../../src/domain/events/event-log.ts';
import { systemClock } from '../../src/infra/clock.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { CHANNELS, type Bus } from '../../src/live/bus.ts';
import { LiveEvents, type FeedListener } from '../../src/live/live-events.ts';
import { LogCapture, sharedDatabase } from '../helpers/app.ts';
import type { Database } from '../../src/infra/database.ts';

let database: Database;
beforeAll(async () => {
  database = await sharedDatabase();
});

/** A log whose reads can be made to fail or wait, to play a database hiccup. */
class ControlledLog extends EventLog {
  failHeads = 0;
  failReads = 0;
  /** While set, heads() reads the table at once but answers only when this resolves. */
  holdHeads: Promise<void> | null = null;

  override async heads(organizationIds: string[]): Promise<Map<string, bigint>> {
    if (this.failHeads > 0) {
      this.failHeads--;
      throw new Error('database unavailable (heads)');
    }
    const heads = await super.heads(organizationIds);
    if (this.holdHeads) await this.holdHeads;
    return heads;
  }

  override async read(organizationId: string, after: bigint, options?: { environment?: Environment; limit?: number; upTo?: bigint }) {
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error('database unavailable (read)');
    }
    return super.read(organizationId, after, options);
  }
}

/** Another instance's messages, delivered when the test says so. */
class FakeBus implements Bus {
  readonly handlers = new Map<string, Set<(message: unknown) => void>>();
  readonly published: [string, unknown][] = [];
  publish(channel: string, message: unknown): void {
    this.published.push([channel, message]);
  }
  listen(channel: string, handler: (message: unknown) => void): () => void {
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    return () => set.delete(handler);
  }
  deliver(channel: string, message: unknown): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(message);
  }
  listening(channel: string): number {
    return this.handlers.get(channel)?.size ?? 0;
  }
  async close(): Promise<void> {}
}

/** A listener that records what it received. */
class Recorder implements FeedListener {
  readonly received: EventRecord[] = [];
  receive(record: EventRecord): void {
    this.received.push(record);
  }
  get positions(): number[] {
    return this.received.map((r) => Number(r.position));
  }
}

function setup() {
  const logs = new LogCapture();
  const logger = createLogger({ level: 'debug', destination: logs });
  const log = new ControlledLog(database.prisma, systemClock);
  const bus = new FakeBus();
  // A poll interval the tests never wait for: they call poll() themselves.
  const live = new LiveEvents(log, bus, logger, 60_000);
  return { log, bus, live, logs };
}

async function newOrganization(): Promise<string> {
  const organization = await database.prisma.organization.create({ data: { name: `Feed ${randomUUID().slice(0, 8)}` } });
  return organization.id;
}

/** Commits `count` events for the organization in one transaction (no notification: the log has no sink). */
async function append(log: EventLog, organizationId: string, count = 1, draft: (i: number) => Partial<EventDraft> = () => ({})): Promise<EventRecord[]> {
  return log.transaction(async (tx) => {
    await log.lockOrganization(tx, organizationId);
    const drafts: EventDraft[] = Array.from({ length: count }, (_, i) => ({
      organizationId,
      environment: 'TEST',
      type: 'API_KEY_CREATED' as EventType,
      data: { keyId: `k${i}` },
      ...draft(i),
    }));
    return log.append(tx, drafts);
  });
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** An event as another instance sends it over the bus. */
const wire = (r: EventRecord) => ({ ...r, position: r.position.toString(), createdAt: r.createdAt.toISOString() });

async function until(condition: () => boolean, what: () => string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets the feed finish whatever it was doing (its steps are a promise chain with database reads). */
async function quiet(ms = 50): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** The listener got exactly the positions after its attach position up to `head`, once each, in order. */
async function expectExactly(recorder: Recorder, attachedAt: bigint, head: number) {
  const expected = range(Number(attachedAt) + 1, head);
  await until(
    () => recorder.positions.length >= expected.length,
    () => `expected ${JSON.stringify(expected)}, got ${JSON.stringify(recorder.positions)}`,
  );
  await quiet();
  expect(recorder.positions).toEqual(expected);
}

describe('LiveEvents feeds', () => {
  it('hands each notified event to its listeners once, in order, starting after the attach position', async () => {
    const { log, live } = setup();
    const org = await newOrganization();
    await append(log, org, 2);
    const recorder = new Recorder();
    const attachedAt = await live.attach(org, recorder);
    expect(attachedAt).toBe(2n);
    for (let i = 0; i < 3; i++) live.published(await append(log, org));
    await expectExactly(recorder, attachedAt, 5);
    expect(recorder.received.every((r) => r.organizationId === org)).toBe(true);
  });

  it('puts notifications that arrive out of order back in order (reading the gap from the table)', async () => {
    const { log, live } = setup();
    const org = await newOrganization();
    const recorder = new Recorder();
    const attachedAt = await live.attach(org, recorder);
    const records: EventRecord[] = [];
    for (let i = 0; i < 5; i++) records.push(...(await append(log, org)));
    for (const i of [4, 2, 0, 3, 1]) live.published([records[i]!]);
    await expectExactly(recorder, attachedAt, 5);

    // One batch, reversed.
    const batch: EventRecord[] = [];
    for (let i = 0; i < 4; i++) batch.push(...(await append(log, org)));
    live.published([...batch].reverse());
    await expectExactly(recorder, attachedAt, 9);
  });

  it('ignores duplicate notifications, local or from another instance', async () => {
    const { log, live, bus } = setup();
    const org = await newOrganization();
    const recorder = new Recorder();
    const attachedAt = await live.attach(org, recorder);
    const records = await append(log, org, 3);
    live.published(records);
    live.published(records);
    bus.deliver(CHANNELS.events(org), records.map(wire));
    live.published([records[1]!]);
    bus.deliver(CHANNELS.events(org), [wire(records[0]!)]);
    await expectExactly(recorder, attachedAt, 3);
  });

  it('recovers a lost notification on the next poll()', async () => {
    const { log, live } = setup();
    const org = await newOrganization();
    const recorder = new Recorder();
    const attachedAt = await live.attach(org, recorder);
    await append(log, org, 2); // never notified
    await quiet();
    expect(recorder.positions).toEqual([]);
    await live.poll();
    await expectExactly(recorder, attachedAt, 2);
    // The feed knows where it is: the next notification goes straight through, nothing twice.
    live.published(await append(log, org));
    await expectExactly(recorder, attachedAt, 3);
    await live.poll();
    await expectExactly(recorder, attachedAt, 3);
  });

  it('fills a gap when a later notification arrives after a lost one', async () => {
    const { log, live } = setup();
    const org = await newOrganization();
    const recorder = new Recorder();
    const attachedAt = await live.attach(org, recorder);
    await append(log, org); // lost
    live.published(await append(log, org));
    await expectExactly(recorder, attachedAt, 2);
  });

  it('reads a gap of more than one page (500 events) from the table', async () => {
    const { log, live } = setup();
    const org = await newOrganization();
    const recorder = new Recorder();
    const attachedAt = await live.attach(org, recorder);
    const records = await append(log, org, 1_203);
    live.published([records.at(-1)!]);
    await expectExactly(recorder, attachedAt, 1_203);
  });

  it("takes events from another instance's messages, and only this organization's", async () => {
    const { log, live, bus } = setup();
    const org = await newOrganization();
    const other = await newOrganization();
    const recorder = new Recorder();
    const attachedAt = await live.attach(org, recorder);
    const theirs = await append(log, other, 2);
    const ours = await append(log, org, 2);
    // Garbage and another organization's events on this organization's channel change nothing.
    for (const message of [null, 'x', { position: '1' }, [{ position: 1 }], [{ ...wire(ours[0]!), position: 'one' }], theirs.map(wire)]) {
      bus.deliver(CHANNELS.events(org), message);
    }
    await quiet();
    expect(recorder.positions).toEqual([]);
    bus.deliver(CHANNELS.events(org), ours.map(wire));
    await expectExactly(recorder, attachedAt, 2);
    expect(recorder.received.map((r) => r.organizationId)).toEqual([org, org]);
    expect(recorder.received[0]!.createdAt).toBeInstanceOf(Date);
    expect(typeof recorder.received[0]!.position).toBe('bigint');
  });

  it('publishes committed events to the other instances, per organization', async () => {
    const { log, live, bus } = setup();
    const [a, b] = [await newOrganization(), await newOrganization()];
    const records = [...(await append(log, a)), ...(await append(log, b, 2))];
    live.published(records);
    expect(bus.published.map(([channel, message]) => [channel, (message as { position: string }[]).map((m) => m.position)])).toEqual([
      [CHANNELS.events(a), ['1']],
      [CHANNELS.events(b), ['1', '2']],
    ]);
  });

  it('loses nothing that arrives while a feed is opening', async () => {
    const { log, live, bus } = setup();
    const org = await newOrganization();
    await append(log, org, 2);
    let release!: () => void;
    log.holdHeads = new Promise<void>((resolve) => (release = resolve));
    const recorder = new Recorder();
    const attaching = live.attach(org, recorder);
    // The feed listens, then reads the head (2)… and before that answer comes back, two more commit
    // and their messages arrive.
    await quiet(20);
    const late = await append(log, org, 2);
    bus.deliver(CHANNELS.events(org), late.map(wire));
    log.holdHeads = null;
    release();
    const attachedAt = await attaching;
    expect(attachedAt === 2n || attachedAt === 4n).toBe(true);
    live.published(await append(log, org));
    await expectExactly(recorder, attachedAt, 5);
  });

  it('stops giving events to a detached listener, and closes the feed with its last one', async () => {
    const { log, live, bus } = setup();
    const org = await newOrganization();
    const [first, second] = [new Recorder(), new Recorder()];
    const firstAt = await live.attach(org, first);
    const secondAt = await live.attach(org, second);
    expect(bus.listening(CHANNELS.events(org))).toBe(1);
    live.published(await append(log, org));
    await expectExactly(first, firstAt, 1);
    live.detach(org, first);
    live.published(await append(log, org));
    await expectExactly(second, secondAt, 2);
    expect(first.positions).toEqual([1]);
    live.detach(org, second);
    await until(
      () => bus.listening(CHANNELS.events(org)) === 0,
      () => 'the feed still listens',
    );
    // A new listener gets a new feed that starts at the head of the table.
    await append(log, org, 3);
    const third = new Recorder();
    const thirdAt = await live.attach(org, third);
    expect(thirdAt).toBe(5n);
    live.published(await append(log, org));
    await expectExactly(third, thirdAt, 6);
  });

  it('survives a feed that fails to open: the attach fails, the next one works', async () => {
    const { log, live } = setup();
    const org = await newOrganization();
    log.failHeads = 1;
    await expect(live.attach(org, new Recorder())).rejects.toThrow(/heads/);
    // A notification for the organization meanwhile goes nowhere and breaks nothing.
    live.published(await append(log, org));
    const recorder = new Recorder();
    const attachedAt = await live.attach(org, recorder);
    expect(attachedAt).toBe(1n);
    live.published(await append(log, org));
    await expectExactly(recorder, attachedAt, 2);
  });

  it('logs a failed read and catches up on the next poll', async () => {
    const { log, live, logs } = setup();
    const org = await newOrganization();
    const recorder = new Recorder();
    const attachedAt = await live.attach(org, recorder);
    await append(log, org); // lost
    log.failReads = 1;
    live.published(await append(log, org)); // skips ahead: the gap read fails
    await until(
      () => /live event feed step failed/.test(logs.text),
      () => 'no log line',
    );
    expect(recorder.positions).toEqual([]);
    await live.poll();
    await expectExactly(recorder, attachedAt, 2);
  });

  it('replays (after, upTo] of one environment, in order, over several pages', async () => {
    const { log, live } = setup();
    const org = await newOrganization();
    await append(log, org, 1_300, (i) => ({ environment: i % 3 === 0 ? 'LIVE' : 'TEST', data: { n: i + 1 } }));
    const test = await live.replay(org, 10n, 1_250n, 'TEST', () => true);
    const expected = range(11, 1_250).filter((p) => (p - 1) % 3 !== 0);
    expect(test.map((r) => Number(r.position))).toEqual(expected);
    expect(test.every((r) => r.environment === 'TEST')).toBe(true);
    const liveOnly = await live.replay(org, 0n, 1_300n, 'LIVE', (r) => Number(r.position) > 1_200);
    expect(liveOnly.map((r) => Number(r.position))).toEqual(range(1_201, 1_300).filter((p) => (p - 1) % 3 === 0));
    expect(await live.replay(org, 1_250n, 1_250n, 'TEST', () => true)).toEqual([]);
  });

  it('gives every listener each position after its own attach position exactly once, in order, whatever happens to the notifications', async () => {
    // A seeded mix of commits, lost, duplicated, reordered and remote notifications, polls, and
    // listeners joining and leaving along the way.
    for (const seed of [1, 2, 3]) {
      const { log, live, bus } = setup();
      const org = await newOrganization();
      let state = seed * 7919;
      const random = () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state / 2147483648;
      };
      const listeners: { recorder: Recorder; at: bigint; left: boolean }[] = [];
      const join = async () => {
        const recorder = new Recorder();
        listeners.push({ recorder, at: await live.attach(org, recorder), left: false });
      };
      await join();
      const recent: EventRecord[] = [];
      const pending: Promise<unknown>[] = [];
      for (let step = 0; step < 60; step++) {
        const roll = random();
        if (roll < 0.35) {
          const records = await append(log, org, 1 + Math.floor(random() * 3));
          recent.push(...records);
          if (random() < 0.7) live.published(records); // otherwise: lost
        } else if (roll < 0.5 && recent.length > 0) {
          const picked = recent.filter(() => random() < 0.5).sort(() => random() - 0.5);
          bus.deliver(CHANNELS.events(org), picked.map(wire));
        } else if (roll < 0.6 && recent.length > 0) {
          live.published([recent[Math.floor(random() * recent.length)]!]);
        } else if (roll < 0.7) {
          pending.push(live.poll());
        } else if (roll < 0.8) {
          pending.push(join());
        } else if (roll < 0.85) {
          // Commits from several requests at once, notified in whatever order they finish.
          pending.push(...Array.from({ length: 3 }, () => append(log, org).then((records) => (random() < 0.8 ? live.published(records) : undefined))));
        } else if (roll < 0.9) {
          const staying = listeners.filter((l) => !l.left);
          if (staying.length > 1) {
            const leaving = staying[Math.floor(random() * staying.length)]!;
            leaving.left = true;
            live.detach(org, leaving.recorder);
          }
        } else {
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 5)));
        }
      }
      await Promise.all(pending);
      await live.poll();
      const head = Number((await log.heads([org])).get(org));
      for (const [i, { recorder, at, left }] of listeners.entries()) {
        const positions = recorder.positions;
        const context = `seed ${seed}, listener ${i} (attached at ${at}${left ? ', detached' : ''})`;
        if (left) {
          // A detached listener got a prefix of its sequence, nothing out of order or twice.
          expect(positions, context).toEqual(range(Number(at) + 1, Number(at) + positions.length));
        } else {
          await until(
            () => recorder.positions.length >= head - Number(at),
            () => `${context}: expected up to ${head}, got ${JSON.stringify(recorder.positions)}`,
          );
          await quiet(20);
          expect(recorder.positions, context).toEqual(range(Number(at) + 1, head));
        }
      }
    }
  });
});
