import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerConnectionOptions, dockerHostDescription, dockerUnreachableAction } from './docker-client.ts';

describe('Docker connection from the environment', () => {
  it('unix and npipe sockets', () => {
    expect(dockerConnectionOptions({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual({ socketPath: '/run/user/1000/docker.sock' });
    expect(dockerConnectionOptions({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })).toEqual({ socketPath: '//./pipe/docker_engine' });
  });

  it('ssh:// uses the SSH agent for a remote engine', () => {
    expect(dockerConnectionOptions({ DOCKER_HOST: 'ssh://lab@big-box.example:2222', SSH_AUTH_SOCK: '/tmp/agent.sock' })).toEqual({
      host: 'big-box.example',
      port: '2222',
      protocol: 'ssh',
      username: 'lab',
      sshOptions: { agent: '/tmp/agent.sock' },
    });
  });

  it('tcp:// with TLS reads the client certificates from DOCKER_CERT_PATH', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-certs-'));
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, name), name);
    const options = dockerConnectionOptions({ DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    expect(options).toMatchObject({ host: '10.0.0.5', port: '2376', protocol: 'https' });
    expect(String(options.ca)).toBe('ca.pem');
    expect(String(options.key)).toBe('key.pem');
    expect(dockerConnectionOptions({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toMatchObject({ protocol: 'http' });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('describes the engine and what to do when it is away', () => {
    expect(dockerHostDescription({ DOCKER_HOST: 'ssh://lab@box' })).toBe('ssh://lab@box');
    expect(dockerUnreachableAction({ DOCKER_HOST: 'ssh://lab@box' })).toContain('DOCKER_HOST=ssh://lab@box');
  });
});

describe('API address seen from this machine', () => {
  it('is the remote engine host only when the API is published on all its interfaces', async () => {
    const { apiHost } = await import('./environment-ops.ts');
    const { resolveEnvConfig } = await import('./config.ts');
    const open = resolveEnvConfig({ apiServer: { hostIp: '0.0.0.0' } });
    const loopback = resolveEnvConfig();
    expect(apiHost(open, { DOCKER_HOST: 'ssh://lab@big-box.example' })).toBe('big-box.example');
    expect(apiHost(open, { DOCKER_HOST: 'tcp://10.0.0.5:2376' })).toBe('10.0.0.5');
    expect(apiHost(loopback, { DOCKER_HOST: 'ssh://lab@big-box.example' })).toBe('127.0.0.1');
    expect(apiHost(open, {})).toBe('127.0.0.1');
  });
});
