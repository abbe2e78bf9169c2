import { JUMPHOST_IMAGE } from '../../electron/node/env/versions.ts';
import type { PodImage } from './world.ts';

/** Built by e2e/dataplane/images/build.sh (called from .ci/prepare-images.sh) from labdeck/debian-base:bookworm. */
export const DATAPLANE_IMAGES = {
  pod: 'labdeck/dataplane-pod:bookworm',
  nginx: 'labdeck/dataplane-nginx:bookworm',
  node: 'labdeck/dataplane-node:bookworm',
  dns: 'labdeck/dataplane-dns:bookworm',
} as const;

export function podImage(image: PodImage): string {
  return image === 'busybox' ? DATAPLANE_IMAGES.pod : DATAPLANE_IMAGES[image];
}

/** Every image a harness run needs: the data-plane images and the product's jumphost (jumphost and verifier). */
export const HARNESS_IMAGES: readonly string[] = [...Object.values(DATAPLANE_IMAGES), JUMPHOST_IMAGE];
