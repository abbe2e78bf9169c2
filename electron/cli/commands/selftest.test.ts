import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startKubeApiTestDouble, type KubeApiTestDouble } from '../../../e2e/support/kube-api-test-double.ts';
import { registerSelftestCommand } from './selftest.ts';
import { runCommand, type CommandRun } from './run-command.test-support.ts';

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

function runSelftest(...args: string[]): Promise<CommandRun> {
  return runCommand(registerSelftestCommand, ['selftest', '--labs', LABS, ...args]);
}

describe('labdeck selftest', () => {
  let double: KubeApiTestDouble | undefined;
  afterEach(async () => {
    await double?.stop();
    double = undefined;
  });

  it('runs every scenario of a lab offline and exits 0 when all behave', async () => {
    const { stdout, exitCode } = await runSelftest('--lab', '1.3');
    expect(stdout).toContain('ok   1.3 create-deployment distractor "wrong image tag"');
    expect(stdout).toMatch(/(\d+)\/\1 scenarios behaved as recorded/);
    expect(exitCode ?? 0).toBe(0);
  });

  it('--live applies solutions with server-side apply, reports what the cluster did not reach, and cleans up', async () => {
    // The double runs no controllers: the Deployment never gets ready replicas, so the live run must say so.
    double = await startKubeApiTestDouble();
    const { stdout, exitCode } = await runSelftest('--live', '--lab', '1.3', '--kubeconfig', double.kubeconfigPath, '--timeout', '1', '--json');
    const outcomes = JSON.parse(stdout) as Array<{ step: string; scenario: string; problems: string[] }>;
    const create = outcomes.find((outcome) => outcome.step === 'create-deployment');
    expect(create?.problems.join('\n')).toContain('check deployment-ready did not pass within 1s (failed: nginx-deployment has 0/3 ready replicas)');
    expect(create?.problems.join('\n')).not.toContain('deployment-spec');
    expect(double.requests().some((request) => request.startsWith('PATCH /apis/apps/v1/namespaces/default/deployments/nginx-deployment?fieldManager=labdeck-selftest&force=true'))).toBe(true);
    expect(double.objects()).toEqual([]);
    expect(exitCode).toBe(1);
  });
});
