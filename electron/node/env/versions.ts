/**
 * The pinned releases. resources/node/versions.env is the one source the node builds read; these constants
 * must equal it (versions.test.ts compares them), so the app, the images and the texts name one version.
 */
export const KUBERNETES_VERSION = 'v1.33.4';
export const ETCD_IMAGE_TAG = '3.5.21-0';
export const PAUSE_IMAGE_TAG = '3.10';
export const COREDNS_VERSION = 'v1.12.0';
export const FLANNEL_VERSION = 'v0.26.7';
export const CRANE_VERSION = 'v0.20.6';

/** Labdeck's node image (resources/node/Dockerfile): containerd, kubelet, kubeadm, kubectl, the CNI plugins. */
export const NODE_IMAGE = `labdeck/node:${KUBERNETES_VERSION}`;
/** The registry mirror every node's containerd asks first for docker.io and registry.k8s.io images. */
export const REGISTRY_IMAGE = `labdeck/registry:${CRANE_VERSION}`;
export const FLANNEL_IMAGE = `docker.io/flannel/flannel:${FLANNEL_VERSION}`;

/**
 * Images the cluster itself runs, as kubeadm names them (`kubeadm config images list`) plus flannel. They
 * reach the nodes through the registry mirror: from the engine (a course pack loaded them) or, online, from
 * upstream when the mirror lacks them.
 */
export const SYSTEM_IMAGES = [
  `registry.k8s.io/kube-apiserver:${KUBERNETES_VERSION}`,
  `registry.k8s.io/kube-controller-manager:${KUBERNETES_VERSION}`,
  `registry.k8s.io/kube-scheduler:${KUBERNETES_VERSION}`,
  `registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`,
  `registry.k8s.io/etcd:${ETCD_IMAGE_TAG}`,
  `registry.k8s.io/pause:${PAUSE_IMAGE_TAG}`,
  `registry.k8s.io/coredns/coredns:${COREDNS_VERSION}`,
  FLANNEL_IMAGE,
] as const;

/**
 * Registry digests of pulled images, by the tag shown to people. A tag can be re-pushed; a digest names
 * exactly one image. When a digest is listed, pulls fetch `repo@digest` and only then put the tag on it
 * (env/bundle.ts pullImage). Fill in when bumping a version, from a trusted machine. Not invented here.
 * Where this map has no digest, a course bundle's bundle.json may: `labdeck env bundle` records the
 * registry digest the instructor's engine pulled each image by (env/bundle.ts ensureImage). Images loaded
 * from a bundle's files are always verified against the image id bundle.json records.
 */
export const IMAGE_DIGESTS: Readonly<Record<string, string>> = {};

/** The reference to pull for an image: `repo@sha256:…` when its digest is pinned, else the tag itself. */
export function pinnedReference(image: string, digests: Readonly<Record<string, string>> = IMAGE_DIGESTS): string {
  const digest = Object.hasOwn(digests, image) ? digests[image] : undefined;
  if (!digest) return image;
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new Error(`IMAGE_DIGESTS[${image}] is not a sha256 digest: ${digest}`);
  return `${repositoryOf(image)}@${digest}`;
}

/** `labdeck/node:v1` -> `labdeck/node`; a registry port (`host:5000/x:1`) is not a tag. */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** Bumped with resources/jumphost/VERSION whenever the jumphost's Dockerfile, bashrc or recorder change. */
export const JUMPHOST_VERSION = '1.3.0';
export const JUMPHOST_IMAGE = `labdeck/jumphost:${JUMPHOST_VERSION}`;

/** Kubernetes minor of a release, e.g. 33 for v1.33.4. */
export function kubernetesMinor(version: string): number {
  const match = /^v?1\.(\d+)\./.exec(version);
  if (!match?.[1]) throw new Error(`Not a Kubernetes version: ${version}`);
  return Number(match[1]);
}

/**
 * From Kubernetes 1.35 the kubelet refuses to start on cgroup v1 hosts unless told otherwise. Docker Desktop
 * and most current Linux hosts use cgroup v2, but older hosts (and this project's CI) still run v1.
 */
export function needsFailCgroupV1False(version: string): boolean {
  return kubernetesMinor(version) >= 35;
}

/** Workload images of the course's manifests and commands, served offline by the registry mirror. */
export const DEFAULT_WORKLOAD_IMAGES = ['nginx:latest', 'nginx:1.14.2', 'busybox:latest', 'busybox42/alpine-pod:latest'] as const;

/**
 * How an image is named in the registry mirror: its path without the registry host, with Docker Hub's
 * implicit `library/` (containerd asks a docker.io mirror for /v2/library/nginx/...).
 */
export function mirrorPath(image: string): string {
  const [first = '', ...rest] = image.split('/');
  const hasRegistry = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const path = hasRegistry ? rest.join('/') : image;
  const dockerHub = !hasRegistry || first === 'docker.io';
  return dockerHub && !path.includes('/') ? `library/${path}` : path;
}

/** The flannel CNI plugin release the online node build downloads (the offline build compiles its own). */
export const FLANNEL_CNI_PLUGIN_VERSION = 'v1.7.1-flannel1';
