import type Docker from 'dockerode';
import { createDockerClient } from './docker-client.ts';
import { imagePresent } from './bundle.ts';
import { JUMPHOST_IMAGE } from './versions.ts';

/** Base image .ci/prepare-images.sh builds with debootstrap; the only non-Labdeck image tests may use. */
export const TEST_BASE_IMAGE = 'labdeck/debian-base:bookworm';

/**
 * Why Docker-backed tests cannot run here, or null when they can. Integration tests skip with this reason
 * (describe.skipIf) instead of failing on machines without an engine or without the local images.
 */
export async function dockerTestBlocker(images: readonly string[] = [JUMPHOST_IMAGE]): Promise<{ docker: Docker; reason: string | null }> {
  const docker = createDockerClient();
  try {
    await docker.ping();
  } catch (error) {
    return { docker, reason: `Docker engine unreachable (${error instanceof Error ? error.message : String(error)})` };
  }
  for (const image of images) {
    if (!(await imagePresent(docker, image))) return { docker, reason: `image ${image} missing; run .ci/prepare-images.sh` };
  }
  return { docker, reason: null };
}

export function uniqueSuffix(): string {
  return `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
}
