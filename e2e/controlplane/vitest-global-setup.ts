import type { TestProject } from 'vitest/node';
import { controlPlaneUnavailableReason, startControlPlane } from './control-plane.ts';

/**
 * One real control plane per test run, shared by every `*.controlplane.test.ts` (vitest runs their files
 * one after another). Where it cannot be built (no Go on a contributor's laptop) the tests skip and say
 * why; in CI a missing control plane is an error, never a silent skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reason = controlPlaneUnavailableReason();
  if (reason) {
    if (process.env.CI) throw new Error(`CI needs the real control plane: ${reason}`);
    console.warn(`[controlplane] real-control-plane tests are skipped: ${reason}`);
    project.provide('controlPlane', { unavailable: reason });
    return async () => {};
  }
  const started = Date.now();
  const controlPlane = await startControlPlane();
  console.log(`[controlplane] Kubernetes ${controlPlane.version} at ${controlPlane.server} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('controlPlane', {
    server: controlPlane.server,
    kubeconfigPath: controlPlane.kubeconfigPath,
    admin: controlPlane.admin,
    version: controlPlane.version,
  });
  return () => controlPlane.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: { unavailable: string } | { server: string; kubeconfigPath: string; admin: string; version: string };
  }
}
