// A subscriber's queue (src/live/event-queue.ts): the async iterator every subscription reads.
// In order, bounded (a reader that stops reading ends with an error instead of a growing
// backlog), and ended by the registry with an error that is the last thing the reader sees.
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/live/event-queue.ts';

type Item = { event: number } | { end: string };

const failure = (error: unknown): Item => ({ end: String(error) });
const overflow = () => 'too slow';

function queue(capacity = 10) {
  return new EventQueue<Item>(capacity, failure);
}

/** Everything the queue yields until it is done (a bounded number of reads, so a bug cannot hang the test). */
async function drain(q: EventQueue<Item>, max = 100): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < max; i++) {
    const step = await q.next();
    if (step.done) return items;
    items.push(step.value);
  }
  throw new Error(`still yielding after ${max} items: ${JSON.stringify(items.slice(0, 5))}…`);
}

/** Whether a promise has settled after pending microtasks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('EventQueue', () => {
  it('yields what was pushed, in order, each once', async () => {
    const q = queue();
    for (let i = 1; i <= 5; i++) q.push({ event: i }, overflow);
    const read = [];
    for (let i = 0; i < 5; i++) read.push((await q.next()).value);
    expect(read).toEqual([1, 2, 3, 4, 5].map((event) => ({ event })));
    expect(await settled(q.next())).toBe(false);
  });

  it('hands an item to a reader that is already waiting', async () => {
    const q = queue();
    const first = q.next();
    expect(await settled(first)).toBe(false);
    q.push({ event: 1 }, overflow);
    expect(await first).toEqual({ value: { event: 1 }, done: false });
  });

  it('keeps order when pushes and reads interleave', async () => {
    const q = queue(3);
    const read: Item[] = [];
    const reader = (async () => {
      for await (const item of q) {
        read.push(item);
        if (read.length === 50) return;
      }
    })();
    for (let i = 1; i <= 50; i++) {
      q.push({ event: i }, overflow);
      // Sometimes the reader is waiting, sometimes items pile up (never past the capacity of 3).
      if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await reader;
    expect(read).toEqual(Array.from({ length: 50 }, (_, i) => ({ event: i + 1 })));
  });

  it('fails once past its capacity: the reader gets the overflow error instead of the backlog, then the end', async () => {
    const q = queue(3);
    let overflows = 0;
    const tooSlow = () => {
      overflows++;
      return 'too slow';
    };
    for (let i = 1; i <= 3; i++) q.push({ event: i }, tooSlow);
    expect(overflows).toBe(0);
    q.push({ event: 4 }, tooSlow);
    q.push({ event: 5 }, tooSlow);
    expect(overflows).toBe(1);
    expect(await drain(q)).toEqual([{ end: 'too slow' }]);
    expect(q.closed).toBe(true);
  });

  it('does not count an item handed straight to a waiting reader against the capacity', async () => {
    const q = queue(1);
    for (let i = 1; i <= 5; i++) {
      const next = q.next();
      q.push({ event: i }, overflow);
      expect((await next).value).toEqual({ event: i });
    }
    q.push({ event: 6 }, overflow);
    expect((await q.next()).value).toEqual({ event: 6 });
  });

  it('ends with the failure as its last item, dropping what was queued (it may no longer be visible)', async () => {
    const q = queue();
    q.push({ event: 1 }, overflow);
    q.push({ event: 2 }, overflow);
    q.fail('revoked');
    q.push({ event: 3 }, overflow);
    expect(await drain(q)).toEqual([{ end: 'revoked' }]);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('gives the failure to a reader that is waiting, then ends', async () => {
    const q = queue();
    const waiting = q.next();
    q.fail('revoked');
    expect(await waiting).toEqual({ value: { end: 'revoked' }, done: false });
    expect(q.closed).toBe(true);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('keeps the first failure only', async () => {
    const q = queue();
    q.fail('revoked');
    q.fail('expired');
    expect(await drain(q)).toEqual([{ end: 'revoked' }]);
  });

  it('ignores pushes and failures once the reader returned', async () => {
    const q = queue();
    expect(await q.return()).toEqual({ value: undefined, done: true });
    q.push({ event: 1 }, () => {
      throw new Error('overflow must not be asked for');
    });
    q.fail('revoked');
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a pending read when the reader returns', async () => {
    const q = queue();
    const pending = q.next();
    await q.return();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('yields nothing more after return(), not even what was queued or a failure that was pending', async () => {
    // The iterator protocol: after return() every next() is done. A consumer that reads once more
    // must not get an event (or an error) for a subscription it already ended.
    const queued = queue();
    queued.push({ event: 1 }, overflow);
    await queued.return();
    expect(await queued.next()).toEqual({ value: undefined, done: true });

    const failed = queue();
    failed.fail('revoked');
    await failed.return();
    expect(await failed.next()).toEqual({ value: undefined, done: true });
  });

  it('runs its closers exactly once however it ends, and at once when added after the end', async () => {
    const endings: ((q: EventQueue<Item>) => Promise<unknown>)[] = [
      (q) => q.return(),
      async (q) => {
        q.fail('revoked');
        return drain(q);
      },
      async (q) => {
        const waiting = q.next();
        q.fail('revoked');
        return waiting;
      },
      async (q) => {
        q.push({ event: 1 }, overflow);
        q.push({ event: 2 }, overflow);
        return drain(q);
      },
    ];
    for (const [i, end] of endings.entries()) {
      const q = queue(1);
      let closed = 0;
      q.onClose(() => closed++);
      expect(q.closed, `ending ${i}`).toBe(false);
      await end(q);
      await q.return();
      await q.return();
      expect(closed, `ending ${i}`).toBe(1);
      expect(q.closed, `ending ${i}`).toBe(true);
      let late = 0;
      q.onClose(() => late++);
      expect(late, `ending ${i}`).toBe(1);
    }
  });

  it('calls a subclass hook once when it ends', async () => {
    class Counted extends EventQueue<Item> {
      ended = 0;
      protected override onClosed(): void {
        this.ended++;
      }
    }
    const q = new Counted(2, failure);
    q.fail('revoked');
    await drain(q);
    await q.return();
    expect(q.ended).toBe(1);
  });

  it('works with for await, and breaking out of the loop ends it', async () => {
    const q = queue();
    let closed = false;
    q.onClose(() => (closed = true));
    for (let i = 1; i <= 3; i++) q.push({ event: i }, overflow);
    const seen: Item[] = [];
    for await (const item of q) {
      seen.push(item);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([{ event: 1 }, { event: 2 }]);
    expect(closed).toBe(true);
  });
});
