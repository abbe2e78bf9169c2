import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { LiveSelftestEnvironment, runLiveSelftest } from '../../node/checks/live-selftest.ts';
import { formatOutcomes, labKinds, runLabSelftest, type ScenarioOutcome, type SelftestEnvironment } from '../../node/checks/selftest.ts';
import { LabCatalog, type LoadedLab } from '../../node/labs/lab-catalog.ts';
import { loadSelftest } from '../../node/course-format/selftest-schema.ts';

interface SelftestOptions {
  live?: boolean;
  lab?: string;
  kubeconfig?: string;
  labs: string;
  timeout: string;
  json?: boolean;
}

/** The Kubernetes API test double lives in the test tree; it is there in a source checkout, not in a packaged app. */
const DOUBLE_ENVIRONMENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../e2e/support/double-selftest-environment.ts');

/**
 * Imports a TypeScript file of the source checkout. Run through tsx that is a plain import; from the CLI
 * bundle (plain Node) tsx's loader is registered first, once. The module is kept per file: Node remembers a
 * failed import of a URL, so importing the same file again for the next lab would fail after registration.
 */
const typeScriptModules = new Map<string, Promise<unknown>>();
function importTypeScript(file: string): Promise<unknown> {
  let loaded = typeScriptModules.get(file);
  if (!loaded) {
    loaded = importWithTsxFallback(file);
    typeScriptModules.set(file, loaded);
  }
  return loaded;
}

let tsxRegistered = false;
async function importWithTsxFallback(file: string): Promise<unknown> {
  try {
    return await import(pathToFileURL(file).href);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    if (!tsxRegistered) {
      const { register } = await import('tsx/esm/api');
      register();
      tsxRegistered = true;
    }
    // Node remembers the failed import of that URL; a query makes it a new module for the loader to take.
    return import(`${pathToFileURL(file).href}?tsx`);
  }
}

async function offlineOutcomes(lab: LoadedLab): Promise<ScenarioOutcome[]> {
  const selftest = await loadSelftest(lab.dir);
  if (!selftest) return [{ lab: lab.file.id, step: '-', scenario: 'solution', problems: [`${lab.dir} has no selftest.yaml`], results: [] }];
  if (!existsSync(DOUBLE_ENVIRONMENT)) throw new Error('The offline self-test needs a source checkout (e2e/support); use --live against a cluster instead.');
  const { startDoubleSelftestEnvironment } = (await importTypeScript(DOUBLE_ENVIRONMENT)) as {
    startDoubleSelftestEnvironment: (kinds: ReturnType<typeof labKinds>) => Promise<{ environment: SelftestEnvironment; stop(): Promise<void> }>;
  };
  const started = await startDoubleSelftestEnvironment(labKinds(lab));
  try {
    return await runLabSelftest(lab, selftest, started.environment);
  } finally {
    await started.stop();
  }
}

async function liveOutcomes(lab: LoadedLab, kubeConfig: KubeConfig, timeoutMs: number): Promise<ScenarioOutcome[]> {
  const selftest = await loadSelftest(lab.dir);
  if (!selftest) return [{ lab: lab.file.id, step: '-', scenario: 'solution', problems: [`${lab.dir} has no selftest.yaml`], results: [] }];
  const environment = await LiveSelftestEnvironment.start(kubeConfig, lab);
  try {
    return await runLiveSelftest(lab, selftest, environment, timeoutMs);
  } finally {
    await environment.dispose();
  }
}

/**
 * `labdeck selftest [--live] [--lab id]`: proves each lab's checks with its selftest.yaml. Offline it runs
 * every scenario against the Kubernetes API test double (as `npm test` does); --live applies each step's
 * solution to the cluster of --kubeconfig (or $KUBECONFIG) and waits for the step's checks to pass.
 */
export function registerSelftestCommand(program: Command): void {
  program
    .command('selftest')
    .description('Prove lab checks with their recorded worlds (offline), or apply solutions to a live cluster (--live)')
    .option('--live', 'apply each step solution to a real cluster with server-side apply and wait for its checks')
    .option('--lab <id>', 'only this lab')
    .option('--kubeconfig <file>', 'cluster for --live (default: $KUBECONFIG or ~/.kube/config)')
    .option('--labs <dir>', 'folder holding the labs', 'labs')
    .option('--timeout <seconds>', 'how long --live waits for a step to pass', '120')
    .option('--json', 'print the outcomes as JSON')
    .action(async (options: SelftestOptions) => {
      const catalog = await LabCatalog.load(options.labs);
      const labs = options.lab ? [catalog.requireLab(options.lab)] : catalog.labs();
      let kubeConfig: KubeConfig | undefined;
      if (options.live) {
        kubeConfig = new KubeConfig();
        if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
        else kubeConfig.loadFromDefault();
      }
      const outcomes: ScenarioOutcome[] = [];
      for (const lab of labs) {
        outcomes.push(...(kubeConfig ? await liveOutcomes(lab, kubeConfig, Number(options.timeout) * 1000) : await offlineOutcomes(lab)));
      }
      const failed = outcomes.filter((outcome) => outcome.problems.length > 0);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(outcomes.map(({ results: _results, ...outcome }) => outcome), null, 2)}\n`);
      } else {
        process.stdout.write(`${formatOutcomes(outcomes)}\n${outcomes.length - failed.length}/${outcomes.length} scenarios behaved as recorded\n`);
      }
      if (failed.length > 0) process.exitCode = 1;
    });
}
