import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { EnvProgress, EnvStatus } from '../../../electron/common/api/env.ts';
import { EnvironmentController } from '../lib/state/environment.svelte.ts';
import { FakeApi } from '../test/fake-api.ts';
import EnvironmentCard from './EnvironmentCard.svelte';

const absent: EnvStatus = { state: 'absent', nodes: [], dockerHost: 'unix:///var/run/docker.sock' };

function progress(phase: EnvProgress['phase'], percent: number, message: string, node?: string): EnvProgress {
  return { operation: 'up', phase, percent, message, at: '2026-01-01T10:00:00Z', ...(node ? { node } : {}) };
}

function setup() {
  let finishUp: (status: EnvStatus) => void = () => {};
  const api = new FakeApi()
    .handle('env.status', () => absent)
    .handle('env.doctor', () => ({
      ok: false,
      findings: [
        { id: 'docker', title: 'Docker engine', status: 'ok', detail: 'Docker 26 answers.' },
        { id: 'memory', title: 'Memory', status: 'fail', detail: 'Only 2 GB free.', action: 'Close other applications to free 4 GB.' },
        { id: 'group', title: 'Docker group', status: 'warn', detail: 'You are not in the docker group.', action: 'Run `sudo usermod -aG docker $USER` and log in again.' },
      ],
    }))
    .handle('env.up', () => new Promise<EnvStatus>((resolve) => (finishUp = resolve)))
    .handle('env.cancel', () => ({ cancelled: true }));
  const env = new EnvironmentController(api);
  env.start();
  render(EnvironmentCard, { env });
  return { api, env, finish: (status: EnvStatus) => finishUp(status) };
}

describe('EnvironmentCard', () => {
  it("says which port of this computer leads to the lab's NodePort (lab 1.9 sends attendees here)", async () => {
    const running: EnvStatus = { state: 'running', nodes: [], dockerHost: 'unix:///var/run/docker.sock', nodePort: { requested: 30080, published: 30081 } };
    const api = new FakeApi().handle('env.status', () => running).handle('env.doctor', () => ({ ok: true, findings: [] }));
    const env = new EnvironmentController(api);
    env.start();
    render(EnvironmentCard, { env });
    const line = await screen.findByTestId('node-port');
    expect(line.textContent).toContain('NodePort 30080 is published on this computer as localhost:30081');
    expect(line.textContent).toContain('port 30080 was taken');
  });

  it('shows the state and preflight findings with their fixes', async () => {
    setup();
    expect(await screen.findByRole('status', { name: 'Environment state: Not created' })).toBeTruthy();
    expect(await screen.findByText('Close other applications to free 4 GB.')).toBeTruthy();
    expect(screen.getByText('Problem')).toBeTruthy();
    // Commands in a fix are code with a copy button, not text with raw backticks.
    expect(screen.getByText('sudo usermod -aG docker $USER').tagName).toBe('CODE');
    expect(screen.getByRole('button', { name: 'Copy command: sudo usermod -aG docker $USER' })).toBeTruthy();
    expect(document.body.textContent).not.toContain('`');
  });

  it('draws a bar per phase and per node while starting, with a Cancel button', async () => {
    const { api, finish } = setup();
    await screen.findByRole('status', { name: 'Environment state: Not created' });
    await fireEvent.click(screen.getByRole('button', { name: '▶ Start' }));
    expect(screen.getByText('Starting the environment…')).toBeTruthy();

    api.emit('env.progress', progress('images', 100, 'Images ready'));
    api.emit('env.progress', progress('nodes', 40, 'Creating nodes'));
    api.emit('env.progress', progress('nodes', 30, 'master1 booting', 'master1'));
    api.emit('env.progress', progress('nodes', 60, 'Creating nodes'));
    api.emit('env.progress', progress('join', 10, 'worker1 joining', 'worker1'));

    const phases = await screen.findByRole('region', { name: 'Phases' });
    expect(within(phases).getAllByRole('progressbar')).toHaveLength(2);
    expect((screen.getByRole('progressbar', { name: 'Phase nodes' }) as HTMLProgressElement).value).toBe(60);
    expect((screen.getByRole('progressbar', { name: 'Node master1' }) as HTMLProgressElement).value).toBe(30);
    expect(screen.getByRole('progressbar', { name: 'Node worker1' })).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(api.calls.some((call) => call.name === 'env.cancel')).toBe(true);

    finish({ ...absent, state: 'running', nodes: [{ name: 'master1', role: 'server', containerState: 'running', ip: '10.1.1.2', ready: true }] });
    await waitFor(() => expect(screen.getByRole('status', { name: 'Environment state: Running' })).toBeTruthy());
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    // kubeadm's word for master1's job, not Labdeck's internal role name.
    expect(screen.getByRole('cell', { name: 'control plane' })).toBeTruthy();
  });

  it('shows what to do when an operation fails', async () => {
    const { api } = setup();
    api.handle('env.up', () => {
      throw Object.assign(new Error('Docker is not reachable.'), { action: 'Start Docker Desktop and press Start again.' });
    });
    await screen.findByRole('status', { name: 'Environment state: Not created' });
    await fireEvent.click(screen.getByRole('button', { name: '▶ Start' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Docker is not reachable.');
    expect(alert.textContent).toContain('Start Docker Desktop and press Start again.');
  });

  it('when the image is missing: marks the unfinished phase failed, names the image and shows the commands as code', async () => {
    const { api } = setup();
    let reject: (error: Error) => void = () => {};
    api.handle('env.up', () => new Promise<EnvStatus>((_, fail) => (reject = fail)));
    await screen.findByRole('status', { name: 'Environment state: Not created' });
    // Nothing to resume while no environment exists: Start is the one way forward.
    expect((screen.getByRole('button', { name: '⟳ Resume' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: '▶ Start' }));
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeTruthy();
    api.emit('env.progress', progress('preflight', 100, 'Docker is ready'));
    api.emit('env.progress', progress('images', 10, 'Loading images'));
    await screen.findByRole('progressbar', { name: 'Phase images' });
    reject(
      Object.assign(new Error('The image labdeck/node:v1.33.4 is not on this Docker engine and no course bundle provides it.'), {
        action: 'Open the course file your instructor handed out, or, while online, run `labdeck env up` (it builds labdeck/node:v1.33.4 on this machine).',
      }),
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('labdeck/node:v1.33.4 is not on this Docker engine');
    expect(within(alert).getByText('labdeck env up').tagName).toBe('CODE');
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    const phases = screen.getByRole('region', { name: 'Phases (failed)' });
    expect(within(phases).getByText('Failed here — Loading images')).toBeTruthy();
    expect(within(phases).getByText('Docker is ready')).toBeTruthy();
    expect((screen.getByRole('button', { name: '▶ Start' }) as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('EnvironmentCard when an image is missing', () => {
  it('offers "Open course…" (the window cannot be given --bundle) and only then', async () => {
    const api = new FakeApi()
      .handle('env.status', () => absent)
      .handle('env.doctor', () => ({
        ok: false,
        findings: [
          { id: 'image-node', title: 'Image labdeck/node:v1.33.4', status: 'ok', detail: 'present on the engine' },
          { id: 'image-registry', title: 'Image labdeck/registry:v0.20.6', status: 'fail', detail: 'missing, and no bundle provides it', action: 'Open the course file…' },
        ],
      }));
    const env = new EnvironmentController(api);
    env.start();
    let opened = 0;
    render(EnvironmentCard, { env, onOpenCourse: () => (opened += 1) });
    const group = await screen.findByRole('group', { name: 'Missing images' });
    await fireEvent.click(within(group).getByRole('button', { name: 'Open course…' }));
    expect(opened).toBe(1);
  });

  it('says nothing about courses while every image is there', async () => {
    const api = new FakeApi()
      .handle('env.status', () => absent)
      .handle('env.doctor', () => ({
        ok: false,
        findings: [
          { id: 'image-node', title: 'Image labdeck/node:v1.33.4', status: 'ok', detail: 'present on the engine' },
          // A failure that is not about images: opening a course would not help.
          { id: 'resources', title: 'Memory and CPUs for the engine', status: 'fail', detail: '1.0 GiB memory, 2 CPUs', action: 'Give Docker more memory.' },
        ],
      }));
    const env = new EnvironmentController(api);
    env.start();
    render(EnvironmentCard, { env, onOpenCourse: () => undefined });
    await screen.findByText('1.0 GiB memory, 2 CPUs', { exact: false });
    expect(screen.queryByRole('group', { name: 'Missing images' })).toBeNull();
  });
});
