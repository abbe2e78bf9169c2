/**
 * Which links may leave Labdeck for the system browser. Lab text links to the Kubernetes (kubeadm among it),
 * kind and CNI documentation and to projects on GitHub; anything else (file:, javascript:, plain http, unknown hosts) stays blocked so a lab file
 * cannot be used to launch arbitrary URLs from the attendee's machine.
 *
 * One exception, for lab 1.9: the lab environment publishes its NodePorts on this machine, and the lab asks
 * the attendee to open http://localhost:30080/ in a browser. Plain http to localhost/127.0.0.1 is allowed
 * on exactly those ports, once the backend (or, in the renderer, the environment status) has declared them
 * with `allowLoopbackPorts`. Nothing else on loopback (the Labdeck host itself, the Kubernetes API, other
 * local services) can be opened.
 */
const allowedHosts = ['kubernetes.io', 'kind.sigs.k8s.io', 'github.com', 'docs.cilium.io', 'docs.tigera.io', 'coredns.io', 'cel.dev'];

/** NodePorts of the lab environment published on this machine (per process: main, CLI host, renderer). */
const loopbackPorts = new Set<number>();

/** The Kubernetes NodePort range: nothing outside it is ever treated as a lab NodePort. */
const isNodePortRange = (port: number) => Number.isInteger(port) && port >= 30000 && port <= 32767;

/**
 * Declares NodePorts the lab environment publishes on this machine: the ones the environment asks for and,
 * when those were taken, the host ports it used instead (any port; the environment chose it).
 */
export function allowLoopbackPorts(ports: { requested: readonly number[]; published?: readonly number[] }): void {
  for (const port of ports.requested) if (isNodePortRange(port)) loopbackPorts.add(port);
  for (const port of ports.published ?? []) if (Number.isInteger(port) && port > 1024 && port <= 65535) loopbackPorts.add(port);
}

/** Forgets the declared ports (tests). */
export function resetLoopbackPorts(): void {
  loopbackPorts.clear();
}

export function isAllowedExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1')) {
    return url.port !== '' && loopbackPorts.has(Number(url.port));
  }
  if (url.protocol !== 'https:') return false;
  return allowedHosts.some((host) => url.hostname === host || url.hostname.endsWith(`.${host}`));
}
