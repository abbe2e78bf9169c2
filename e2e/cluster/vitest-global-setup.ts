import fs from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import path from 'node:path';
import { clusterUnavailableReason, createTestService, TEST_DATA_DIR, TEST_ENV_CONFIG } from './test-cluster.ts';

/**
 * One real kubeadm cluster per run of the `cluster` project, brought up through the product's own
 * EnvironmentService.up() and removed at the end (also when tests failed). Where Docker or the locally built
 * images are missing the tests skip and say why; in CI that is an error. LABDECK_KEEP_CLUSTER=1 keeps the
 * cluster after the run (a developer's next run resumes it in seconds: up is idempotent).
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
    if (process.env.LABDECK_KEEP_CLUSTER === '1' && !process.env.CI) {
      // The product's own down removes the labelled volumes too; removing the containers by hand leaves
      // volumes the next `up` trips over.
      const config = path.join(TEST_DATA_DIR, 'test-env.json');
      await fs.writeFile(config, JSON.stringify(TEST_ENV_CONFIG));
      console.log(`[cluster] kept running (LABDECK_KEEP_CLUSTER=1); remove it with: npx labdeck env down --config ${config} --data-dir ${TEST_DATA_DIR}`);
      await service.dispose();
      return;
    }
    await service.down();
    await service.dispose();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: { unavailable: string } | { envName: string; dataDir: string };
  }
}
