/**
 * A subscriber's queue: an async iterator that the producer pushes into. Bounded, so a client
 * that stops reading cannot make the server hold an unbounded backlog: past `capacity` the
 * queue fails instead (the client resumes from its last cursor).
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  /** Allocated on the first item that has to wait: most subscribers are idle most of the time. */
  private items: T[] | null = null;
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private finished = false;
  private failure: { error: unknown } | null = null;
  private closers: (() => void)[] | null = null;

  constructor(
    private readonly capacity: number,
    /** What a failure looks like to the consumer: the last item before the end. */
    private readonly failureItem: (error: unknown) => T,
  ) {}

  get closed(): boolean {
    return this.finished;
  }

  /** Adds an item; past capacity the queue fails with `overflow()`'s error. */
  push(item: T, overflow: () => unknown): void {
    if (this.finished || this.failure) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: item, done: false });
      return;
    }
    this.items ??= [];
    const items = this.items;
    if (items.length >= this.capacity) {
      this.fail(overflow());
      return;
    }
    items.push(item);
  }

  /** Ends the stream now, with `error` as its last item: what was queued is dropped (it may no longer be visible). */
  fail(error: unknown): void {
    if (this.finished || this.failure) return;
    this.failure = { error };
    this.items = null;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      this.failure = null;
      resolve({ value: this.failureItem(error), done: false });
      this.close();
    }
  }

  /** Runs `closer` once when the stream ends, however it ends. */
  onClose(closer: () => void): void {
    if (this.finished) closer();
    else {
      this.closers ??= [];
      this.closers.push(closer);
    }
  }

  /** For subclasses: runs once when the stream ends (cheaper than a closure per stream). */
  protected onClosed(): void {}

  next(): Promise<IteratorResult<T>> {
    if (this.items && this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      this.close();
      return Promise.resolve({ value: this.failureItem(error), done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.finished) return;
    this.finished = true;
    // Nothing queued is handed out after the end.
    this.items = null;
    this.failure = null;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
    this.onClosed();
    const closers = this.closers ?? [];
    this.closers = null;
    for (const closer of closers) closer();
  }
}
