import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KUBEADM_CONFIG_PATH } from '../../node/env/kubeadm-config.ts';
import type { EnvPlan } from '../../node/env/plan.ts';
import { JUMPHOST_IMAGE, NODE_IMAGE, REGISTRY_IMAGE } from '../../node/env/versions.ts';
import { DRY_RUN_TOKEN, registerEnvCommand } from './env.ts';
import { registerKeysCommand } from './keys.ts';
import { registerPackCommand } from './pack.ts';
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
    const plan = JSON.parse(stdout) as EnvPlan;
    expect(plan.network.Name).toBe('labdeck-net');
    expect(plan.nodes.map((node) => node.create.name)).toEqual(['master1', 'worker1', 'worker2']);
    expect(plan.nodes[0]?.create.Image).toBe(NODE_IMAGE);
    // Privileged until `up` asks the engine; the bootstrap token is a placeholder, only in master1's kubeadm config.
    expect(plan.privilege).toBe('privileged');
    expect(plan.nodes[0]?.create.HostConfig?.Privileged).toBe(true);
    const kubeadm = plan.nodes[0]?.files.find((file) => file.path === KUBEADM_CONFIG_PATH)?.content ?? '';
    expect(kubeadm).toContain(`token: ${DRY_RUN_TOKEN}`);
    expect(plan.nodes.slice(1).every((node) => !node.files.some((file) => file.content.includes(DRY_RUN_TOKEN)))).toBe(true);
    expect(plan.registry.create).toMatchObject({ name: 'registry', Image: REGISTRY_IMAGE });
    expect(plan.jumphost.create.HostConfig?.CapAdd).toEqual(['NET_ADMIN']);
  });

  it('up --dry-run without --json summarizes the containers, the registry mirror among them', async () => {
    const { stdout } = await run(['env', 'up', '--dry-run'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    const summary = JSON.parse(stdout) as { containers: string[]; nodes: string };
    expect(summary.containers).toEqual([
      `registry (registry) 10.1.1.3 ${REGISTRY_IMAGE}`,
      `master1 (server) 10.1.1.10 ${NODE_IMAGE}`,
      `worker1 (agent) 10.1.1.7 ${NODE_IMAGE}`,
      `worker2 (agent) 10.1.1.8 ${NODE_IMAGE}`,
      `jumphost (jumphost) 10.1.1.5 ${JUMPHOST_IMAGE}`,
      `verifier (verifier) 10.1.1.6 ${JUMPHOST_IMAGE}`,
    ]);
    expect(summary.nodes).toMatch(/^privileged \(env up asks the engine/);
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

  it('up --course <pack> opens the signed pack (as serve --course does) before bringing the cluster up', async () => {
    const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-env-course-'));
    try {
      await fsp.cp(path.resolve(import.meta.dirname, '../../../labs/1.1-kubectl-kubeconfig'), path.join(work, 'course', '1.1-kubectl-kubeconfig'), { recursive: true });
      await fsp.writeFile(path.join(work, 'course', 'course.yaml'), 'id: demo\ntitle: Demo\nversion: 1.0.0\n');
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      await runCommand(registerKeysCommand, ['keys', 'new', '--name', 'ada', '--out', path.join(work, 'keys')]);
      const pack = path.join(work, 'demo.labdeck');
      await runCommand(registerPackCommand, ['pack', path.join(work, 'course'), '--out', pack, '--key', path.join(work, 'keys', 'ada.labdeck-key'), '--no-images']);
      const dataDir = path.join(work, 'data');
      await runCommand(registerPackCommand, ['pack', '--verify', pack, '--data-dir', dataDir, '--trust']);

      const { exitCode } = await run(['env', 'up', '--course', pack, '--data-dir', dataDir, '--dry-run', '--json'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
      expect(exitCode).toBeUndefined();
      // Opened (verified and unpacked into the data folder), and told that a pack without images pulls.
      expect(await fsp.readdir(path.join(dataDir, 'courses'))).not.toEqual([]);
      expect(vi.mocked(process.stderr.write).mock.calls.map(([text]) => String(text)).join('')).toContain('carries no images for this computer');

      const refused = await run(['env', 'up', '--course', path.join(work, 'missing.labdeck'), '--data-dir', dataDir, '--dry-run', '--json']);
      expect(refused.exitCode).toBe(1);
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  });
});
