import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the tests, from the committed schema.graphql: a renamed or removed field
// breaks the test build. Run `npm run codegen` after changing the schema or a test's operations.
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['test/**/*.ts', '!test/generated/**'],
  ignoreNoDocuments: true,
  generates: {
    './test/generated/': {
      preset: 'client',
      presetConfig: { gqlTagName: 'graphql', fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
        emitLegacyCommonJSImports: false,
      },
    },
  },
};

export default config;
