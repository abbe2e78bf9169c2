import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import YAML from 'yaml';
import type { ClusterAccess, CommandLog, ExecOutcome, LabContainers } from '../backend/ports.ts';
import { LabCatalog } from '../labs/lab-catalog.ts';
import type { z } from 'zod';
import type { LabFileSchema } from '../course-format/lab-schema.ts';
import type { CommandRecord } from './check-world.ts';

/**
 * Test support for the check engine's unit tests: a one-lab course written to a temp folder, and fakes for
 * the seams the engine talks to (cluster access, containers, command log). The cluster itself is the
 * Kubernetes API test double from e2e/support.
 */

/** A lab as written in lab.yaml (fields with defaults may be left out), minus the files writeCourse adds. */
type LabFileInput = z.input<typeof LabFileSchema>;
type LabInput = Omit<LabFileInput, 'requires' | 'cleanSlate' | 'steps' | 'introduction'> & {
  steps: Array<Omit<LabFileInput['steps'][number], 'instructions' | 'solution' | 'snippets' | 'focus'>>;
};

export async function writeCourse(labs: LabInput | LabInput[]): Promise<{ dir: string; catalog: LabCatalog }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'labdeck-engine-'));
  await writeFile(path.join(dir, 'course.yaml'), 'id: engine-test\ntitle: Engine test course\n');
  for (const lab of Array.isArray(labs) ? labs : [labs]) {
    const labDir = path.join(dir, `${lab.id}-${lab.slug}`);
    await mkdir(labDir, { recursive: true });
    await writeFile(path.join(labDir, 'introduction.md'), '# Intro\n');
    await writeFile(path.join(labDir, 'step.md'), 'Do it.\n');
    const file = {
      ...lab,
      introduction: 'introduction.md',
      steps: lab.steps.map((step) => ({ ...step, instructions: 'step.md', solution: 'step.md' })),
    };
    await writeFile(path.join(labDir, 'lab.yaml'), YAML.stringify(file));
  }
  return { dir, catalog: await LabCatalog.load(dir) };
}

export class FakeClusterAccess implements ClusterAccess {
  #kubeconfigPath: string | null;
  readonly #listeners = new Set<() => void>();

  constructor(kubeconfigPath: string | null) {
    this.#kubeconfigPath = kubeconfigPath;
  }

  async kubeConfig(): Promise<KubeConfig | null> {
    if (!this.#kubeconfigPath) return null;
    const config = new KubeConfig();
    config.loadFromFile(this.#kubeconfigPath);
    return config;
  }

  async kubeconfigPath(): Promise<string | null> {
    return this.#kubeconfigPath;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The cluster appears (a path) or goes away (null). */
  switchTo(kubeconfigPath: string | null): void {
    this.#kubeconfigPath = kubeconfigPath;
    for (const listener of this.#listeners) listener();
  }
}

export class FakeContainers implements LabContainers {
  readonly execs: string[][] = [];
  verifierRunning = true;
  answer: (argv: string[]) => ExecOutcome = () => ({ exitCode: 0, output: '' });

  async containerFor(target: Parameters<LabContainers['containerFor']>[0]): Promise<string | null> {
    if (target.kind === 'verifier') return this.verifierRunning ? 'verifier-container' : null;
    return target.kind === 'node' ? `node-${target.node}` : 'jumphost-container';
  }

  async nodeNames(): Promise<string[]> {
    return ['master1', 'worker1', 'worker2'];
  }

  async exec(_containerId: string, argv: string[]): Promise<ExecOutcome> {
    this.execs.push(argv);
    return this.answer(argv);
  }

  async execInteractive(): Promise<never> {
    throw new Error('the engine never opens interactive shells');
  }

  async publishedPort(): Promise<number | null> {
    return null;
  }
}

export class FakeCommandLog implements CommandLog {
  readonly records: CommandRecord[] = [];
  readonly #listeners = new Set<(records: CommandRecord[]) => void>();

  async read(): Promise<CommandRecord[] | null> {
    return [...this.records];
  }

  subscribe(listener: (records: CommandRecord[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Records a command as the jumphost's shell would; `time` defaults to now. */
  ran(command: string, exitCode = 0, time: Date = new Date()): void {
    this.records.push({ time: time.toISOString(), command, exitCode });
    for (const listener of this.#listeners) listener([...this.records]);
  }
}

export function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (condition()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}
