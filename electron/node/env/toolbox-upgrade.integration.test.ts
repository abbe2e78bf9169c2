import { afterAll, describe, expect, it } from 'vitest';
import { createIfMissing, startIfStopped } from './container-start.ts';
import { execCollect, execChecked } from './docker-exec.ts';
import { labLabels, LABEL_ROLE } from './labels.ts';
import { listLabContainers } from './lab-containers.ts';
import type { PlannedContainer } from './plan.ts';
import { dockerTestBlocker, uniqueSuffix } from './test-docker.ts';
import { replaceOutdatedToolbox, restoreHome } from './toolbox-upgrade.ts';
import { JUMPHOST_IMAGE, NODE_IMAGE } from './versions.ts';

const { docker, reason } = await dockerTestBlocker([JUMPHOST_IMAGE, NODE_IMAGE]);
if (reason) console.warn(`[skip] toolbox upgrade integration tests: ${reason}`);

const suffix = uniqueSuffix();
const envName = `it-upgrade-${suffix}`;
const name = `jumphost-upgrade-${suffix}`;

/** The jumphost as this Labdeck plans it (no network: the upgrade is about the image and the home). */
const planned: PlannedContainer = {
  name,
  role: 'jumphost',
  ip: '',
  files: [],
  create: { name, Image: JUMPHOST_IMAGE, Cmd: ['sleep', 'infinity'], Labels: labLabels(envName, { [LABEL_ROLE]: 'jumphost' }), HostConfig: { Init: true, NetworkMode: 'none' } },
};

describe.skipIf(reason !== null)('an upgrade that brings a new jumphost image', () => {
  afterAll(async () => {
    for (const container of await listLabContainers(docker, envName)) await docker.getContainer(container.id).remove({ force: true });
  });

  it("replaces a jumphost made from another image and carries the attendee's home over", async () => {
    // An older Labdeck's jumphost: another image, with a file the attendee wrote in their home.
    const old = await docker.createContainer({ ...planned.create, Image: NODE_IMAGE, Entrypoint: ['sleep'], Cmd: ['infinity'] });
    await old.start();
    await execChecked(docker, old.id, ['sh', '-c', 'mkdir -p /home/ubuntu && echo "my notes" > /home/ubuntu/notes.txt && chown -R 1000:1000 /home/ubuntu'], { timeoutMs: 10_000, user: 'root' });

    const logs: string[] = [];
    const existing = await listLabContainers(docker, envName);
    expect(existing.map((container) => container.image)).toEqual([NODE_IMAGE]);
    const replaced = await replaceOutdatedToolbox(docker, planned, existing, (line) => logs.push(line));
    expect(replaced.existing).toEqual([]);
    expect(replaced.home).not.toBeNull();
    expect(logs.join('\n')).toContain(`replacing it with ${JUMPHOST_IMAGE}`);

    const id = await createIfMissing(docker, planned, replaced.existing);
    await startIfStopped(docker, id);
    await restoreHome(docker, id, replaced.home!);
    const notes = await execCollect(docker, id, ['cat', '/home/ubuntu/notes.txt'], { timeoutMs: 10_000 });
    expect(notes).toEqual({ exitCode: 0, output: 'my notes\n' });
    expect((await listLabContainers(docker, envName)).map((container) => container.image)).toEqual([JUMPHOST_IMAGE]);

    // This Labdeck's own jumphost is kept as it is.
    const again = await replaceOutdatedToolbox(docker, planned, await listLabContainers(docker, envName), (line) => logs.push(line));
    expect(again.existing.map((container) => container.id)).toEqual([id]);
    expect(again.home).toBeNull();
  }, 60_000);
});
