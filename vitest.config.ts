import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources through the `source` export condition,
// so no build is needed before `pnpm test`.
export default defineConfig({
  resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'conformance/test/**/*.test.ts', 'docs/test/**/*.test.ts', 'release/test/**/*.test.ts'],
    // The browser test needs the built site: `pnpm site:build && pnpm site:e2e` (vitest.e2e.config.ts).
    exclude: ['**/node_modules/**', 'docs/test/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
