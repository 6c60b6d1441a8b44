import { createSourceEventStream, execute, getOperationAST, visit, type ASTNode, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** A shared result, and its JSON once some subscriber needed it serialized. */
interface Entry {
  result: Result;
  json?: string | Promise<string>;
}

/**
 * Where a graphql-ws subscription's messages can be written directly: the operation id and the
 * socket. Shared results are then serialized once per group, and each subscriber's `next`
 * message is that JSON with its own id around it (graphql-ws would stringify per subscriber).
 */
export interface DirectSink {
  id: string;
  /** Writes one message; false when the client is not keeping up (the subscription then ends). */
  write(message: string): boolean;
  /** The last result a subscription that could not keep up gets. */
  overflow(): ExecutionResult;
}

export interface SharedExecutionOptions<TContext> {
  /**
   * What the result of executing an event depends on besides the document and its variables:
   * who asks (organization, environment, key kind, permissions…). Null: never share.
   */
  audience(context: TContext): string | null;
  /** The object that is the same for every subscriber of one event (null: this payload is not shared). */
  shareKey(payload: unknown): object | null;
  /**
   * The context events execute with, made once per subscription from the one that started it
   * (default: a shallow copy). Keep it small: one lives as long as each subscription.
   */
  eventContext?(context: TContext): TContext;
}

/**
 * Executes a subscription event once per distinct selection and audience instead of once per
 * subscriber. graphql-js runs the selection set for every subscriber of every event; with 10,000
 * subscribers of one organization that is 10,000 identical executions (and database reads) per
 * event. Here the source stream is created as graphql-js does, and each event's result is cached
 * on the event object (a WeakMap, so it lives as long as the event) under the key
 * document + operation + the variables the selection uses + audience. Results are shared,
 * so they must be treated as immutable (masking creates new results; graphql-ws only
 * serializes them).
 */
export function createSharedSubscribe<TContext>(
  options: SharedExecutionOptions<TContext>,
): (
  args: ExecutionArgs,
  finish?: (result: ExecutionResult) => ExecutionResult,
  sink?: DirectSink,
) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const perEvent = new WeakMap<object, Map<string, Entry>>();
  // Group keys are the same string for many subscribers: keep one copy of each.
  const groups = new Map<string, string>();
  const intern = (key: string) => {
    let kept = groups.get(key);
    if (kept === undefined) {
      if (groups.size >= 10_000) groups.clear();
      kept = key;
      groups.set(key, kept);
    }
    return kept;
  };
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;

  const selectionKey = (args: ExecutionArgs): string | null => {
    const operation = getOperationAST(args.document, args.operationName);
    const root = operation?.selectionSet.selections[0];
    if (!operation || !root || root.kind !== 'Field' || operation.selectionSet.selections.length !== 1) return null;
    // The root field's own arguments (e.g. `after`) choose the stream, not the shape of each result.
    const used = new Set<string>();
    const collect = (node: ASTNode) => visit(node, { Variable: (v) => void used.add(v.name.value) });
    if (root.selectionSet) collect(root.selectionSet);
    for (const directive of root.directives ?? []) collect(directive);
    for (const fragment of args.document.definitions) if (fragment.kind === 'FragmentDefinition') collect(fragment);
    const variables = args.variableValues ?? {};
    const relevant = [...used].sort().map((name) => [name, variables[name]]);
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) {
      documentId = nextDocumentId++;
      documentIds.set(args.document, documentId);
    }
    return `${documentId}|${operation.name?.value ?? ''}|${JSON.stringify(relevant)}`;
  };

  /**
   * `finish` post-processes each result (e.g. error masking) in the same step, without another
   * iterator layer; with a `sink`, shared results are written to it directly.
   */
  return async (args, finish, sink) => {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return finish ? finish(stream as ExecutionResult) : (stream as ExecutionResult);
    const audience = options.audience(args.contextValue as TContext);
    // Starting the stream left per-request caches keyed by the context object (Pothos' scope and
    // loader caches: several KB). A subscription lives long, so its events execute with a fresh
    // context, and the original (and what hangs off it) can be collected. The caller's args
    // object is updated too, as graphql-ws keeps it for the subscription's lifetime.
    const context = args.contextValue as TContext;
    (args as { contextValue: unknown }).contextValue = options.eventContext ? options.eventContext(context) : { ...(context as object) };
    const selection = audience === null ? null : selectionKey(args);
    const group = selection === null ? null : intern(`${selection}|${audience}`);
    const run = new SharedRun(args, group, finish, options.shareKey, perEvent);
    if (!sink || group === null) return mapAsyncIterator<unknown, ExecutionResult>(stream, (payload) => run.resultOf(payload));
    return new DirectIterator(stream, sink, run);
  };
}

/** One subscription's way to its events' results: shared ones from the cache, others executed. A class: one per subscriber. */
class SharedRun {
  constructor(
    private readonly args: ExecutionArgs,
    private readonly group: string | null,
    private readonly finish: ((result: ExecutionResult) => ExecutionResult) | undefined,
    private readonly shareKey: (payload: unknown) => object | null,
    private readonly perEvent: WeakMap<object, Map<string, Entry>>,
  ) {}

  /** The shared entry of an event for this subscription's group, computed by the first to ask; null when not shared. */
  entryOf(payload: unknown): Entry | null {
    const shared = this.group === null ? null : this.shareKey(payload);
    if (!shared) return null;
    let entries = this.perEvent.get(shared);
    if (!entries) {
      entries = new Map();
      this.perEvent.set(shared, entries);
    }
    let entry = entries.get(this.group!);
    if (!entry) {
      const created: Entry = { result: this.execute(payload) };
      // Once computed, later subscribers take the value itself, without waiting a tick.
      if (isPromise(created.result)) {
        created.result.then(
          (value) => {
            created.result = value;
          },
          () => undefined,
        );
      }
      entry = created;
      entries.set(this.group!, entry);
    }
    return entry;
  }

  resultOf(payload: unknown): Result {
    return this.entryOf(payload)?.result ?? this.execute(payload);
  }

  private execute(payload: unknown): Result {
    const result = execute({ ...this.args, rootValue: payload });
    const { finish } = this;
    if (!finish) return result;
    return isPromise(result) ? result.then(finish) : finish(result);
  }
}

function jsonOf(entry: Entry): string | Promise<string> {
  if (entry.json === undefined) {
    const { result } = entry;
    if (isPromise(result)) {
      const pending = result.then((value) => JSON.stringify(value));
      pending.then(
        (text) => (entry.json = text),
        () => undefined,
      );
      entry.json = pending;
    } else {
      entry.json = JSON.stringify(result);
    }
  }
  return entry.json;
}

/**
 * The graphql-ws fast path: shared events are written to the socket as they come (serialized once
 * per group), and only what is not shared (a replayed event, the current state, the end) is
 * yielded to graphql-ws, which sends it as usual. graphql-ws asks for the next result only after
 * its previous send, so the two never interleave out of order. A class, not closures: one of
 * these lives per subscriber.
 */
class DirectIterator implements AsyncIterableIterator<ExecutionResult> {
  private overflowed = false;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly sink: DirectSink,
    private readonly run: SharedRun,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      if (this.overflowed) return this.return();
      const step = await this.source.next();
      if (step.done) return { done: true, value: undefined };
      const entry = this.run.entryOf(step.value);
      if (!entry) return { done: false, value: await this.run.resultOf(step.value) };
      const json = jsonOf(entry);
      const text = typeof json === 'string' ? json : await json;
      if (!this.sink.write(`{"id":${JSON.stringify(this.sink.id)},"type":"next","payload":${text}}`)) {
        this.overflowed = true;
        return { done: false, value: this.sink.overflow() };
      }
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** The envelop plugin form, for the subscriptions yoga serves itself (SSE). */
export function useSharedSubscriptionExecution(subscribe: (args: ExecutionArgs) => unknown): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn((args: ExecutionArgs) => subscribe(args) as never);
    },
  };
}

const notDone = <U>(value: U): IteratorResult<U> => ({ done: false, value });

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export function isAsyncIterable(value: unknown): value is AsyncIterableIterator<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Maps an async iterator without a generator, so `return()` reaches the source at once even
 * while a `next()` is pending (a generator would wait for the next event before cleaning up).
 */
function mapAsyncIterator<T, U>(source: AsyncIterator<T>, map: (value: T) => U | Promise<U>): AsyncIterableIterator<U> {
  return {
    // A promise chain, not an async function: no suspended frame kept per idle subscriber, and
    // no extra tick when the mapped value is already there (every subscriber but the first).
    next() {
      return source.next().then((step): IteratorResult<U> | Promise<IteratorResult<U>> => {
        if (step.done) return { done: true, value: undefined };
        const value = map(step.value);
        return isPromise(value) ? value.then(notDone) : { done: false, value };
      });
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
