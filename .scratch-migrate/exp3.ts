import { diffMigrationsToSchema } from '../src/infra/migrate.ts';
const t0 = Date.now();
console.log((await diffMigrationsToSchema({ migrationsDir: '/nonexistent' })).length, Date.now() - t0);
