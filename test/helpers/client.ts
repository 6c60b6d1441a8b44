import { createHmac } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import type { TestApp } from './app.ts';

export interface RequestOptions {
  headers?: Record<string, string>;
  /** The socket address the request comes from. */
  ip?: string;
  /** Sign the request with this signing secret (`X-Keyward-Timestamp`, `X-Keyward-Signature`), as docs/api.md says. */
  signWith?: string;
}

/** As a partner signs a request: HMAC-SHA-256 with the base64-decoded part of whsec_…, over `timestamp.rawBody`. */
export function signRequest(secret: string, timestamp: number, body: string): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return { 'x-keyward-timestamp': String(timestamp), 'x-keyward-signature': `v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}` };
}

export interface GraphQLResponse<T> extends ExecutionResult<T> {
  status: number;
  headers: Headers;
}

/** A GraphQL request as a partner client makes it, through yoga's own fetch (no port). */
export async function gql<TResult, TVariables>(
  app: TestApp,
  document: TypedDocumentNode<TResult, TVariables> | string,
  variables?: TVariables,
  options: RequestOptions = {},
): Promise<GraphQLResponse<TResult>> {
  const query = typeof document === 'string' ? document : print(document);
  const body = JSON.stringify({ query, variables });
  const signature = options.signWith ? signRequest(options.signWith, Math.floor(app.clock.now().getTime() / 1000), body) : {};
  const response = await app.yoga.fetch(
    'http://keyward.test/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers, ...signature },
      body,
    },
    { req: { socket: { remoteAddress: options.ip ?? '127.0.0.1' } } as never },
  );
  const result = (await response.json()) as ExecutionResult<TResult>;
  return { ...result, status: response.status, headers: response.headers };
}

export const partner = (secret: string): Record<string, string> => ({ 'x-partner-key': secret });
export const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });
export const admin = (app: TestApp): Record<string, string> => ({ 'x-admin-token': app.adminToken });

/**
 * A subscription over SSE through yoga.fetch: its first result (or the refusal), then it is dropped.
 * POST with a JSON body, or GET with the operation in the URL, as GraphiQL asks.
 */
export async function firstSseResult(
  app: TestApp,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
  method: 'POST' | 'GET' = 'POST',
): Promise<ExecutionResult> {
  const controller = new AbortController();
  const url = new URL('http://keyward.test/graphql');
  const init: RequestInit =
    method === 'POST'
      ? { method, headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers }, body: JSON.stringify({ query, variables }) }
      : { method, headers: { accept: 'text/event-stream', ...headers } };
  if (method === 'GET') {
    url.searchParams.set('query', query);
    url.searchParams.set('variables', JSON.stringify(variables));
  }
  const res = await app.yoga.fetch(url.toString(), { ...init, signal: controller.signal }, { req: { socket: { remoteAddress: '127.0.0.1' } } as never });
  if (!res.body || !res.headers.get('content-type')?.includes('text/event-stream')) return (await res.json()) as ExecutionResult;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = setTimeout(() => controller.abort(), 10_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before a result: ${text}`);
      text += decoder.decode(value, { stream: true });
      const data = /^data: (\{.*\})$/m.exec(text);
      if (data) return JSON.parse(data[1]!) as ExecutionResult;
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
    await reader.cancel().catch(() => undefined);
  }
}
