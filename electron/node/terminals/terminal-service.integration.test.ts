import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload, EventSink } from '../../common/api/contract.ts';
import type { ClusterAccess } from '../backend/ports.ts';
import { createDockerClient } from '../env/docker-client.ts';
import { DockerLabContainers } from '../env/lab-containers.ts';
import { startStandaloneJumphost, type StandaloneJumphost } from '../env/standalone-jumphost.ts';
import { JUMPHOST_IMAGE } from '../env/versions.ts';
import { FlowControl } from './flow-control.ts';
import { TerminalService } from './terminal-service.ts';

/** The real jumphost image must exist (built by .ci/prepare-images.sh) and Docker must answer. */
async function dockerSkipReason(): Promise<string | null> {
  try {
    const docker = createDockerClient();
    await docker.ping();
    const images = await docker.listImages({ filters: { reference: [JUMPHOST_IMAGE] } });
    return images.length > 0 ? null : `image ${JUMPHOST_IMAGE} is missing (run .ci/prepare-images.sh)`;
  } catch (error) {
    return `Docker is unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}

const skipReason = await dockerSkipReason();
if (skipReason) console.warn(`[terminal-service.integration] skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('TerminalService with a real jumphost container', () => {
  const name = `labdeck-term-${randomBytes(3).toString('hex')}`;
  const octet = 100 + (randomBytes(1)[0]! % 100);
  let jumphost: StandaloneJumphost | undefined;
  let service: TerminalService;
  const output = new Map<string, Buffer[]>();
  const exits: string[] = [];
  const screens = new Map<string, EventPayload<'terminal.screen'>[]>();

  const events: EventSink = {
    emit<K extends EventName>(eventName: K, payload: EventPayload<K>) {
      if (eventName === 'terminal.data') {
        const data = payload as EventPayload<'terminal.data'>;
        output.set(data.id, [...(output.get(data.id) ?? []), Buffer.from(data.data)]);
      } else if (eventName === 'terminal.screen') {
        const screen = payload as EventPayload<'terminal.screen'>;
        screens.set(screen.id, [...(screens.get(screen.id) ?? []), screen]);
      } else if (eventName === 'terminal.exit') {
        exits.push((payload as EventPayload<'terminal.exit'>).id);
      }
    },
  };
  const cluster: ClusterAccess = { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined };
  const text = (id: string) => Buffer.concat(output.get(id) ?? []).toString('utf8');
  const bytes = (id: string) => (output.get(id) ?? []).reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const waitFor = async (condition: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${[...output.entries()].map(([id, chunks]) => `${id}: ${bytes(id)} bytes, ends ${JSON.stringify(Buffer.concat(chunks).toString('utf8').slice(-120))}`).join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    const docker = createDockerClient();
    jumphost = await startStandaloneJumphost(docker, {
      name,
      network: name,
      subnet: `10.${octet}.77.0/24`,
      gateway: `10.${octet}.77.1`,
      ip: `10.${octet}.77.5`,
      masquerade: false,
    });
    service = new TerminalService({ containers: new DockerLabContainers(docker, name), cluster, events });
  });

  afterAll(async () => {
    await service?.dispose();
    await jumphost?.cleanup();
  });

  it('runs commands as ubuntu and returns UTF-8 output intact', async () => {
    const session = await service.open({ target: { kind: 'jumphost' }, cols: 100, rows: 30 }, 'client');
    service.input(session.id, 'echo "grüße €"; whoami; hostname\r');
    await waitFor(() => /grüße €\r?\n/.test(text(session.id)) && /ubuntu\r?\n/.test(text(session.id)), 15_000, 'echo output');
    expect(text(session.id)).toContain('grüße €');
    const { replay } = await service.attach(session.id, 'client');
    expect(Buffer.from(replay, 'base64').toString('utf8')).toContain('grüße €');
    service.close(session.id);
  });

  it('holds a flooding `yes` at the high watermark while reading on, and a Ctrl-C brings the screen, not the backlog', async () => {
    const session = await service.open({ target: { kind: 'jumphost' }, cols: 100, rows: 30 }, 'client');
    await waitFor(() => text(session.id).includes('$'), 15_000, 'the prompt');
    const before = bytes(session.id);
    service.input(session.id, 'yes\r');
    await waitFor(() => bytes(session.id) - before > FlowControl.LOW_WATERMARK_BYTES, 15_000, 'the flood');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const whileLagging = bytes(session.id);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Nobody acknowledged anything: nothing more is sent beyond the watermark, although the shell runs on.
    expect(bytes(session.id)).toBe(whileLagging);
    expect(whileLagging - before).toBeLessThan(FlowControl.HIGH_WATERMARK_BYTES + 300_000);

    service.input(session.id, '\x03');
    await waitFor(() => (screens.get(session.id) ?? []).length > 0, 15_000, 'the screen after Ctrl-C');
    const screen = screens.get(session.id)!.at(-1)!;
    // The screen stands for everything the shell printed; what follows it is new output only.
    expect(screen.screen.length).toBeLessThan(100_000);
    expect(bytes(session.id) - whileLagging).toBeLessThan(100_000);

    const marker = `done-${randomBytes(3).toString('hex')}`;
    service.ack(session.id, screen.seq);
    service.input(session.id, `echo ${marker}\r`);
    await waitFor(() => text(session.id).includes(`${marker}\r\n`), 15_000, 'the shell to answer after Ctrl-C');
    service.close(session.id);
  });
});
