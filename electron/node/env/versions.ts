/**
 * The pinned releases. One k3s release for the nodes, and the jumphost's kubectl comes from the same image
 * (resources/jumphost/Dockerfile's K3S_IMAGE default must equal K3S_IMAGE; a unit test compares them).
 */
export const K3S_VERSION = 'v1.33.4+k3s1';
/** Docker tags cannot hold "+", so rancher publishes k3s releases with "-" instead. */
export const K3S_IMAGE = `rancher/k3s:${K3S_VERSION.replace('+', '-')}`;

/**
 * Registry digests of pulled images, by the tag shown to people. A tag can be re-pushed; a digest names
 * exactly one image, which matters most for the privileged k3s node image. When a digest is listed, pulls
 * fetch `repo@digest` and only then put the tag on it (env/bundle.ts pullImage). Fill in when bumping a
 * version, from a trusted machine: `docker buildx imagetools inspect rancher/k3s:<tag>` (the "Digest" line).
 * Not invented here. Where this map has no digest, a course bundle's bundle.json may: `labdeck env bundle`
 * records the registry digest the instructor's engine pulled each image by, and an attendee who has to pull
 * that image pulls that digest (env/bundle.ts ensureImage). Images loaded from a bundle's files are always
 * verified against the image id bundle.json records (env/bundle-archive.ts). Only an image neither names is
 * pulled by its tag.
 */
export const IMAGE_DIGESTS: Readonly<Record<string, string>> = {};

/** The reference to pull for an image: `repo@sha256:…` when its digest is pinned, else the tag itself. */
export function pinnedReference(image: string, digests: Readonly<Record<string, string>> = IMAGE_DIGESTS): string {
  const digest = Object.hasOwn(digests, image) ? digests[image] : undefined;
  if (!digest) return image;
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new Error(`IMAGE_DIGESTS[${image}] is not a sha256 digest: ${digest}`);
  return `${repositoryOf(image)}@${digest}`;
}

/** `rancher/k3s:v1` -> `rancher/k3s`; a registry port (`host:5000/x:1`) is not a tag. */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** Bumped with resources/jumphost/VERSION whenever the jumphost's Dockerfile, bashrc or recorder change. */
export const JUMPHOST_VERSION = '1.0.0';
export const JUMPHOST_IMAGE = `labdeck/jumphost:${JUMPHOST_VERSION}`;

/** Kubernetes minor of the pinned k3s release, e.g. 33 for v1.33.4+k3s1. */
export function kubernetesMinor(k3sVersion: string): number {
  const match = /^v?1\.(\d+)\./.exec(k3sVersion);
  if (!match?.[1]) throw new Error(`Not a k3s version: ${k3sVersion}`);
  return Number(match[1]);
}

/**
 * From Kubernetes 1.35 the kubelet refuses to start on cgroup v1 hosts unless told otherwise. Docker Desktop
 * and most current Linux hosts use cgroup v2, but older hosts (and this project's CI) still run v1.
 */
export function needsFailCgroupV1False(k3sVersion: string): boolean {
  return kubernetesMinor(k3sVersion) >= 35;
}

/**
 * Images the nodes run that do not come with the k3s binary: the pause and CoreDNS images k3s deploys, and
 * the images the workshop's manifests use. Offline they reach the nodes through k3s's air-gap image folder.
 * The system image tags follow k3s 1.33's manifests; compare them with the release's k3s-images.txt when
 * bumping K3S_VERSION. The release's k3s-airgap-images tarball carries them, so a bundle normally ships that.
 */
export const K3S_SYSTEM_IMAGES = [
  'rancher/mirrored-pause:3.6',
  'rancher/mirrored-coredns-coredns:1.12.3',
  'rancher/local-path-provisioner:v0.0.31',
] as const;

export const DEFAULT_WORKLOAD_IMAGES = ['nginx:latest', 'nginx:1.14.2', 'busybox:latest', 'busybox42/alpine-pod:latest'] as const;
