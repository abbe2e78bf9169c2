import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerEnvCommand } from './env.ts';
import { runCommand } from './run-command.test-support.ts';

async function run(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; exitCode: number | undefined }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const { stdout, exitCode } = await runCommand(registerEnvCommand, args);
    return { stdout, exitCode: exitCode as number | undefined };
  } finally {
    process.env = saved;
  }
}

describe('labdeck env', () => {
  afterEach(() => vi.restoreAllMocks());

  it('up --dry-run --json prints the exact create requests without touching Docker', async () => {
    // A dead engine address proves the dry run never talks to Docker.
    const { stdout, exitCode } = await run(['env', 'up', '--dry-run', '--json'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(exitCode).toBeUndefined();
    const plan = JSON.parse(stdout) as { network: { Name: string }; nodes: { create: { name: string; Env: string[]; HostConfig: { Privileged: boolean } } }[]; jumphost: { create: { HostConfig: { CapAdd: string[] } } } };
    expect(plan.network.Name).toBe('labdeck-net');
    expect(plan.nodes.map((node) => node.create.name)).toEqual(['master1', 'worker1', 'worker2']);
    expect(plan.nodes[0]?.create.Env).toContain('K3S_TOKEN=<generated-at-up>');
    expect(plan.nodes[0]?.create.HostConfig.Privileged).toBe(true);
    expect(plan.jumphost.create.HostConfig.CapAdd).toEqual(['NET_ADMIN']);
  });

  it('doctor --json reports an unreachable engine as a failure with exit code 1', async () => {
    const { stdout, exitCode } = await run(['env', 'doctor', '--json'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    const report = JSON.parse(stdout) as { ok: boolean; findings: { id: string; status: string; action?: string }[] };
    expect(report.ok).toBe(false);
    expect(report.findings.find((finding) => finding.id === 'docker')).toMatchObject({ status: 'fail', action: expect.stringContaining('DOCKER_HOST') });
    expect(exitCode).toBe(1);
  });

  it('status --json says the engine is unreachable instead of crashing', async () => {
    const { stdout } = await run(['env', 'status', '--json'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(JSON.parse(stdout)).toMatchObject({ state: 'error', dockerHost: 'unix:///nonexistent/docker.sock' });
  });
});
