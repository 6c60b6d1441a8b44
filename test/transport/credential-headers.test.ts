// Credential headers sent more than once, over a real socket (issue 13, item 13): node:http keeps
// only the first `Authorization` and joins other repeated headers, so only a real listener shows
// what a client's duplicate headers become. Each credential header is refused alike when repeated.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, startTestServer, type TestServer } from './server.ts';

let server: TestServer;
let secret: string;
let other: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ secret } = await createOrganization(server.services));
  ({ secret: other } = await createOrganization(server.services));
});

afterAll(async () => {
  await server?.stop();
});

/** POST `{ viewer { kind } }` with `headers`, a header given as a list being sent once per value. */
function post(
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  return new Promise((resolve, reject) => {
    const req = request(server.url, { method: 'POST' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.setHeader('content-type', 'application/json');
    req.setHeader('accept', 'application/json');
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.end(JSON.stringify({ query: '{ viewer { kind } }' }));
  });
}

const refused = {
  status: 401,
  body: { errors: [{ message: 'Send each credential header once, with one credential', extensions: { code: 'UNAUTHENTICATED' } }] },
};

describe('a credential header sent more than once', () => {
  it('one of each is answered (the baseline)', async () => {
    expect(await post({ authorization: `Bearer ${secret}` })).toMatchObject({ status: 200, body: { data: { viewer: { kind: 'PARTNER' } } } });
    expect(await post({ 'x-partner-key': secret })).toMatchObject({ status: 200, body: { data: { viewer: { kind: 'PARTNER' } } } });
  });

  it('two Authorization headers are refused, whichever comes first (not the first silently taken)', async () => {
    expect(await post({ authorization: [`Bearer ${secret}`, `Bearer ${other}`] })).toMatchObject(refused);
    expect(await post({ authorization: [`Bearer ${secret}`, 'Bearer kw_ptr_test_nonsense'] })).toMatchObject(refused);
    expect(await post({ authorization: ['Bearer kw_ptr_test_nonsense', `Bearer ${secret}`] })).toMatchObject(refused);
    expect(await post({ authorization: [`Bearer ${secret}`, `Bearer ${secret}`] })).toMatchObject(refused);
  });

  it('two X-Partner-Key (or X-Api-Key) headers are refused the same way', async () => {
    expect(await post({ 'x-partner-key': [secret, other] })).toMatchObject(refused);
    expect(await post({ 'x-partner-key': [secret, secret] })).toMatchObject(refused);
    expect(await post({ 'x-api-key': [secret, other] })).toMatchObject(refused);
  });

  it('a repeated header counts as a failed authentication of its address', async () => {
    const before = (await server.services.metrics.authFailures.get()).values[0]?.value ?? 0;
    await post({ authorization: [`Bearer ${secret}`, `Bearer ${other}`] });
    expect((await server.services.metrics.authFailures.get()).values[0]?.value).toBe(before + 1);
  });
});
