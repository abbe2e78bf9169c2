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

/**
 * A lab subnet of its own for one Docker integration test (10.77.x.0/24, never the guide's 10.1.1.0/24, which
 * a real cluster on the same engine may be using): x differs per test process and per `index` (0-9), with
 * the fixed addresses below .128 and Docker's automatic ones above, as in the lab's own network.
 */
export function testSubnet(index: number): { subnet: string; gateway: string; ipRange: string; ip: (host: number) => string } {
  if (!Number.isInteger(index) || index < 0 || index > 9) throw new Error(`testSubnet index ${index} is not 0-9`);
  const third = 10 + (process.pid % 24) * 10 + index;
  const ip = (host: number) => `10.77.${third}.${host}`;
  return { subnet: `10.77.${third}.0/24`, gateway: ip(1), ipRange: `10.77.${third}.128/25`, ip };
}
