import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql ships both CJS and ESM builds; one realm avoids "Cannot use GraphQLObjectType from another module".
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    globalSetup: ['test/helpers/build-global-setup.ts', 'test/helpers/pg-global-setup.ts'],
  },
});
