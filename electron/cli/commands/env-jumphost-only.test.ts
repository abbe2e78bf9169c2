import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from './run-command.test-support.ts';

// A recording stand-in for the Docker engine: it keeps the network request, then refuses the container so
// the command stops there (and cleans up the network it made).
const engine = vi.hoisted(() => {
  const networks: unknown[] = [];
  const containers: unknown[] = [];
  const docker = {
    createNetwork: async (request: unknown) => {
      networks.push(request);
      return { id: 'net1', inspect: async () => null, remove: async () => undefined };
    },
    createContainer: async (request: unknown) => {
      containers.push(request);
      throw new Error('no containers in this test');
    },
    getContainer: () => ({ remove: async () => undefined }),
  };
  return { networks, containers, docker };
});
vi.mock('../../node/env/docker-client.ts', () => ({ createDockerClient: () => engine.docker }));

const { registerEnvCommand } = await import('./env.ts');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-jumphost-only-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('labdeck env up --jumphost-only', () => {
  it('creates the network and jumphost with the addresses of --config', async () => {
    const config = path.join(tmp, 'env.yaml');
    await writeFile(
      config,
      [
        'network:', '  subnet: 10.77.3.0/24', '  gateway: 10.77.3.1', '  ipRange: 10.77.3.128/25', '  masquerade: false',
        'jumphost:', '  ip: 10.77.3.9', 'nodes:', '  - {name: master1, role: server, ip: 10.77.3.10}', 'verifier:', '  ip: 10.77.3.6',
        'registry:', '  ip: 10.77.3.3', '',
      ].join('\n'),
    );
    const { exitCode } = await runCommand(registerEnvCommand, ['env', 'up', '--jumphost-only', '--json', '--config', config]);
    expect(exitCode).toBe(1); // the stand-in refused the container, as intended
    expect(engine.networks).toHaveLength(1);
    expect((engine.networks[0] as { IPAM: { Config: unknown[] } }).IPAM.Config).toEqual([{ Subnet: '10.77.3.0/24', Gateway: '10.77.3.1', IPRange: '10.77.3.128/25' }]);
    // masquerade: false reaches the network request too.
    expect((engine.networks[0] as { Options?: Record<string, string> }).Options).toEqual({ 'com.docker.network.bridge.enable_ip_masquerade': 'false' });
    const jumphost = engine.containers[0] as { NetworkingConfig: { EndpointsConfig: Record<string, { IPAMConfig: { IPv4Address: string } }> } };
    expect(Object.values(jumphost.NetworkingConfig.EndpointsConfig)[0]?.IPAMConfig.IPv4Address).toBe('10.77.3.9');
  });
});
