import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

export default defineConfig({
  test: {
    // Integration tests talk to a real Docker engine and build images: give them room, run files one at a time.
    testTimeout: 30_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    // Any promise rejected with nobody listening fails the test it happened in (issue 13).
    setupFiles: ['e2e/support/fail-on-unhandled.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['electron/**/*.test.ts', 'labs/**/*.test.ts', 'e2e/support/**/*.test.ts'],
          exclude: ['**/*.controlplane.test.ts', '**/*.cluster.test.ts'],
        },
      },
      {
        // Tests against the real Kubernetes control plane built from Go modules (e2e/controlplane), started
        // once for the whole run by the global setup, only when one of these files is selected.
        extends: true,
        test: {
          name: 'controlplane',
          environment: 'node',
          include: ['electron/**/*.controlplane.test.ts', 'e2e/**/*.controlplane.test.ts'],
          globalSetup: ['e2e/controlplane/vitest-global-setup.ts'],
          testTimeout: 120_000,
        },
      },
      {
        // Tests against the real kubeadm cluster `labdeck env up` builds (e2e/cluster), brought up once per run
        // by the global setup. npm test runs this project on its own, after the others: it owns 10.1.1.0/24.
        extends: true,
        test: {
          name: 'cluster',
          environment: 'node',
          include: ['electron/**/*.cluster.test.ts', 'e2e/**/*.cluster.test.ts'],
          globalSetup: ['e2e/cluster/vitest-global-setup.ts'],
          testTimeout: 300_000,
        },
      },
      {
        extends: true,
        plugins: [svelte(), svelteTesting()],
        test: {
          name: 'renderer',
          environment: 'jsdom',
          include: ['renderer/**/*.test.ts'],
        },
      },
    ],
  },
});
