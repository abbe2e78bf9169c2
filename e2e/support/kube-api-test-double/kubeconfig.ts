import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';

function kubeconfigText(url: string): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain HTTP unless TLS verification is declared off; the double only listens on loopback.
    clusters: [{ name: 'test-double', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'test-double', user: { token: 'test-double-token' } }],
    contexts: [{ name: 'test-double', context: { cluster: 'test-double', user: 'test-double', namespace: 'default' } }],
    'current-context': 'test-double',
  });
}

/** Writes a kubeconfig whose current context points at the double at `url` into dir; returns its path. */
export async function writeKubeconfig(url: string, dir: string): Promise<string> {
  const file = path.join(dir, 'kubeconfig-test-double.yaml');
  await writeFile(file, kubeconfigText(url), { mode: 0o600 });
  return file;
}
