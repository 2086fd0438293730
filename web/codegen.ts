// The typed client: every operation the console and the front end send is
// written with graphql() in src and checked against the server's schema
// (../schema/*.graphqls) here, so a schema change that breaks one fails the
// build, not its users.
import type { CodegenConfig } from '@graphql-codegen/cli'

const config: CodegenConfig = {
  schema: '../schema/*.graphqls',
  documents: ['src/**/*.{ts,vue}', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { ID: 'string', Time: 'string', Date: 'string', Upload: 'File', JSON: 'unknown', Int64: 'number' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
}
export default config
