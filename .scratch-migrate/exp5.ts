import { diffMigrationsToSchema } from '../src/infra/migrate.ts';
console.log((await diffMigrationsToSchema({ migrationsDir: '/nonexistent' })).slice(0, 400));
