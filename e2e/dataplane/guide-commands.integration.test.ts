import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerTestBlocker, uniqueSuffix } from '../../electron/node/env/test-docker.ts';
import { GUIDE_COMMANDS, normalizeOutput, type GuideCommand, type RecordedGuideCommand } from './guide-commands.ts';
import { DataplaneHarness, type HarnessTarget } from './harness.ts';
import { HARNESS_IMAGES } from './images.ts';
import { workshopWorld } from './workshop-world.ts';

/**
 * Runs the guide's commands verbatim in the harness (right world) and checks their real exit codes and outputs
 * against fixtures/guide-commands.json. `LABDECK_RECORD_GUIDE_COMMANDS=1 npx vitest run <this file>` rewrites
 * the fixture from the real tools instead (review the diff: it is what attendees will see).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const FIXTURE = path.join(here, 'fixtures/guide-commands.json');
const RECORD = process.env.LABDECK_RECORD_GUIDE_COMMANDS === '1';

const { docker, reason } = await dockerTestBlocker(HARNESS_IMAGES);
if (reason) console.warn(`[skip] data-plane guide command tests: ${reason}`);

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function whereText(where: GuideCommand['where']): string {
  if ('jumphost' in where) return 'jumphost';
  if ('node' in where) return `node ${where.node}`;
  return `pod ${where.pod.namespace}/${where.pod.name}`;
}

describe.skipIf(reason !== null)('the guide\'s commands, run for real in the data plane', () => {
  const world = workshopWorld();
  const envName = `dataplane-${uniqueSuffix()}`;
  let harness: DataplaneHarness;
  const recorded: RecordedGuideCommand[] = [];
  let fixture: RecordedGuideCommand[] = [];

  beforeAll(async () => {
    harness = await DataplaneHarness.start(docker, world, { envName });
    if (!RECORD) fixture = JSON.parse(await fs.readFile(FIXTURE, 'utf8')).commands as RecordedGuideCommand[];
  });

  afterAll(async () => {
    await harness?.stop();
    // stop() removes exactly this run's objects, found by its labels: nothing of it may be left.
    const filters = { label: [`dev.labdeck.env=${envName}`] };
    expect([...(await docker.listContainers({ all: true, filters })), ...(await docker.listNetworks({ filters }))]).toEqual([]);
    if (RECORD && recorded.length > 0) {
      const header = {
        $comment:
          'Written by e2e/dataplane/guide-commands.integration.test.ts (LABDECK_RECORD_GUIDE_COMMANDS=1) from real tools in the data-plane harness: ' +
          'busybox-static 1.35 (Debian 12) nslookup/ping in the alpine pod, curl 7.88 in the jumphost, iproute2 and iptables 1.8.9 (nf_tables) on the nodes, ' +
          'nginx 1.22 (Debian 12), Knot DNS answering like CoreDNS. World: e2e/dataplane/workshop-world.ts.',
        commands: recorded,
      };
      await fs.mkdir(path.dirname(FIXTURE), { recursive: true });
      await fs.writeFile(FIXTURE, `${JSON.stringify(header, null, 2)}\n`);
    }
  });

  function compare(entry: RecordedGuideCommand): void {
    recorded.push(entry);
    if (RECORD) return;
    const expected = fixture.find((candidate) => candidate.id === entry.id);
    expect(expected, `${entry.id} is not in fixtures/guide-commands.json: record it with LABDECK_RECORD_GUIDE_COMMANDS=1`).toBeDefined();
    expect(entry.exitCode, `${entry.id}: ${entry.output}`).toBe(expected?.exitCode);
    if (!entry.outputIsRandom) expect(entry.output).toBe(expected?.output);
  }

  for (const command of GUIDE_COMMANDS) {
    it(`${command.id}: ${typeof command.run === 'string' ? command.run : command.run.join(' ')} (${whereText(command.where)})`, async () => {
      if ('file' in command.source) {
        const text = await fs.readFile(path.join(repoRoot, command.source.file), 'utf8');
        expect(text.includes(command.source.text), `${command.source.file} no longer says \`${command.source.text}\`: update e2e/dataplane/guide-commands.ts`).toBe(true);
      }
      const env = command.env?.(world);
      const exports = Object.entries(env ?? {}).map(([name, value]) => `${name}=${value}; `).join('');
      let target: HarnessTarget;
      let argv: string[];
      if ('jumphost' in command.where) {
        target = { jumphost: true };
        // In a terminal, as the attendee types it: without one curl adds its progress meter to the output.
        argv = ['script', '--quiet', '--return', '--command', `bash -c ${shellQuote(`${exports}${String(command.run)}`)}`, '/dev/null'];
      } else if ('node' in command.where) {
        target = { node: command.where.node };
        argv = ['sh', '-c', String(command.run)];
      } else {
        target = { pod: command.where.pod };
        argv = typeof command.run === 'string' ? ['sh', '-c', command.run] : [...command.run];
      }
      const outcome = await harness.exec(target, argv, { timeoutMs: 30_000 });
      compare({
        id: command.id,
        labId: command.labId,
        stepId: command.stepId,
        source: command.source,
        where: whereText(command.where),
        ran: command.run,
        ...(env ? { env } : {}),
        ...(command.note ? { note: command.note } : {}),
        exitCode: outcome.exitCode,
        output: normalizeOutput(outcome.output),
        ...(command.outputIsRandom ? { outputIsRandom: true } : {}),
      });
    });
  }

  it('1.9-kubectl-logs-nginx: after curl to master1:30080, nginx logs master1 as the client (source NAT)', async () => {
    const before = await harness.exec({ jumphost: true }, ['curl', '-s', '-o', '/dev/null', 'http://10.1.1.10:30080'], { timeoutMs: 15_000 });
    expect(before.exitCode).toBe(0);
    const lines = (await harness.podLogs('default', 'nginx')).trim().split('\n').slice(-5);
    const last = lines.at(-1) ?? '';
    // externalTrafficPolicy Cluster: KUBE-EXT masquerades, and master1 reaches worker1's pod range over host-gw
    // from its lab address. Not the jumphost (10.1.1.5), and no flannel.1 address (there is none with host-gw).
    expect(last.split(' ')[0]).toBe('10.1.1.10');
    compare({
      id: '1.9-kubectl-logs-nginx',
      labId: '1.9',
      stepId: 'source-nat',
      source: { file: 'labs/1.9-nodeport/steps/source-nat-solution.md', text: 'kubectl logs nginx --tail=5' },
      where: 'pod default/nginx',
      ran: 'curl -s -o /dev/null http://10.1.1.10:30080 (jumphost), then the last line of the nginx container log',
      note: 'kubectl logs reads the container log; only the line of this request is kept, earlier tests may have logged others',
      exitCode: 0,
      output: normalizeOutput(`${last}\n`),
    });
  });
});
