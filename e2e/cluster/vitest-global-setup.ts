import fs from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { clusterUnavailableReason, createTestService, TEST_DATA_DIR } from './test-cluster.ts';

/**
 * One real kubeadm cluster per run of the `cluster` project, brought up through the product's own
 * EnvironmentService.up() and removed at the end (also when tests failed). Where Docker or the locally built
 * images are missing the tests skip and say why; in CI that is an error.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reason = await clusterUnavailableReason();
  if (reason) {
    if (process.env.CI) throw new Error(`CI needs the real cluster: ${reason}`);
    console.warn(`[cluster] real-cluster tests are skipped: ${reason}`);
    project.provide('cluster', { unavailable: reason });
    return async () => {};
  }
  await fs.mkdir(TEST_DATA_DIR, { recursive: true });
  const service = createTestService();
  const started = Date.now();
  try {
    await service.up();
  } catch (error) {
    await service.down().catch(() => undefined);
    throw error;
  }
  console.log(`[cluster] kubeadm cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('cluster', { envName: service.config.name, dataDir: TEST_DATA_DIR });
  return async () => {
    await service.down();
    await service.dispose();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: { unavailable: string } | { envName: string; dataDir: string };
  }
}
