import path from 'node:path';
import type { Command } from 'commander';
import { LabdeckError } from '../../common/errors.ts';
import { defaultDataDir } from '../../node/data-dir.ts';
import { labdeckVersion } from '../../node/labdeck-version.ts';
import { bundleRequest, missingImagesReport, writeBundle } from '../../node/env/bundle-writer.ts';
import { resolveEnvConfig } from '../../node/env/config.ts';
import { createDockerClient } from '../../node/env/docker-client.ts';
import { readSigningKey } from '../../node/course-pack/keys.ts';
import { describeVerification, packIsGood, verifyPack } from '../../node/course-pack/pack-reader.ts';
import { writePack } from '../../node/course-pack/pack-writer.ts';
import { TrustStore } from '../../node/course-pack/trust-store.ts';
import { loadConfigInput } from './env.ts';
import { askTrustOnTerminal } from './trust-prompt.ts';

interface PackOptions {
  out?: string;
  key?: string;
  arch?: string;
  imagesFrom?: string[];
  images: boolean;
  config?: string;
  pull?: boolean;
  verify?: string;
  trust?: boolean;
  dataDir?: string;
}

async function verifyCommand(file: string, options: PackOptions): Promise<void> {
  const store = new TrustStore(options.dataDir ?? defaultDataDir());
  const result = await verifyPack(path.resolve(file), store);
  if (result.problems.length === 0 && result.signature === 'valid' && result.trusted === false && result.publisher) {
    if (options.trust || (await askTrustOnTerminal(result.publisher))) {
      await store.trust(result.publisher);
      result.trusted = true;
    }
  }
  process.stdout.write(`${describeVerification(result).join('\n')}\n`);
  if (!packIsGood(result)) {
    if (result.signature === 'valid' && result.trusted === false && result.problems.length === 0) {
      process.stdout.write(`To trust this publisher after checking the fingerprint: labdeck pack --verify ${file} --trust\n`);
    }
    process.exitCode = 1;
  }
}

/** The bundle folder to pack: given ones, or one written from this Docker engine (the `env bundle` writer). */
async function imageDirs(out: string, options: PackOptions, log: (line: string) => void): Promise<string[]> {
  if (!options.images) return [];
  if (options.imagesFrom && options.imagesFrom.length > 0) return options.imagesFrom.map((dir) => path.resolve(dir));
  const config = resolveEnvConfig(await loadConfigInput(options.config ? { config: options.config } : {}));
  const dir = `${out}.bundle`;
  log(`saving the images from Docker into ${dir} (kept, so the next pack only saves what changed)`);
  const result = await writeBundle(createDockerClient(), dir, bundleRequest(config), { labdeckVersion: labdeckVersion(), kubernetesVersion: config.kubernetes.version, pull: Boolean(options.pull), onLog: log });
  if (result.missing.length > 0) {
    const report = missingImagesReport(result.missing, { rerun: `labdeck pack … --out ${out}` });
    throw new LabdeckError('not-found', `The pack is not written: images are missing.\n${report}`, { action: 'Pull them (or add --pull), or pack without images with --no-images.' });
  }
  return [dir];
}

/**
 * `labdeck pack <course-dir> --out <file>`: the instructor's one file for an offline room (course, branding,
 * expected Kubernetes release, node image and topology, saved images, manifest of sha256, Ed25519 signature), and
 * `labdeck pack --verify <file>` for checking a copy.
 */
export function registerPackCommand(program: Command): void {
  program
    .command('pack')
    .description('Write a signed course pack (course, images, manifest), or check one with --verify')
    .argument('[course-dir]', 'the course folder (course.yaml and <id>-<slug>/ labs)')
    .option('--out <file>', 'the pack to write, e.g. k8s-networking.labdeck')
    .option('--key <file>', 'sign with this private key (labdeck keys new); without it the pack is unsigned')
    .option('--arch <list>', 'CPU architectures the pack must carry images for, e.g. amd64,arm64')
    .option('--images-from <dir...>', 'bundle folders (labdeck env bundle), one per architecture, instead of saving from Docker')
    .option('--no-images', 'pack the course only (attendees need the images from elsewhere)')
    .option('--config <file>', 'environment settings: the node, jumphost, registry and workload images')
    .option('--pull', 'pull images the engine lacks first (needs the registry)')
    .option('--verify <file>', 'check a pack: every sha256, the signature, and whether you trust its publisher')
    .option('--trust', 'with --verify: trust the publisher if the pack is otherwise good')
    .option('--data-dir <dir>', 'app data folder holding trusted-publishers.json')
    .action(async (courseDir: string | undefined, options: PackOptions) => {
      if (options.verify) return verifyCommand(options.verify, options);
      if (!courseDir || !options.out) {
        throw new LabdeckError('invalid-request', 'pack needs a course folder and --out <file>.', { action: 'Run `labdeck pack labs --out course.labdeck --key my.labdeck-key`, or `labdeck pack --verify <file>`.' });
      }
      const out = path.resolve(options.out);
      const log = (line: string) => process.stderr.write(`[pack] ${line}\n`);
      const key = options.key ? await readSigningKey(options.key) : undefined;
      const architectures = options.arch?.split(',').map((arch) => arch.trim()).filter(Boolean);
      const config = resolveEnvConfig(await loadConfigInput(options.config ? { config: options.config } : {}));
      const { manifest } = await writePack({
        courseDir,
        out,
        ...(key ? { key } : {}),
        imageDirs: await imageDirs(out, options, log),
        ...(architectures ? { architectures } : {}),
        environment: config,
        labdeckVersion: labdeckVersion(),
        onProgress: log,
      });
      const images = manifest.entries.filter((entry) => entry.image !== undefined).length;
      process.stdout.write(
        `Pack ${out}: ${manifest.course.title}, ${manifest.entries.length - images} course files, ${images} image files (${manifest.architectures.join(', ') || 'no images'}), ${key ? `signed by ${key.name} (${key.fingerprint})` : 'UNSIGNED'}\n`,
      );
    });
}
