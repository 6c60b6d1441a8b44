// vitest globalSetup: one PostgreSQL server for the whole run (runs in the main vitest process).
//
// In a test file:
//   import { inject } from 'vitest';
//   import { createTestDatabase } from '../helpers/postgres.ts';
//   const url = await createTestDatabase(inject('postgresUrl')); // a fresh database on the shared server
//
// `postgresUrl` is the server's `postgres` database URL. When the PostgreSQL binaries are not
// installed it is '' (a warning is printed) so PGlite-only runs still work on dev machines;
// with CI set, missing binaries fail the run instead.
import type { TestProject } from 'vitest/node';
import { postgresAvailable, startPostgres } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://postgres@127.0.0.1:PORT/postgres`, or '' when PostgreSQL is not installed. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!postgresAvailable()) {
    const message =
      'PostgreSQL server binaries not found (PATH, /usr/lib/postgresql/*/bin); ' + 'install them with `apt-get install -y postgresql` or run .ci/run.';
    if (process.env.CI) throw new Error(message);
    console.warn(`[pg-global-setup] ${message} Tests that need PostgreSQL will fail.`);
    project.provide('postgresUrl', '');
    return async () => {};
  }
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
