/**
 * The map key of a kind. Its own module, free of client-node, so offline paths (`labdeck grade --snapshot`,
 * the recorded self-test) do not load the Kubernetes client for a string join.
 */
export function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}
