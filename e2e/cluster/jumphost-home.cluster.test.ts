import Docker from 'dockerode';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { EnvironmentService } from '../../electron/node/env/environment-service.ts';
import { execCollect } from '../../electron/node/env/docker-exec.ts';
import { courseHomeFiles, HOME_RECORD_PATH } from '../../electron/node/env/jumphost-home.ts';
import { LabCatalog } from '../../electron/node/labs/lab-catalog.ts';
import { COURSE_DIR } from './lab-cluster.ts';
import { containerId, run, TEST_DATA_DIR, TEST_ENV_CONFIG } from './test-cluster.ts';

/**
 * The lab texts say "apply it from the jumphost: `kubectl apply -f X.yaml`". On the real jumphost, the
 * product's EnvironmentService (as create-backend.ts builds it, with the course's manifests) puts every
 * manifest into /home/ubuntu, where the attendee's login shell starts, owned by ubuntu, so each command works
 * as typed; an edited file stays the attendee's and is reported once.
 */

const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();
const catalog = await LabCatalog.load(COURSE_DIR);
const files = courseHomeFiles(catalog.labs());

function service(): EnvironmentService {
  return new EnvironmentService({ events: { emit: () => undefined }, dataDir: TEST_DATA_DIR, config: TEST_ENV_CONFIG, docker, allowPull: false, homeFiles: () => files });
}

describe.skipIf(unavailable !== undefined)('the course manifests in the attendee home on the real jumphost', () => {
  afterAll(async () => {
    // Leave the home as the product keeps it: every lab copy in place.
    await run(docker, 'jumphost', `cd && rm -f ${files.map((file) => file.name).join(' ')}`);
    await service().syncJumphostHome();
  });

  it('every "kubectl apply -f X.yaml" of the lab texts finds its file in the home directory', async () => {
    const names = files.map((file) => file.name);
    expect(names).toEqual(expect.arrayContaining(['nginx-pod.yaml', 'nginx-deployment.yaml', 'production.yaml', 'nginx-service.yaml', 'nlb-sample-service.yaml']));
    // A jumphost without them, as before any course was opened.
    await run(docker, 'jumphost', `cd && rm -f ${names.join(' ')}`);
    await execCollect(docker, await containerId(docker, 'jumphost'), ['rm', '-f', HOME_RECORD_PATH], { timeoutMs: 10_000, user: 'root' });

    await service().syncJumphostHome();

    const applyLines = catalog
      .labs()
      .flatMap((lab) => lab.steps.flatMap((step) => step.spec.snippets.flatMap((snippet) => (snippet.kind === 'command' && /^kubectl apply -f \S+\.yaml$/.test(snippet.command) ? [snippet.command] : []))));
    expect(applyLines.length).toBeGreaterThanOrEqual(5);
    for (const line of applyLines) {
      const name = line.replace('kubectl apply -f ', '');
      // The line as the text prints it, client-side only, so the test does not change the cluster.
      const outcome = await run(docker, 'jumphost', `stat -c '%U %a' ${name} && ${line} --dry-run=client`);
      expect(outcome, line).toMatchObject({ exitCode: 0, output: expect.stringMatching(/^ubuntu 644\n[\s\S]*created \(dry run\)/) });
    }
  });

  it('keeps a manifest the attendee edited on the jumphost and says so in one log line', async () => {
    await run(docker, 'jumphost', 'cd && echo "# my note" >> nginx-pod.yaml');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await service().syncJumphostHome();
      const lines = warn.mock.calls.map((call) => String(call[0]));
      expect(lines.filter((line) => line.includes('nginx-pod.yaml'))).toEqual([expect.stringContaining('kept /home/ubuntu/nginx-pod.yaml')]);
    } finally {
      warn.mockRestore();
    }
    expect((await run(docker, 'jumphost', 'tail -n 1 nginx-pod.yaml')).output.trim()).toBe('# my note');
  });
});
