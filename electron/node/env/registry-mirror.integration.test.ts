import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyFreePort } from './host-ports.ts';
import { labLabels, LABEL_ROLE } from './labels.ts';
import { pushToMirror } from './registry-mirror.ts';
import { dockerTestBlocker, TEST_BASE_IMAGE, uniqueSuffix } from './test-docker.ts';
import { REGISTRY_IMAGE } from './versions.ts';

// The registry mirror filled by the engine's own pushes, against the real registry image (crane): what it
// serves afterwards is exactly the image the engine holds, a second fill sends nothing, and an image the
// engine lacks is reported, not invented.

const { docker, reason } = await dockerTestBlocker([REGISTRY_IMAGE, TEST_BASE_IMAGE]);

describe.skipIf(reason)(`registry mirror${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let registry: Docker.Container;
  let port: number;
  const tag = `labdeck-mirror-test/base:${uniqueSuffix()}`;

  beforeAll(async () => {
    port = await anyFreePort('127.0.0.1');
    registry = await docker.createContainer({
      Image: REGISTRY_IMAGE,
      Cmd: ['registry', 'serve', '--address', ':5000'],
      Labels: labLabels(`mirror-test-${uniqueSuffix()}`, { [LABEL_ROLE]: 'registry' }),
      ExposedPorts: { '5000/tcp': {} },
      HostConfig: { PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
    });
    await registry.start();
    for (let attempt = 0; attempt < 50; attempt++) {
      if (await fetch(`http://127.0.0.1:${port}/v2/`).then((response) => response.ok, () => false)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await docker.getImage(TEST_BASE_IMAGE).tag({ repo: tag.split(':')[0] ?? '', tag: tag.split(':')[1] ?? '' });
  });

  afterAll(async () => {
    await registry?.remove({ force: true, v: true });
    await docker.getImage(tag).remove({ noprune: true }).catch(() => undefined);
  });

  it('serves the engine image under its mirror path, pushes it once and names what the engine lacks', async () => {
    const logs: string[] = [];
    const first = await pushToMirror(docker, [tag, 'labdeck-mirror-test/absent:1'], port, (line) => logs.push(line));
    expect(first).toEqual({ pushed: [tag], missing: ['labdeck-mirror-test/absent:1'] });
    expect(logs).toEqual([`${tag} pushed to the registry mirror`]);

    const [repo, reference] = tag.split(':');
    const manifest = (await (await fetch(`http://127.0.0.1:${port}/v2/${repo}/manifests/${reference}`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    })).json()) as { config: { digest: string } };
    expect(manifest.config.digest).toBe((await docker.getImage(tag).inspect()).Id);
    // The temporary push name is gone; the image keeps its own.
    expect((await docker.getImage(tag).inspect()).RepoTags?.some((name) => name.startsWith('127.0.0.1:'))).toBe(false);

    const again: string[] = [];
    await pushToMirror(docker, [tag], port, (line) => again.push(line));
    expect(again).toEqual([]);
  });
});
