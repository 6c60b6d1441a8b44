import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the tests and the dashboard, from the committed schema.graphql: a renamed or
// removed field breaks their build. Run `npm run codegen` after changing the schema or an operation.
const typed = {
  preset: 'client',
  presetConfig: { gqlTagName: 'graphql', fragmentMasking: false },
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
    emitLegacyCommonJSImports: false,
  },
} as const;

const config: CodegenConfig = {
  schema: './schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    './test/generated/': { ...typed, documents: ['test/**/*.ts', '!test/generated/**'] },
    './dashboard/src/gql/': { ...typed, documents: ['dashboard/src/**/*.tsx', 'dashboard/src/**/*.ts', '!dashboard/src/gql/**'] },
    // The dashboard's cache matches `... on Error` by these lists: without them it guesses, and the
    // first write of a payload's error guesses wrong (its code and message are dropped).
    './dashboard/src/gql/possible-types.ts': { plugins: ['fragment-matcher'], config: { apolloClientVersion: 3 } },
  },
};

export default config;
