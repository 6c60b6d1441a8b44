import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import type { TestApp } from './app.ts';

export interface RequestOptions {
  headers?: Record<string, string>;
  /** The socket address the request comes from. */
  ip?: string;
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
  const response = await app.yoga.fetch(
    'http://keyward.test/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: JSON.stringify({ query, variables }),
    },
    { req: { socket: { remoteAddress: options.ip ?? '127.0.0.1' } } as never },
  );
  const body = (await response.json()) as ExecutionResult<TResult>;
  return { ...body, status: response.status, headers: response.headers };
}

export const partner = (secret: string): Record<string, string> => ({ 'x-partner-key': secret });
export const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });
export const admin = (app: TestApp): Record<string, string> => ({ 'x-admin-token': app.adminToken });
