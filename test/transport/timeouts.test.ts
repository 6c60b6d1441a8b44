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
