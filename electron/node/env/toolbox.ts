import type Docker from 'dockerode';
import { execChecked, execCollect, putFiles } from './docker-exec.ts';
import { missingRoutes, parseIpRoutes, routeCommands, type RouteSpec } from './routes.ts';

/** The attendee's account in the jumphost image (resources/jumphost/Dockerfile). */
export const JUMPHOST_USER = { name: 'ubuntu', uid: 1000, gid: 1000, home: '/home/ubuntu' } as const;
export const JUMPHOST_KUBECONFIG_PATH = `${JUMPHOST_USER.home}/.kube/config`;

/** Writes the guide-style kubeconfig into the jumphost (or verifier), owned by the attendee. */
export async function installKubeconfig(docker: Docker, containerId: string, kubeconfig: string): Promise<void> {
  await putFiles(docker, containerId, [{ path: JUMPHOST_KUBECONFIG_PATH, content: kubeconfig, mode: 0o600 }], {
    uid: JUMPHOST_USER.uid,
    gid: JUMPHOST_USER.gid,
  });
}

/**
 * Adds the pod and service routes as root (the container has NET_ADMIN; the attendee does not) and reads
 * the table back: returns routes still missing afterwards (empty when all are in place).
 */
export async function installRoutes(docker: Docker, containerId: string, routes: readonly RouteSpec[]): Promise<RouteSpec[]> {
  for (const argv of routeCommands(routes)) {
    await execChecked(docker, containerId, argv, { timeoutMs: 10_000, user: 'root' });
  }
  return missingRoutes(routes, await readRoutes(docker, containerId));
}

export async function readRoutes(docker: Docker, containerId: string): Promise<RouteSpec[]> {
  const outcome = await execCollect(docker, containerId, ['ip', '-4', 'route', 'show'], { timeoutMs: 10_000 });
  return outcome.exitCode === 0 ? parseIpRoutes(outcome.output) : [];
}

/** Makes a company CA copied in by the plan trusted by curl and kubectl inside the container. */
export async function trustCompanyCa(docker: Docker, containerId: string): Promise<void> {
  await execChecked(docker, containerId, ['update-ca-certificates'], { timeoutMs: 30_000, user: 'root' });
}
