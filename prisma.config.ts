import { defineConfig } from 'prisma/config';

// The CLI is only used offline here (generate, validate, format); migrations are applied by
// src/infra/migrate.ts through Prisma's WASM schema engine.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
