import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execCollect } from './docker-exec.ts';
import { HOME_RECORD_PATH, syncJumphostHome } from './jumphost-home.ts';
import { LABEL_ROLE, labLabels } from './labels.ts';
import { dockerTestBlocker, uniqueSuffix } from './test-docker.ts';
import { JUMPHOST_IMAGE } from './versions.ts';

const { docker, reason } = await dockerTestBlocker([JUMPHOST_IMAGE]);
if (reason) console.warn(`[skip] jumphost home integration tests: ${reason}`);

describe.skipIf(reason !== null)('syncJumphostHome on a real jumphost container', () => {
  let id = '';
  const asAttendee = (script: string) => execCollect(docker, id, ['sh', '-c', script], { timeoutMs: 10_000, user: '1000', env: ['HOME=/home/ubuntu'] });

  beforeAll(async () => {
    const container = await docker.createContainer({
      Image: JUMPHOST_IMAGE,
      name: `labdeck-it-home-${uniqueSuffix()}`,
      Labels: labLabels(`it-home-${uniqueSuffix()}`, { [LABEL_ROLE]: 'jumphost' }),
      HostConfig: { NetworkMode: 'none' },
    });
    id = container.id;
    await container.start();
  });

  afterAll(async () => {
    if (id) await docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
  });

  it('puts the manifests into /home/ubuntu owned by ubuntu, so kubectl apply -f works as typed there', async () => {
    const log: string[] = [];
    const plan = await syncJumphostHome(docker, id, [{ name: 'nginx-pod.yaml', content: 'kind: Pod\n' }], (line) => log.push(line));
    expect(plan.write.map((file) => file.name)).toEqual(['nginx-pod.yaml']);
    const listing = await asAttendee('cd && stat -c "%U %a %n" nginx-pod.yaml && cat nginx-pod.yaml && echo edit >> nginx-pod.yaml');
    expect(listing).toEqual({ exitCode: 0, output: 'ubuntu 644 nginx-pod.yaml\nkind: Pod\n' });
    expect(log).toEqual([]);
    // The record is root's: the attendee cannot make Labdeck overwrite their edits.
    expect((await asAttendee(`echo '{}' > ${HOME_RECORD_PATH}`)).exitCode).not.toBe(0);
  });

  it('keeps the attendee edit and says so in one log line; a later course version updates untouched files only', async () => {
    await syncJumphostHome(docker, id, [{ name: 'nginx-service.yaml', content: 'kind: Service # v1\n' }], () => undefined);
    const log: string[] = [];
    const plan = await syncJumphostHome(
      docker,
      id,
      [
        { name: 'nginx-pod.yaml', content: 'kind: Pod # v2\n' },
        { name: 'nginx-service.yaml', content: 'kind: Service # v2\n' },
      ],
      (line) => log.push(line),
    );
    expect(plan).toMatchObject({ kept: ['nginx-pod.yaml'], unchanged: [] });
    expect(plan.write.map((file) => file.name)).toEqual(['nginx-service.yaml']);
    expect(log).toEqual([expect.stringContaining('kept /home/ubuntu/nginx-pod.yaml')]);
    expect((await asAttendee('cd && cat nginx-pod.yaml nginx-service.yaml')).output).toBe('kind: Pod\nedit\nkind: Service # v2\n');
  });

  it('does not follow a link the attendee put in place of a manifest', async () => {
    await asAttendee('cd && ln -s /etc/hostname nginx-deployment.yaml');
    const log: string[] = [];
    const plan = await syncJumphostHome(docker, id, [{ name: 'nginx-deployment.yaml', content: 'kind: Deployment\n' }], (line) => log.push(line));
    expect(plan.kept).toEqual(['nginx-deployment.yaml']);
    expect((await asAttendee('cd && readlink nginx-deployment.yaml')).output.trim()).toBe('/etc/hostname');
  });
});
