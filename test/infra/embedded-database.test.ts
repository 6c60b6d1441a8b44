// The embedded database in a thread of its own (issue 17): PGlite's work no longer holds up the
// server's thread, and what Prisma sees across the thread is what it saw in-thread.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/infra/database.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';

let database: Database;
beforeAll(async () => {
  database = await openDatabase({ kind: 'memory' });
});
afterAll(async () => {
  await database?.close();
});

describe('the embedded database thread', () => {
  it("keeps this thread's event loop running while a long query runs", async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    // Hundreds of thousands of rows: long enough that an in-thread PGlite would let nothing else run.
    const [row] = await database.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM generate_series(1, 300000) AS s(i) WHERE i % 7 = 0`;
    running = false;
    expect(row?.n).toBe(42_857n);
    // In-thread, the query is one synchronous WebAssembly call: no callback could run during it.
    expect(ticks).toBeGreaterThan(100);
  });

  it('keeps Prisma error codes across the thread, and a failed transaction leaves nothing', async () => {
    const name = `thread-${randomUUID()}`;
    const id = randomUUID();
    const failed = await database.prisma
      .$transaction(async (tx) => {
        await tx.organization.create({ data: { id, name } });
        await tx.organization.create({ data: { id, name } });
      })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((failed as Prisma.PrismaClientKnownRequestError).code).toBe('P2002');
    expect(await database.prisma.organization.count({ where: { name } })).toBe(0);
  });

  it('answers queries of concurrent transactions in turn, each with its own writes', async () => {
    const names = Array.from({ length: 5 }, () => `thread-${randomUUID()}`);
    await Promise.all(
      names.map((name) =>
        database.prisma.$transaction(async (tx) => {
          await tx.organization.create({ data: { name } });
          expect(await tx.organization.count({ where: { name } })).toBe(1);
        }),
      ),
    );
    expect(await database.prisma.organization.count({ where: { name: { in: names } } })).toBe(5);
  });
});
