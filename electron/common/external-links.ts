/**
 * Which links may leave Labdeck for the system browser. Lab text links to the Kubernetes, k3s and CNI
 * documentation; anything else (file:, javascript:, plain http, unknown hosts) stays blocked so a lab file
 * cannot be used to launch arbitrary URLs from the attendee's machine.
 */
const allowedHosts = ['kubernetes.io', 'docs.k3s.io', 'k3s.io', 'k3d.io', 'kind.sigs.k8s.io', 'github.com', 'docs.cilium.io', 'docs.tigera.io', 'coredns.io', 'cel.dev'];

export function isAllowedExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return false;
  return allowedHosts.some((host) => url.hostname === host || url.hostname.endsWith(`.${host}`));
}
