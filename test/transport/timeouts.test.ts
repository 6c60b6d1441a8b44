import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.ts';

/**
 * Issue 13, finding 15: a client that sends its headers and then trickles its body (or trickles its
 * headers) is cut off at the configured deadline, not after node's default 300 s.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ timeouts: { headersTimeoutMs: 400, requestTimeoutMs: 800 } });
});
afterAll(async () => {
  await server?.stop();
});

/** Writes `head`, then one byte of `drip` every 100 ms, until the server closes the socket; resolves with what it said and when. */
function trickle(head: string, drip: string, giveUpMs = 5_000): Promise<{ closedAfterMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect(server.running.port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && !socket.writableEnded) socket.write(drip[sent++ % drip.length]!);
    }, 100);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`still open after ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: performance.now() - started, answer });
    });
    socket.write(head);
  });
}

describe('request deadlines', () => {
  it('cuts off a body trickled after the headers at the request timeout (408)', async () => {
    const head = 'POST /graphql HTTP/1.1\r\nHost: keyward.test\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const { closedAfterMs, answer } = await trickle(head, ' ');
    expect(closedAfterMs).toBeGreaterThanOrEqual(700);
    expect(closedAfterMs).toBeLessThan(3_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts off trickled headers at the headers timeout', async () => {
    const { closedAfterMs, answer } = await trickle('GET /healthz HTTP/1.1\r\nHost: keyward.test\r\n', 'X-Slow: a\r\n');
    expect(closedAfterMs).toBeLessThan(2_500);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('still serves a request that arrives in time', async () => {
    const res = await fetch(`${server.origin}/healthz`);
    expect(res.status).toBe(200);
  });
});

/** POSTs `chunks` to /graphql with `headers`; without a Content-Length node sends them chunked. */
function send(headers: Record<string, string>, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // A connection of its own: one left with a body half sent must not carry the next request.
    const req = request(`${server.origin}/graphql`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The server may answer (413) and close before the whole body is sent.
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('request body limit (1 MiB, A-09) over HTTP', () => {
  const body = (padding: number) => Buffer.from(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(padding) } }));
  // Issue 17: a body framed by Content-Length is checked by the header alone; a chunked one is counted.
  it('refuses a Content-Length over the limit before reading the body', async () => {
    const res = await send({ 'content-length': String(1024 * 1024 + 1) }, [Buffer.alloc(0)]).catch((error: Error) => ({ status: 0, body: error.message }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('counts a chunked body as it streams: over the limit 413, under it answered', async () => {
    const big = body(1024 * 1024);
    const refused = await send({}, [big.subarray(0, 500_000), big.subarray(500_000)]);
    expect(refused.status).toBe(413);
    const small = body(10);
    const answered = await send({}, [small.subarray(0, 5), small.subarray(5)]);
    expect({ status: answered.status, body: JSON.parse(answered.body) }).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  it('answers a body framed by its Content-Length, up to the limit', async () => {
    const fits = Buffer.concat([body(1024 * 1024 - 100)]);
    const padded = Buffer.concat([fits, Buffer.from(' '.repeat(1024 * 1024 - fits.length))]);
    expect(padded.length).toBe(1024 * 1024);
    const res = await send({ 'content-length': String(padded.length) }, [padded]);
    expect(res.status).toBe(200);
  });
});
