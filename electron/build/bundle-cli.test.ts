import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from './bundle-cli.ts';
import { repoRoot } from './bundle.ts';

const run = promisify(execFile);
// Two folders below the repository, like dist/cli, so the bundle's source-location rewrite finds labs/ etc.
const outDir = path.join(repoRoot, 'dist', `cli-test-${process.pid}`);
let entry = '';

/** Packages a bundle file imports statically, following its relative imports (chunks). */
function staticPackages(file: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  for (const match of readFileSync(file, 'utf8').matchAll(/^import\s[^;]*?from\s*"([^"]+)";|^import\s*"([^"]+)";/gms)) {
    const specifier = match[1] ?? match[2] ?? '';
    if (specifier.startsWith('.')) for (const name of staticPackages(path.resolve(path.dirname(file), specifier), seen)) packages.add(name);
    else if (!specifier.startsWith('node:')) packages.add(specifier);
  }
  return packages;
}

describe('the labdeck CLI bundle', () => {
  beforeAll(async () => {
    entry = await bundleCli({ outDir });
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('prints the help with every command', async () => {
    const { stdout } = await run(process.execPath, [entry, '--help']);
    for (const name of ['serve', 'env', 'lint', 'grade', 'selftest', 'keys', 'pack', 'verify-report', 'grade-reports']) expect(stdout).toContain(name);
  });

  it('grades a snapshot', async () => {
    const snapshot = path.join(repoRoot, 'electron/node/checks/fixtures/snapshot-lab-1.3-wrong-image.json');
    const result = await run(process.execPath, [entry, 'grade', '--lab', '1.3', '--snapshot', snapshot, '--format', 'json'], { cwd: repoRoot }).catch(
      (error: { stdout: string; code: number }) => error,
    );
    expect(result.stdout).toContain('"lab"');
  });

  it('runs the offline self-test, whose Kubernetes API double is TypeScript in the source checkout', async () => {
    const { stdout } = await run(process.execPath, [entry, 'selftest', '--lab', '1.1'], { cwd: repoRoot });
    expect(stdout).toMatch(/(\d+)\/\1 scenarios behaved as recorded/);
  }, 60_000);

  it('runs the offline self-test of the whole course, which imports the TypeScript double once per lab', async () => {
    const { stdout } = await run(process.execPath, [entry, 'selftest'], { cwd: repoRoot });
    expect(stdout).toContain('ok   1.9 ');
    expect(stdout).toMatch(/(\d+)\/\1 scenarios behaved as recorded/);
  }, 180_000);

  it('starts without client-node, kubernetes-models or dockerode; grade loads no client-node for a snapshot', () => {
    const heavy = ['@kubernetes/client-node', 'kubernetes-models', 'dockerode', 'node-pty'];
    const atStart = staticPackages(entry);
    for (const name of heavy) expect(atStart.has(name), name).toBe(false);
    const gradeChunk = readFileSync(entry, 'utf8').match(/import\("\.\/(grade-[A-Z0-9]+\.mjs)"\)/)?.[1];
    expect(gradeChunk).toBeDefined();
    const grade = staticPackages(path.join(outDir, gradeChunk ?? ''));
    for (const name of heavy) expect(grade.has(name), name).toBe(false);
  });
});
