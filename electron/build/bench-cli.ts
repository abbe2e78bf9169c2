import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, report, type BenchFigure } from './bench-figures.ts';
import { bundleCli } from './bundle-cli.ts';

/**
 * `labdeck` start-up, end to end as a shell runs it (process start to exit): `--help`, and grading all nine
 * labs on a recorded snapshot. The bundle is rebuilt first so it measures the current sources. Wall time
 * depends on what else the machine runs; CPU time (user + system, from /usr/bin/time) much less so.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = Number(process.env.LABDECK_BENCH_RUNS ?? 5);
const SNAPSHOT = path.join(ROOT, 'electron/node/checks/fixtures/snapshot-lab-1.3-wrong-image.json');
const TIME = '/usr/bin/time';

interface Sample {
  wallMs: number;
  cpuMs: number | null;
}

function runOnce(args: string[], env: NodeJS.ProcessEnv = process.env): Sample {
  const useTime = existsSync(TIME);
  const command = useTime ? TIME : process.execPath;
  const commandArgs = useTime ? ['-f', '@@cpu %U %S', process.execPath, ...args] : args;
  const started = performance.now();
  const result = spawnSync(command, commandArgs, { cwd: ROOT, env, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  const cpu = /@@cpu ([\d.]+) ([\d.]+)/.exec(result.stderr ?? '');
  if (result.status !== 0 && result.status !== 1) throw new Error(`labdeck ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return { wallMs, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null };
}

function measure(label: string, args: string[], runs: number, env?: NodeJS.ProcessEnv): BenchFigure[] {
  runOnce(args, env); // warm the file cache; not counted
  const samples = Array.from({ length: runs }, () => runOnce(args, env));
  const figures = [figure(`${label}, wall`, 'ms', samples.map((sample) => Math.round(sample.wallMs)))];
  if (samples.every((sample) => sample.cpuMs !== null)) figures.push(figure(`${label}, CPU (user+sys)`, 'ms', samples.map((sample) => Math.round(sample.cpuMs ?? 0))));
  return report(figures);
}

export default async function benchCli(): Promise<BenchFigure[]> {
  const bundle = await bundleCli();
  const grade = ['grade', '--lab', 'all', '--snapshot', SNAPSHOT, '--format', 'json'];
  return [
    ...measure('node -e 0 (the floor)', ['-e', '0'], RUNS),
    ...measure('labdeck --help (bundle)', [bundle, '--help'], RUNS),
    ...measure('labdeck grade --lab all --snapshot (bundle)', [bundle, ...grade], RUNS),
    // The fallback a source checkout without a build uses: tsx compiling on the fly, commands still lazy.
    ...measure('labdeck --help (sources through tsx)', [path.join(ROOT, 'electron/cli/labdeck.js'), '--help'], Math.min(RUNS, 3), { ...process.env, LABDECK_CLI_SOURCE: '1' }),
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchCli();
