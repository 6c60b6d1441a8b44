/**
 * The verification benchmark's baseline: a bare node:http JSON endpoint, no framework. Run by
 * bench/http.ts as a child process (`node --import tsx bench/baseline-node-server.ts`), held
 * against Keyward's `POST /v1/keys/verify`. A POST to /v1/keys/verify has its body read and
 * parsed as JSON (400 when it is not), and is answered 200 with a fixed JSON body of the same
 * shape and about the same size as a Keyward KeyVerification, with the same response headers.
 * Anything else is a 404. PORT picks the port; it exits on SIGTERM/SIGINT or when its parent
 * closes its stdin.
 */
import { serveAsBenchChild } from './child-server.ts';
import { createServer, type ServerResponse } from 'node:http';

const PATH = '/v1/keys/verify';
const MAX_BODY_BYTES = 8 * 1024;

/** What Keyward answers for its demo partner key (all permissions), with a placeholder keyId of the same length (312 bytes). */
const ANSWER = JSON.stringify({
  valid: true,
  code: 'VALID',
  keyId: 'baseline',
  kind: 'PARTNER',
  environment: 'TEST',
  permissions: [
    'CONNECTIONS_READ',
    'CONNECTIONS_WRITE',
    'KEYS_READ',
    'KEYS_WRITE',
    'WEBHOOKS_WRITE',
    'LOGS_READ',
    'ORDERS_CREATE',
    'ORDERS_READ',
    'BALANCE_READ',
    'WITHDRAWALS_CREATE',
  ],
  allowedRecipients: [],
  ref: null,
  expiresAt: null,
});
const ANSWER_BYTES = Buffer.byteLength(ANSWER);

function send(res: ServerResponse, status: number, json: string, bytes = Buffer.byteLength(json)): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': bytes,
    'cache-control': 'no-store',
  });
  res.end(json);
}

const server = createServer((req, res) => {
  if (req.url !== PATH || req.method !== 'POST') {
    send(res, 404, '{"error":"not found"}');
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      send(res, 413, '{"error":"too large"}');
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    let input: unknown;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(res, 400, '{"error":"body must be JSON"}');
      return;
    }
    if (typeof input !== 'object' || input === null || typeof (input as { key?: unknown }).key !== 'string') {
      send(res, 400, '{"error":"key required"}');
      return;
    }
    send(res, 200, ANSWER, ANSWER_BYTES);
  });
});

serveAsBenchChild(server, 'bare node baseline', PATH);
