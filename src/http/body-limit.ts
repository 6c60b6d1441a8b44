// The request body limit (docs/security.md A-09), in place of yoga's own.
//
// yoga's limit pipes every body through a TransformStream to count its bytes. Ending that pipe
// aborts a signal, and the DOMException it makes captures a stack trace through Keyward's deep
// asynchronous stacks: measured over HTTP (issue 17), it was about half of Keyward's CPU for a
// `{ __typename }` with a key (718 µs a request with it, 371 µs without). A body that came over
// node:http with a Content-Length cannot be longer than that header says (node's parser reads
// exactly that many bytes, and refuses a request with both Content-Length and
// Transfer-Encoding), so only the header is checked then; any other body (chunked, or a Request
// handed to `yoga.fetch` in-process) is counted as it streams, as before.
import { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** A single non-negative integer: anything else (a list, a sign) is refused, not skipped. */
const CONTENT_LENGTH = /^\d+$/;

const tooLarge = () => new GraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });
const invalidLength = () => new GraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });

/** The request with its body counted as it is read: past `limit` bytes, reading it fails with 413. */
function countedBody(request: Request, limit: number, fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream }): Request {
  const body = request.body;
  if (!body) return request;
  let read = 0;
  // A native stream needs the native TransformStream; the server adapter's ponyfill one, its own.
  const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  const counted = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: counted,
    duplex: 'half',
  } as RequestInit);
}

/**
 * Bodies over `limit` bytes are refused with 413. Goes last among the plugins: it wraps whichever
 * request parser the others chose.
 */
export function bodyLimitPlugin(limit: number): Plugin<Record<string, unknown>, { req?: unknown }> {
  return {
    onRequestParse({ request, requestParser, setRequestParser, serverContext, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!CONTENT_LENGTH.test(length)) throw invalidLength();
        if (Number(length) > limit) throw tooLarge();
        // node:http framed it: the body is exactly that long.
        if (serverContext.req instanceof IncomingMessage) return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((req) => parse(countedBody(req, limit, fetchAPI)));
    },
  };
}
