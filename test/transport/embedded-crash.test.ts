// kill -9 under writes on the embedded database, the default deployment (docs/security.md F-05): after
// each crash the process starts again on the same data dir, every change it acknowledged is
// there, and whatever is there is whole (a change whose answer was lost may have committed).
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/infra/database.ts';
import { killAllKeyward, postGraphQL, removeTempDirs, spawnKeyward, tempDataDir, type KeywardProcess } from '../helpers/process.ts';

const CREATE = `mutation ($name: String!) { createOrganization(input: { name: $name }) {
  __typename ... on CreateOrganizationSuccess { secret } ... on Error { code } } }`;
const VIEWER = '{ viewer { organization { name } } }';
const CYCLES = 4;

afterAll(async () => {
  await killAllKeyward();
  await removeTempDirs();
});

describe('kill -9 on the embedded database (F-05)', () => {
  it(`keeps every acknowledged change through ${CYCLES} kills under writes, each whole`, async () => {
    const dataDir = await tempDataDir();
    let keyward: KeywardProcess = await spawnKeyward({ KEYWARD_DATA_DIR: dataDir });
    await keyward.ready();
    const adminToken = /Admin token \(X-Admin-Token\):\s+(kwadm_\S+)/.exec(keyward.stdout())?.[1];
    expect(adminToken, keyward.output()).toBeDefined();
    const acknowledged = new Map<string, string>();
    let sequence = 0;

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      let stop = false;
      const target = keyward;
      // Three clients creating organizations (each: the organization, its key, audit rows, events).
      const clients = Array.from({ length: 3 }, async () => {
        while (!stop) {
          const name = `Crash ${cycle}-${sequence++}`;
          try {
            const { status, body } = await postGraphQL(target.url, CREATE, { 'x-admin-token': adminToken! }, { name });
            const created = body.data?.createOrganization as { __typename?: string; secret?: string } | undefined;
            if (status === 200 && created?.secret) acknowledged.set(name, created.secret);
          } catch {
            // the process was killed under this request
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000 + cycle * 250));
      await target.kill();
      stop = true;
      await Promise.all(clients);

      keyward = await spawnKeyward({ KEYWARD_DATA_DIR: dataDir });
      await keyward.ready();
      // Every acknowledged organization answers with its key after the crash.
      for (const [name, secret] of acknowledged) {
        const { status, body } = await postGraphQL(keyward.url, VIEWER, { 'x-partner-key': secret });
        expect(status, `${name} after crash ${cycle}: ${JSON.stringify(body)}`).toBe(200);
        expect((body.data?.viewer as { organization: { name: string } } | undefined)?.organization.name).toBe(name);
      }
    }
    expect(acknowledged.size).toBeGreaterThan(CYCLES * 5);

    // Stopped cleanly, the data dir opens and holds only whole changes.
    keyward.child.kill('SIGTERM');
    expect(await keyward.waitForExit(15_000), keyward.output()).toEqual({ code: 0, signal: null });
    const database = await openDatabase({ kind: 'embedded', dataDir });
    try {
      const organizations = await database.prisma.organization.findMany({
        where: { name: { startsWith: 'Crash ' } },
        select: { name: true, _count: { select: { apiKeys: true } } },
      });
      for (const name of acknowledged.keys())
        expect(
          organizations.some((o) => o.name === name),
          name,
        ).toBe(true);
      for (const organization of organizations) expect(organization._count.apiKeys, organization.name).toBe(1);
      const audits = await database.prisma.auditEvent.groupBy({ by: ['organizationId'], _count: true, where: { organizationId: { not: null } } });
      const auditCount = new Map(audits.map((a) => [a.organizationId, a._count]));
      const ids = await database.prisma.organization.findMany({ where: { name: { startsWith: 'Crash ' } }, select: { id: true, name: true } });
      for (const { id, name } of ids) expect(auditCount.get(id) ?? 0, name).toBeGreaterThanOrEqual(2);
    } finally {
      await database.close();
    }
  }, 240_000);
});
