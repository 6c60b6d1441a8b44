// The secrets scan over the real server: what only node:http serves (POST /v1/keys/verify,
// graphql-ws), then /metrics, the logs and every table after it. Everything yoga.fetch reaches is
// scanned in test/api/secrets.test.ts, with the same helper.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/domain/api-key/key-format.ts';
import { tampered } from '../helpers/fixtures.ts';
import { databaseText, expectNoSecrets } from '../helpers/security.ts';
import { wsSubscribe } from '../helpers/subscriber.ts';
import { createOrganization, postVerify, startTestServer, type TestServer } from './server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('secrets never leak over the real server', () => {
  it('keeps every key out of verify answers, socket close reasons and errors, /metrics, the logs and every table', async () => {
    const org = await createOrganization(server.services);
    const operator = { type: 'operator' } as const;
    const reader = await server.services.apiKeys.createPartnerKey(operator, {
      organizationId: org.organization.id,
      name: 'Keys reader',
      permissions: ['KEYS_READ'],
    });
    // A mistyped key, and one well formed for the reader's keyId with another secret.
    const mistyped = tampered(reader.secret);
    const wrong = generateKey('ptr', 'test', reader.key.keyId).token;
    // POST /v1/keys/verify: a valid key (the answer names it, never shows it), wrong keys, a wrong admin token, bad input.
    const verifications = [
      await postVerify(server, { key: reader.secret, requiredPermissions: ['KEYS_READ'] }),
      await postVerify(server, { key: mistyped }),
      await postVerify(server, { key: wrong }),
      await postVerify(server, { key: reader.secret }, { 'x-admin-token': `${server.adminToken}!` }),
      await postVerify(server, { key: reader.secret, ip: reader.secret, requiredPermissions: [reader.secret] }),
    ];
    expect(verifications.map((v) => [v.status, v.body.code ?? (v.body.error as { code: string }).code])).toEqual([
      [200, 'VALID'],
      [200, 'MALFORMED'],
      [200, 'NOT_FOUND'],
      [401, 'UNAUTHENTICATED'],
      [400, 'VALIDATION_FAILED'],
    ]);
    expect(verifications[0]!.body.keyId).toBe(reader.key.keyId);

    // graphql-ws: a wrong key in connection_init; a right key whose operation fails with the key in its
    // variables, and whose socket is closed when the key is revoked.
    const asReader = { 'x-partner-key': reader.secret };
    const refused = wsSubscribe(server.wsUrl, { 'x-partner-key': wrong }, '{ viewer { kind } }');
    const forbidden = wsSubscribe(
      server.wsUrl,
      asReader,
      'mutation ($name: String!) { createPartnerKey(input: { name: $name, permissions: [KEYS_READ] }) { __typename } }',
      { name: reader.secret },
    );
    // The key where a cursor or a number goes: Pothos and graphql-js quote the value back to the client
    // that sent it (`Invalid cursor: …`); only the logs, /metrics and the database are searched for it.
    const quoted = [
      wsSubscribe(server.wsUrl, asReader, `{ partnerKeys(first: 1, after: "${reader.secret}") { edges { cursor } } }`),
      wsSubscribe(server.wsUrl, asReader, 'query ($first: Int) { partnerKeys(first: $first) { edges { cursor } } }', { first: reader.secret }),
    ];
    expect(await refused.closed).toBe(4403);
    for (const socket of [forbidden, ...quoted]) await socket.ended;
    expect(forbidden.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(quoted.map((socket) => socket.results[0]?.errors?.[0]?.message)).toEqual([
      expect.stringContaining(reader.secret),
      expect.stringContaining(reader.secret),
    ]);
    await server.services.apiKeys.revokePartnerKey(operator, { id: reader.key.id });
    expect(await Promise.all([forbidden, ...quoted].map((socket) => socket.closed))).toEqual([4403, 4403, 4403]);

    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    expect(metrics).toContain('keyward_graphql_requests_total{operation="createPartnerKey"');
    await server.services.requestLogs.flush();
    expectNoSecrets(
      {
        verifications: JSON.stringify(verifications.map((v) => ({ ...v, headers: Object.fromEntries(v.headers) }))),
        sockets: JSON.stringify([refused, forbidden].map((socket) => ({ results: socket.results, code: socket.closeCode(), reason: socket.closeReason() }))),
        closeReasons: JSON.stringify(quoted.map((socket) => socket.closeReason())),
        metrics,
        logs: server.logs.text,
        database: await databaseText(server.services.prisma),
      },
      { organizationKey: org.secret, key: reader.secret, mistypedKey: mistyped, wrongKey: wrong, adminToken: server.adminToken },
    );
  });
});
