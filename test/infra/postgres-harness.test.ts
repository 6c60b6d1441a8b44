import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres, type PostgresServer } from '../helpers/postgres.ts';

async function selectOne(url: string): Promise<{ one: number; db: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ one: number; db: string }>('select 1 as one, current_database() as db');
    return rows[0]!;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL test harness', () => {
  let server: PostgresServer | undefined;

  beforeAll(async () => {
    if (!postgresAvailable()) {
      throw new Error('PostgreSQL server binaries not found: apt-get install -y postgresql (or run .ci/run)');
    }
    server = await startPostgres();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('starts a server, creates two databases and queries both', async () => {
    const s = server!;
    expect(s.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);

    const first = await s.createDatabase();
    const second = await s.createDatabase('harness_second');
    expect(first).not.toBe(second);
    expect(second).toBe(s.url.replace(/\/postgres$/, '/harness_second'));

    const a = await selectOne(first);
    const b = await selectOne(second);
    expect(a.one).toBe(1);
    expect(b).toEqual({ one: 1, db: 'harness_second' });
    expect(a.db).toMatch(/^test_[0-9a-f]{12}$/);
  });
});
