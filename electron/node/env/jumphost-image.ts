import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { LabdeckError } from '../../common/errors.ts';
import { ensureImage, imagePresent, missingImageError, type ImageSource } from './bundle.ts';
import { NODE_IMAGE } from './versions.ts';

/** resources/jumphost in a source checkout; packaged apps pass their resources folder instead. */
export const DEFAULT_JUMPHOST_CONTEXT = path.resolve(import.meta.dirname, '../../../resources/jumphost');

export interface JumphostBuildOptions {
  contextDir?: string;
  baseImage?: string;
  /** The node image kubectl is copied from, so the jumphost's kubectl is the cluster's own release. */
  nodeImage?: string;
  onLog?: (line: string) => void;
}

/** Builds resources/jumphost/Dockerfile through the engine's API (the classic builder). */
export async function buildJumphostImage(docker: Docker, tag: string, options: JumphostBuildOptions = {}): Promise<void> {
  const contextDir = options.contextDir ?? DEFAULT_JUMPHOST_CONTEXT;
  const files = (await fsp.readdir(contextDir)).filter((name) => fs.statSync(path.join(contextDir, name)).isFile());
  const baseImage = options.baseImage ?? 'debian:bookworm-slim';
  const buildargs: Record<string, string> = { BASE_IMAGE: baseImage, NODE_IMAGE: options.nodeImage ?? NODE_IMAGE };
  const stream = await docker.buildImage({ context: contextDir, src: files }, { t: tag, buildargs, rm: true, forcerm: true });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: { error?: string }[]) => {
        const failed = error?.message ?? output.find((entry) => entry.error)?.error;
        if (failed) reject(new LabdeckError('environment-not-ready', `Building ${tag} failed: ${failed.trim()}`, { action: 'Check the engine can reach the Debian mirror, or use a course bundle that contains the jumphost image.' }));
        else resolve();
      },
      (event: { stream?: string }) => {
        const line = event.stream?.trim();
        if (line) options.onLog?.(line);
      },
    );
  });
}

/** The jumphost image: present, else from the bundle, else built from its Dockerfile (needs a Debian mirror). */
export async function ensureJumphostImage(
  docker: Docker,
  tag: string,
  options: { bundleDir?: string; allowBuild: boolean; build?: JumphostBuildOptions; onLog?: (line: string) => void },
): Promise<ImageSource | 'built'> {
  try {
    return await ensureImage(docker, tag, { ...(options.bundleDir ? { bundleDir: options.bundleDir } : {}), allowPull: false, ...(options.onLog ? { onLog: options.onLog } : {}) });
  } catch (error) {
    if (!options.allowBuild || !fs.existsSync(path.join(options.build?.contextDir ?? DEFAULT_JUMPHOST_CONTEXT, 'Dockerfile'))) throw error;
  }
  options.onLog?.(`docker build -t ${tag} resources/jumphost`);
  await buildJumphostImage(docker, tag, { ...options.build, ...(options.onLog ? { onLog: options.onLog } : {}) });
  if (!(await imagePresent(docker, tag))) throw missingImageError(tag, options.bundleDir);
  return 'built';
}
