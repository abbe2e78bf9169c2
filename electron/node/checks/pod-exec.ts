import { Writable } from 'node:stream';
import { CoreV1Api, Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type { ProbeOutcome } from './check-world.ts';

/**
 * Runs argv in a pod's first container through the Kubernetes exec API (what `kubectl exec` uses), collecting
 * stdout and stderr together. The exit code comes from the Status the API server sends when argv ends.
 */
export async function execInPod(kubeConfig: KubeConfig, namespace: string, pod: string, argv: string[], timeoutMs: number): Promise<ProbeOutcome> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const live = await core.readNamespacedPod({ namespace, name: pod });
  const container = live.spec?.containers[0]?.name;
  if (!container) throw new Error(`pod ${namespace}/${pod} has no container`);
  let output = '';
  // Two streams into one text: the library ends stdout and stderr separately when the command ends.
  const collector = () =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString('utf8');
        done();
      },
    });
  return new Promise<ProbeOutcome>((resolve, reject) => {
    let socket: { close(): void } | undefined;
    const timer = setTimeout(() => {
      socket?.close();
      resolve({ exitCode: 124, output: `${output}\n(timed out after ${Math.round(timeoutMs / 1000)}s)` });
    }, timeoutMs);
    new Exec(kubeConfig)
      .exec(namespace, pod, container, argv, collector(), collector(), null, false, (status: V1Status) => {
        clearTimeout(timer);
        resolve({ exitCode: exitCodeOf(status), output });
      })
      .then((ws) => {
        socket = ws;
      })
      .catch((error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
  });
}

function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((candidate) => candidate.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}
