import fs from 'node:fs';
import tar from 'tar-stream';

/**
 * Which CPU architecture a `docker save` archive is for, read from the archive itself (manifest.json names the
 * image config, whose "architecture" says it), so a pack records what it really carries rather than what the
 * instructor believed. A file whose name ends in -<arch>.tar says it itself. Returns null for files that are
 * not docker-save archives.
 */
export async function archiveArchitecture(file: string): Promise<string | null> {
  const fromName = /-(amd64|arm64|arm)\.tar(\.gz|\.zst)?$/.exec(file);
  if (fromName?.[1]) return fromName[1];
  if (!file.endsWith('.tar')) return null;
  // Small JSON entries only: configs and manifest.json are a few kB, layers are skipped unread.
  const small = new Map<string, string>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const keep = (header.size ?? 0) < 1024 * 1024 && header.type === 'file';
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      if (keep) chunks.push(chunk as Buffer);
    });
    stream.on('end', () => {
      if (keep) small.set(header.name, Buffer.concat(chunks).toString('utf8'));
      next();
    });
    stream.resume();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      extract.on('finish', resolve);
      extract.on('error', reject);
      const input = fs.createReadStream(file);
      input.on('error', reject);
      input.pipe(extract);
    });
  } catch {
    return null;
  }
  try {
    const manifest = JSON.parse(small.get('manifest.json') ?? '[]') as { Config?: string }[];
    const configName = manifest[0]?.Config;
    if (!configName) return null;
    const config = JSON.parse(small.get(configName) ?? '{}') as { architecture?: string };
    return config.architecture ?? null;
  } catch {
    return null;
  }
}
