import Docker from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { readKubectlCli } from '../../electron/node/checks/kubectl-cli-help.ts';
import { KUBECTL_CLI } from '../../electron/node/checks/kubectl-cli.ts';
import { run } from './test-cluster.ts';

/**
 * The command checks read attendees' kubectl lines with a table generated from kubectl's help
 * (electron/node/checks/kubectl-cli.json). It must be the table of the kubectl attendees really type into:
 * the jumphost's. A Kubernetes upgrade that adds or drops an option fails here until the table is
 * regenerated (electron/build/generate-kubectl-cli.ts).
 */
const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();

describe.skipIf(unavailable)(`the kubectl command table${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it("equals what the jumphost's kubectl says about its own commands and options", async () => {
    const kubectl = async (args: string[]) => {
      const quoted = args.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
      const { exitCode, output } = await run(docker, 'jumphost', `kubectl ${quoted} 2>/dev/null`);
      if (exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${exitCode}: ${output}`);
      return output;
    };
    const live = await readKubectlCli(kubectl);
    expect(live.version).toBe(KUBECTL_CLI.version);
    expect(live).toEqual(KUBECTL_CLI);
  }, 180_000);
});
