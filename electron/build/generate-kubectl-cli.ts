/**
 * Writes electron/node/checks/kubectl-cli.json: every command, alias and option of the kubectl Labdeck's
 * clusters ship, read from that kubectl's own help. The check engine reads attendees' kubectl lines with it
 * the way kubectl's parser (cobra/pflag) does: an option kubectl does not know, or a value it lacks, is a
 * line kubectl refuses. Regenerate when the Kubernetes version changes:
 *
 *   npx tsx electron/build/generate-kubectl-cli.ts --kubectl "docker exec jumphost kubectl"
 *
 * The `cluster` test project compares this file with the jumphost's kubectl, so a stale table fails CI.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './bundle.ts';
import { readKubectlCli } from '../node/checks/kubectl-cli-help.ts';

const run = promisify(execFile);

export const KUBECTL_CLI_FILE = path.join(repoRoot, 'electron/node/checks/kubectl-cli.json');

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--kubectl');
  const prefix = (flag === -1 ? 'kubectl' : (process.argv[flag + 1] ?? 'kubectl')).split(' ').filter((word) => word !== '');
  const [program, ...leading] = prefix;
  if (!program) throw new Error('--kubectl needs a command, e.g. "docker exec jumphost kubectl"');
  const kubectl = async (args: string[]): Promise<string> => (await run(program, [...leading, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  const cli = await readKubectlCli(kubectl);
  writeFileSync(KUBECTL_CLI_FILE, `${JSON.stringify(cli, null, 1)}\n`);
  process.stdout.write(`${KUBECTL_CLI_FILE}: kubectl ${cli.version}, ${Object.keys(cli.commands).length} top-level commands\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
