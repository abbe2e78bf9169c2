import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { readManifestDocuments, manifestDocument } from '../cluster/manifest-documents.ts';
import { largeManifest } from './large-manifest.ts';
import { ManifestChecker } from './manifest-checker.ts';
import { decodeResult } from './manifest-protocol.ts';

// The backend has one event loop (in Electron: the main process, whose window freezes while it is held).
// A 1 MB manifest takes 1-2 s to parse and validate here; the bound below is loose for a loaded 2-core
// machine and still far below what the same work holds the loop for when it runs inline (the control case).
const maxLoopDelayMs = 200;
const big = largeManifest();

const POD = `apiVersion: v1
kind: Namespace
metadata:
  name: lab
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: lab
spec:
  containers:
    - name: nginx
      image: nginx:1.27
      ports:
        - containerPort: 80
    - name: sidecar
      image: busybox
`;

/** Runs `work` while sampling the event loop; the longest delay a timer saw, in ms. */
async function maxLoopDelayDuring<T>(work: () => Promise<T>): Promise<{ value: T; maxDelayMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // The sampling timer's first tick only sets its baseline: let a few ticks pass before the work starts.
  await new Promise((resolve) => setTimeout(resolve, 50));
  try {
    const value = await work();
    // Work that held the loop is recorded by the sampling timer that fires after it: let it fire.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { value, maxDelayMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

let checkers: ManifestChecker[] = [];
function checker(options: ConstructorParameters<typeof ManifestChecker>[0] = {}): ManifestChecker {
  const created = new ManifestChecker(options);
  checkers.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(checkers.map((created) => created.dispose()));
  checkers = [];
});

describe('ManifestChecker', () => {
  it('validates a 1 MB manifest without holding the event loop, and answers a small call meanwhile', async () => {
    const subject = checker();
    const { value, maxDelayMs } = await maxLoopDelayDuring(async () => {
      const large = subject.problems(big);
      // An editor's validation while the large one runs: answered on the loop, at once.
      const started = performance.now();
      const small = await subject.problems(POD);
      const smallMs = performance.now() - started;
      return { problems: await large, small, smallMs };
    });
    expect(maxDelayMs).toBeLessThan(maxLoopDelayMs);
    expect(value.smallMs).toBeLessThan(maxLoopDelayMs);
    expect(value.problems).toEqual([]);
    expect(value.small).toEqual([]);
    expect(subject.workersStarted).toBe(1);
  }, 60_000);

  it('control: the same validation on the event loop holds it far longer than the bound above', async () => {
    // Proves the test above can fail: everything inline, as before the worker.
    const subject = checker({ inlineBelowChars: Number.POSITIVE_INFINITY });
    const { value, maxDelayMs } = await maxLoopDelayDuring(() => subject.problems(big));
    expect(value).toEqual([]);
    expect(subject.workersStarted).toBe(0);
    expect(maxDelayMs).toBeGreaterThan(maxLoopDelayMs);
  }, 60_000);

  it('stops a job over its time limit with a problem that says what to do, and replaces the worker', async () => {
    const subject = checker({ timeoutMs: 200, inlineBelowChars: 0 });
    const problems = await subject.problems(big);
    expect(problems).toEqual([
      expect.objectContaining({ line: 1, column: 1, source: 'yaml', message: expect.stringMatching(/took longer than 0\.2 s, so it was stopped\. Split it into smaller files/) }),
    ]);
    expect(subject.workersStarted).toBe(1);
    // The next job runs in a new worker, within the same limit.
    expect(await subject.problems(POD)).toEqual([]);
    expect(subject.workersStarted).toBe(2);
  }, 60_000);

  it('hands back objects and positions that match an inline parse, and problems at their lines', async () => {
    const subject = checker({ inlineBelowChars: 0 });
    const { problems, documents } = await subject.analyze(POD);
    expect(problems).toEqual([]);
    const inline = readManifestDocuments(POD).documents;
    const fromWorker = documents.map(manifestDocument);
    expect(fromWorker.map((document) => [document.object, document.line])).toEqual(inline.map((document) => [document.object, document.line]));
    const pod = fromWorker[1]!;
    for (const field of ['spec.containers[0].image', 'spec.containers[0].ports[0].containerPort', 'spec.containers[name="sidecar"].image', 'spec.nodeName', 'metadata.name']) {
      expect(pod.lineOf(field), field).toBe(inline[1]!.lineOf(field));
    }
    expect(await subject.problems(POD.replace('image: busybox', 'imagee: busybox'))).toEqual([
      expect.objectContaining({ line: 18, column: 7, source: 'schema', message: expect.stringContaining('"spec.containers[1].imagee"; did you mean "image"?') }),
    ]);
  }, 60_000);

  it('parses a text once for validate followed by apply', async () => {
    const subject = checker();
    let started = performance.now();
    expect(await subject.problems(big)).toEqual([]);
    const validateMs = performance.now() - started;
    started = performance.now();
    const { problems, documents } = await subject.analyze(big);
    const applyMs = performance.now() - started;
    expect(problems).toEqual([]);
    expect(documents.length).toBeGreaterThan(1_000);
    // The worker's last analysis is reused: only the objects travel, no second parse.
    expect(applyMs).toBeLessThan(validateMs / 3);
  }, 60_000);

  it('refuses worker answers whose objects and positions do not fit together', () => {
    expect(decodeResult({ type: 'result', id: 1, problems: [], documents: { json: '[{"index":0,"line":1,"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}},"keys":[null]}]', tables: [new Int32Array(3)] } })).toEqual({
      invalid: 'a position table does not match its keys',
    });
    expect(decodeResult({ type: 'result', id: 1, problems: [], documents: { json: '[{"index":0,"line":1,"object":{"kind":"Pod"},"keys":[]}]', tables: [new Int32Array(0)] } })).toMatchObject({
      invalid: expect.stringContaining('expected shape'),
    });
    expect(decodeResult({ type: 'result', id: 1, problems: [], documents: { json: '{', tables: [] } })).toMatchObject({ invalid: expect.stringContaining('not JSON') });
  });
});
