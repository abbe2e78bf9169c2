import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../electron/node/checks/check-world.ts';
import type { WatchedKind } from '../../electron/node/checks/informer-cache.ts';
import { InformerSelftestEnvironment } from '../../electron/node/checks/selftest.ts';
import { startKubeApiTestDouble, type KubeApiTestDouble } from './kube-api-test-double.ts';

/**
 * The lab self-test's cluster in `npm test`: the Kubernetes API test double holding each recorded world,
 * read back through client-node informers exactly as the check engine reads a real cluster.
 */
export async function startDoubleSelftestEnvironment(kinds: WatchedKind[]): Promise<{ environment: InformerSelftestEnvironment; double: KubeApiTestDouble; stop(): Promise<void> }> {
  const double = await startKubeApiTestDouble();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(double.kubeconfigPath);
  const environment = await InformerSelftestEnvironment.start(kubeConfig, kinds, async (objects) => {
    await double.setObjects(objects);
    return double.objects() as KubeObject[];
  });
  return {
    environment,
    double,
    async stop() {
      await environment.dispose();
      await double.stop();
    },
  };
}
