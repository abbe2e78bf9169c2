import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { EventSink } from '../../electron/common/api/contract.ts';
import { EnvironmentService } from '../../electron/node/env/environment-service.ts';
import type { EnvConfigInput } from '../../electron/node/env/config.ts';
import { execCollect } from '../../electron/node/env/docker-exec.ts';
import { listLabContainers } from '../../electron/node/env/lab-containers.ts';
import { JUMPHOST_IMAGE, NODE_IMAGE, REGISTRY_IMAGE } from '../../electron/node/env/versions.ts';

/**
 * The real cluster the `cluster` test project runs against: brought up once per run through the product's
 * own EnvironmentService (the code `labdeck env up` runs), on the guide's addresses. Its network has no
 * masquerade rule, and no other test world uses 10.1.1.0/24 while it exists (npm test runs this project on
 * its own, after the others).
 */
export const TEST_ENV_NAME = 'labdeck-test';
export const TEST_ENV_CONFIG: EnvConfigInput = { name: TEST_ENV_NAME, network: { masquerade: false } };
export const TEST_DATA_DIR = path.join(os.tmpdir(), 'labdeck-cluster-tests');

export function createTestService(docker: Docker = new Docker(), events: EventSink = { emit: () => undefined }): EnvironmentService {
  return new EnvironmentService({ events, dataDir: TEST_DATA_DIR, config: TEST_ENV_CONFIG, docker, allowPull: false });
}

/** Why the cluster cannot run here, or undefined when it can (Docker answers, the local images exist). */
export async function clusterUnavailableReason(docker: Docker = new Docker()): Promise<string | undefined> {
  try {
    await docker.ping();
  } catch {
    return 'no Docker engine answers (start dockerd)';
  }
  for (const image of [NODE_IMAGE, JUMPHOST_IMAGE, REGISTRY_IMAGE]) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      return `the image ${image} is missing: run bash .ci/prepare-images.sh (after resources/node/build-from-source.sh)`;
    }
  }
  return undefined;
}

/** The id of a lab container of the test environment, by container name (master1, worker1, jumphost, ...). */
export async function containerId(docker: Docker, name: string): Promise<string> {
  const found = (await listLabContainers(docker, TEST_ENV_NAME)).find((container) => container.name === name);
  if (!found) throw new Error(`The test environment has no container ${name}`);
  return found.id;
}

/** Runs a command line in a lab container as the guide would type it; the attendee's user on the jumphost. */
export async function run(docker: Docker, container: string, command: string, timeoutMs = 60_000): Promise<{ exitCode: number; output: string }> {
  const user = container === 'jumphost' ? 'ubuntu' : 'root';
  return execCollect(docker, await containerId(docker, container), ['bash', '-lc', command], { timeoutMs, user });
}
