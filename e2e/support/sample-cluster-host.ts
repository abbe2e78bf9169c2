import { test } from '@playwright/test';
import { startHost, type StartedHost } from './host.ts';
import { startKubeApiTestDouble, type KubeApiTestDouble } from './kube-api-test-double.ts';
import { sampleClusterObjects } from './sample-cluster.ts';

export interface SampleClusterHost {
  /** The browser host, started once for the spec file. */
  readonly host: StartedHost;
  /** The Kubernetes API test double it reads, holding the sample cluster. */
  readonly double: KubeApiTestDouble;
}

/**
 * Registers beforeAll/afterAll hooks that start the browser host on the API test double holding the sample
 * cluster, and stop both afterwards. Call it at the top of a spec file.
 */
export function useSampleClusterHost(): SampleClusterHost {
  let double: KubeApiTestDouble | undefined;
  let host: StartedHost | undefined;
  test.beforeAll(async () => {
    double = await startKubeApiTestDouble({ objects: sampleClusterObjects() });
    host = await startHost({ kubeconfig: double.kubeconfigPath });
  });
  test.afterAll(async () => {
    await host?.close();
    await double?.close();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet: use it inside a test or a later hook`);
    return value;
  };
  return {
    get host() {
      return started(host, 'the browser host');
    },
    get double() {
      return started(double, 'the API test double');
    },
  };
}
