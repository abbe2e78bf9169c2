import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { LabdeckError } from '../../common/errors.ts';
import { ensureImage, imagePresent, missingImageError, type ImageSource } from './bundle.ts';
import { CRANE_VERSION, FLANNEL_CNI_PLUGIN_VERSION, KUBERNETES_VERSION } from './versions.ts';

/** resources/node in a source checkout; packaged apps carry the same files (electron-builder.yml). */
export const DEFAULT_NODE_CONTEXT = path.resolve(import.meta.dirname, '../../../resources/node');

export interface LabdeckImageOptions {
  bundleDir?: string;
  /** Online: build the image from the upstream release binaries when no bundle or pack provides it. */
  allowBuild: boolean;
  contextDir?: string;
  onLog?: (line: string) => void;
}

/**
 * Labdeck's own images (the node and the registry mirror) are not on any registry: present, else from the
 * course bundle or pack, else built once on this machine from resources/node with BINARIES=release, which
 * downloads kubelet, kubeadm, kubectl, the flannel CNI plugin and crane from their upstream releases and
 * checks each against its published checksum (files/fetch-release.sh).
 */
export async function ensureLabdeckImage(docker: Docker, image: string, dockerfile: 'Dockerfile' | 'registry.Dockerfile', options: LabdeckImageOptions): Promise<ImageSource | 'built'> {
  const contextDir = options.contextDir ?? DEFAULT_NODE_CONTEXT;
  try {
    return await ensureImage(docker, image, { ...(options.bundleDir ? { bundleDir: options.bundleDir } : {}), allowPull: false, ...(options.onLog ? { onLog: options.onLog } : {}) });
  } catch (error) {
    if (!options.allowBuild || !fs.existsSync(path.join(contextDir, dockerfile))) throw error;
  }
  options.onLog?.(`docker build -t ${image} -f ${dockerfile} (release binaries)`);
  const files = [dockerfile, ...fs.readdirSync(path.join(contextDir, 'files')).map((name) => `files/${name}`)];
  const stream = await docker.buildImage(
    { context: contextDir, src: files },
    {
      t: image,
      dockerfile,
      rm: true,
      forcerm: true,
      buildargs: { BINARIES: 'release', KUBERNETES_VERSION, FLANNEL_CNI_PLUGIN_VERSION, CRANE_VERSION },
      labels: { 'dev.labdeck.binaries': 'release' },
    },
  );
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: { error?: string }[]) => {
        const failed = error?.message ?? output.find((entry) => entry.error)?.error;
        if (failed) {
          reject(new LabdeckError('environment-not-ready', `Building ${image} failed: ${failed.trim()}`, {
            action: 'Building needs the Debian mirror and the Kubernetes release downloads (dl.k8s.io, github.com). Offline, open the course pack your instructor handed out ("Open course…" or --course).',
          }));
        } else resolve();
      },
      (event: { stream?: string }) => {
        const line = event.stream?.trim();
        if (line) options.onLog?.(line);
      },
    );
  });
  if (!(await imagePresent(docker, image))) throw missingImageError(image, options.bundleDir);
  return 'built';
}
