import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources through the `source` export condition,
// so no build is needed before `pnpm test`.
export default defineConfig({
  resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'conformance/test/**/*.test.ts', 'release/test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
