import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';

/**
 * Where the Docker engine is. DOCKER_HOST wins (unix://, tcp:// with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH,
 * ssh://user@host, npipe://) and is handled by docker-modem. Without it, the first socket that exists among
 * the usual places: Linux, Docker Desktop on macOS (~/.docker/run), rootless Docker, Colima, Rancher Desktop.
 */
export function dockerHostDescription(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  if (process.platform === 'win32') return 'npipe:////./pipe/docker_engine';
  return `unix://${localSocketPath(env) ?? '/var/run/docker.sock'}`;
}

export function localSocketPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const home = os.homedir();
  const candidates = [
    '/var/run/docker.sock',
    path.join(home, '.docker', 'run', 'docker.sock'),
    env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'docker.sock') : '',
    path.join(home, '.colima', 'default', 'docker.sock'),
    path.join(home, '.rd', 'docker.sock'),
  ].filter(Boolean);
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? null;
}

/**
 * Connection options for dockerode from an environment, read the way the docker CLI and docker-modem read
 * them (docker-modem itself only looks at process.env; doctor and tests need other environments).
 */
export function dockerConnectionOptions(env: NodeJS.ProcessEnv = process.env): Docker.DockerOptions {
  const dockerHost = env.DOCKER_HOST;
  if (!dockerHost) {
    if (process.platform === 'win32') return { socketPath: '//./pipe/docker_engine' };
    return { socketPath: localSocketPath(env) ?? '/var/run/docker.sock' };
  }
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) || '/var/run/docker.sock' };
  if (dockerHost.startsWith('npipe://')) return { socketPath: dockerHost.slice('npipe://'.length) || '//./pipe/docker_engine' };
  const url = new URL(dockerHost.includes('//') ? dockerHost : `tcp://${dockerHost}`);
  const options: Docker.DockerOptions = { host: url.hostname, ...(url.port ? { port: url.port } : {}) };
  if (url.protocol === 'ssh:') {
    // Over SSH the engine's own socket is used on the remote machine; keys come from the SSH agent.
    return { ...options, protocol: 'ssh', username: url.username, sshOptions: { agent: env.SSH_AUTH_SOCK } };
  }
  const tls = env.DOCKER_TLS_VERIFY === '1' || url.port === '2376';
  options.protocol = tls ? 'https' : 'http';
  if (env.DOCKER_CERT_PATH) {
    options.ca = fs.readFileSync(path.join(env.DOCKER_CERT_PATH, 'ca.pem'));
    options.cert = fs.readFileSync(path.join(env.DOCKER_CERT_PATH, 'cert.pem'));
    options.key = fs.readFileSync(path.join(env.DOCKER_CERT_PATH, 'key.pem'));
  }
  return options;
}

export function createDockerClient(env: NodeJS.ProcessEnv = process.env): Docker {
  return new Docker(dockerConnectionOptions(env));
}

/** What to tell the attendee when the engine does not answer. */
export function dockerUnreachableAction(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) {
    return `Labdeck uses DOCKER_HOST=${env.DOCKER_HOST}. Check that the engine there is running and reachable (for ssh:// your SSH key must be loaded; for tcp:// with TLS set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH), or unset DOCKER_HOST to use the local engine.`;
  }
  if (process.platform === 'darwin' || process.platform === 'win32') return 'Start Docker Desktop (or Colima / Rancher Desktop) and wait until it reports that the engine is running.';
  return 'Start the Docker engine (`sudo systemctl start docker`) and make sure your user may use it (member of the "docker" group), or set DOCKER_HOST to a remote engine.';
}
