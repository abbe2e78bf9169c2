import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeTag } from './bundle-archive.ts';
import {
  COREDNS_VERSION,
  CRANE_VERSION,
  ETCD_IMAGE_TAG,
  FLANNEL_IMAGE,
  FLANNEL_VERSION,
  JUMPHOST_IMAGE,
  JUMPHOST_VERSION,
  KUBERNETES_VERSION,
  kubernetesMinor,
  mirrorPath,
  needsFailCgroupV1False,
  NODE_IMAGE,
  PAUSE_IMAGE_TAG,
  REGISTRY_IMAGE,
  SYSTEM_IMAGES,
} from './versions.ts';

const resources = path.resolve(import.meta.dirname, '../../../resources');
const read = (file: string) => fs.readFileSync(path.join(resources, file), 'utf8');

/** resources/node/versions.env as the node builds read it: KEY=value lines, comments ignored. */
function versionsEnv(): Record<string, string> {
  const entries = read('node/versions.env')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split('=', 2) as [string, string]);
  return Object.fromEntries(entries);
}

describe('pinned versions', () => {
  it('equal resources/node/versions.env, the one file the node builds read', () => {
    expect({ KUBERNETES_VERSION, ETCD_IMAGE_TAG, PAUSE_IMAGE_TAG, COREDNS_VERSION, FLANNEL_VERSION, CRANE_VERSION }).toEqual({
      KUBERNETES_VERSION: versionsEnv().KUBERNETES_VERSION,
      ETCD_IMAGE_TAG: versionsEnv().ETCD_IMAGE_TAG,
      PAUSE_IMAGE_TAG: versionsEnv().PAUSE_IMAGE_TAG,
      COREDNS_VERSION: versionsEnv().COREDNS_VERSION,
      FLANNEL_VERSION: versionsEnv().FLANNEL_VERSION,
      CRANE_VERSION: versionsEnv().CRANE_VERSION,
    });
    expect(KUBERNETES_VERSION).toMatch(/^v1\.\d+\.\d+$/);
  });

  it('name the images resources/node/build-images.sh builds: node, system images and registry mirror', () => {
    const env = versionsEnv();
    const script = read('node/build-images.sh');
    // The three static control-plane images come from one line in a loop over $component.
    const built = [...script.matchAll(/^\s*build "([^"]+)"/gm)]
      .map((match) => match[1] ?? '')
      .flatMap((image) => (image.includes('$component') ? ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((component) => image.replace('$component', component)) : [image]))
      .map((image) => image.replace(/\$(\w+)/g, (_whole, name: string) => env[name] ?? `<${name}?>`));
    const expected = [NODE_IMAGE, ...SYSTEM_IMAGES, REGISTRY_IMAGE].map(normalizeTag);
    expect(built.map(normalizeTag).sort()).toEqual([...expected].sort());
    expect(NODE_IMAGE).toBe(`labdeck/node:${KUBERNETES_VERSION}`);
    expect(FLANNEL_IMAGE).toBe(`docker.io/flannel/flannel:${FLANNEL_VERSION}`);
  });

  it("are the images kubeadm asks for (kubeadm config images list) plus flannel's", () => {
    expect(SYSTEM_IMAGES.filter((image) => image.startsWith('registry.k8s.io/'))).toEqual([
      `registry.k8s.io/kube-apiserver:${KUBERNETES_VERSION}`,
      `registry.k8s.io/kube-controller-manager:${KUBERNETES_VERSION}`,
      `registry.k8s.io/kube-scheduler:${KUBERNETES_VERSION}`,
      `registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`,
      `registry.k8s.io/etcd:${ETCD_IMAGE_TAG}`,
      `registry.k8s.io/pause:${PAUSE_IMAGE_TAG}`,
      `registry.k8s.io/coredns/coredns:${COREDNS_VERSION}`,
    ]);
    expect(SYSTEM_IMAGES).toContain(FLANNEL_IMAGE);
  });

  it("the jumphost's Dockerfile copies kubectl from the node image of this release by default", () => {
    const dockerfile = read('jumphost/Dockerfile');
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=${NODE_IMAGE.replace(/[.]/g, '\\.')}$`, 'm'));
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS node$/m);
    expect(dockerfile).toContain('COPY --from=node /usr/bin/kubectl /usr/local/bin/kubectl');
  });

  it('the jumphost image tag matches resources/jumphost/VERSION', () => {
    expect(JUMPHOST_VERSION).toBe(read('jumphost/VERSION').trim());
    expect(JUMPHOST_IMAGE).toBe(`labdeck/jumphost:${JUMPHOST_VERSION}`);
  });

  it('turn cgroup v1 support back on only for releases whose kubelet refuses it', () => {
    expect(kubernetesMinor('v1.33.4')).toBe(33);
    expect(kubernetesMinor('1.35.0')).toBe(35);
    expect(() => kubernetesMinor('latest')).toThrow(/Not a Kubernetes version/);
    expect(needsFailCgroupV1False(KUBERNETES_VERSION)).toBe(false);
    expect(needsFailCgroupV1False('v1.34.9')).toBe(false);
    expect(needsFailCgroupV1False('v1.35.0')).toBe(true);
  });
});

describe('mirrorPath: where an image lives in the registry mirror', () => {
  it("drops the registry host and adds Docker Hub's implicit library/", () => {
    expect(mirrorPath('nginx:1.14.2')).toBe('library/nginx:1.14.2');
    expect(mirrorPath('docker.io/nginx:latest')).toBe('library/nginx:latest');
    expect(mirrorPath('docker.io/library/busybox:latest')).toBe('library/busybox:latest');
    expect(mirrorPath('busybox42/alpine-pod:latest')).toBe('busybox42/alpine-pod:latest');
    expect(mirrorPath(FLANNEL_IMAGE)).toBe(`flannel/flannel:${FLANNEL_VERSION}`);
    expect(mirrorPath(`registry.k8s.io/pause:${PAUSE_IMAGE_TAG}`)).toBe(`pause:${PAUSE_IMAGE_TAG}`);
    expect(mirrorPath(`registry.k8s.io/coredns/coredns:${COREDNS_VERSION}`)).toBe(`coredns/coredns:${COREDNS_VERSION}`);
  });

  it('treats a first component with a dot, a port or localhost as a registry, anything else as a Docker Hub user', () => {
    expect(mirrorPath('localhost/app:1')).toBe('app:1');
    expect(mirrorPath('registry.corp:5000/team/app:1')).toBe('team/app:1');
    expect(mirrorPath('team/app:1')).toBe('team/app:1');
  });
});
