import { randomBytes } from 'node:crypto';
import { createDockerClient } from '../../electron/node/env/docker-client.ts';
import { startStandaloneJumphost, type StandaloneJumphost } from '../../electron/node/env/standalone-jumphost.ts';
import { dockerTestBlocker } from '../../electron/node/env/test-docker.ts';

/**
 * A real jumphost container (image labdeck/jumphost, built by .ci/prepare-images.sh) for specs that type
 * into the terminal. It joins the environment the backend looks for by default ("labdeck"), on a network
 * of its own, and is removed again by `cleanup()`.
 */
export interface E2eJumphost extends StandaloneJumphost {
  /** The container's hostname, what `hostname` prints in its shell. */
  hostname: string;
}

/** Why specs needing the jumphost cannot run here, or null. */
export async function jumphostBlocker(): Promise<string | null> {
  return (await dockerTestBlocker()).reason;
}

export async function startE2eJumphost(envName = 'labdeck'): Promise<E2eJumphost> {
  const docker = createDockerClient();
  const octet = 150 + (randomBytes(1)[0]! % 90);
  const started = await startStandaloneJumphost(docker, {
    name: envName,
    network: `${envName}-e2e-${randomBytes(2).toString('hex')}`,
    subnet: `10.${octet}.91.0/24`,
    gateway: `10.${octet}.91.1`,
    ip: `10.${octet}.91.5`,
  });
  const info = await docker.getContainer(started.containerId).inspect();
  return { ...started, hostname: info.Config.Hostname };
}
