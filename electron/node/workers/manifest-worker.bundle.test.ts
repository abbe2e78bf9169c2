import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../../build/bundle-cli.ts';
import { bundleElectron, repoRoot } from '../../build/bundle.ts';
import { ResponseSchema, type Request, type Response } from './manifest-protocol.ts';

// Two folders below the repository, like dist/electron and dist/cli, so the bundles find the app root.
const electronOut = path.join(repoRoot, 'dist', `electron-worker-test-${process.pid}`);
const cliOut = path.join(repoRoot, 'dist', `cli-worker-test-${process.pid}`);
let electronMain = '';
let electronWorker = '';

/** Starts a bundled worker entry, sends one job, returns its checked answer. */
async function roundTrip(file: string, request: Request): Promise<Response> {
  const worker = new Worker(file);
  try {
    return await new Promise<Response>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (data: unknown) => {
        const response = ResponseSchema.parse(data);
        if (response.type === 'ready') worker.postMessage(request);
        else resolve(response);
      });
    });
  } finally {
    await worker.terminate();
  }
}

const job: Request = { type: 'analyze', id: 7, text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n  nodeNmae: n1\n', schemaVersion: 0, documents: false };

describe('the bundled manifest worker', () => {
  beforeAll(async () => {
    const [electron] = await Promise.all([bundleElectron({ outDir: electronOut }), bundleCli({ outDir: cliOut })]);
    electronMain = electron.main;
    electronWorker = electron.manifestWorker;
  }, 180_000);
  afterAll(() => {
    rmSync(electronOut, { recursive: true, force: true });
    rmSync(cliOut, { recursive: true, force: true });
  });

  it('is an entry of its own beside the Electron main bundle, which is told where it is', async () => {
    expect(electronWorker).toBe(path.join(electronOut, 'manifest-worker.js'));
    expect(readFileSync(electronMain, 'utf8')).toContain(JSON.stringify(`dist/electron-worker-test-${process.pid}/manifest-worker.js`));
    const response = await roundTrip(electronWorker, job);
    expect(response).toMatchObject({ type: 'result', id: 7, problems: [expect.objectContaining({ line: 7, message: expect.stringContaining('did you mean "nodeName"') })] });
  }, 60_000);

  it('is an entry of the CLI bundle too (`labdeck serve` validates in it)', async () => {
    const worker = path.join(cliOut, 'manifest-worker.mjs');
    expect(existsSync(worker)).toBe(true);
    const response = await roundTrip(worker, job);
    expect(response).toMatchObject({ type: 'result', id: 7, problems: [expect.objectContaining({ line: 7 })] });
  }, 60_000);
});
