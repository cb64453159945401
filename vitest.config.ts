import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'infra/**/*.test.ts'],
    exclude: ['**/node_modules/**', '.tools/**', '.tmp/**'],
    // Real components (kube-apiserver, Alertmanager) are started by some tests: they own their timeouts.
    testTimeout: 20_000,
    hookTimeout: 120_000,
  },
});
