import { afterEach, describe, expect, it } from 'vitest';
import { readManifestDocuments, manifestDocument } from '../cluster/manifest-documents.ts';
import { MANIFEST as POD } from '../cluster/manifest-fixtures.test-support.ts';
import { largeManifest } from './large-manifest.ts';
import { ManifestChecker } from './manifest-checker.ts';
import { decodeResult } from './manifest-protocol.ts';

// The backend has one event loop (in Electron: the main process, whose window freezes while it is held).
// Whether a job holds it is observed by what else the loop gets to run meanwhile, not by a clock, so the
// tests say the same on a fast machine and on a loaded 2-core one (bench-validate.ts prints the times).
const big = largeManifest();


/** Runs `work` while the event loop turns as often as it can; how many turns it got before `work` ended. */
async function loopTurnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let running = true;
  const turn = (): void => {
    if (!running) return;
    turns++;
    setImmediate(turn);
  };
  setImmediate(turn);
  try {
    return { value: await work(), turns };
  } finally {
    running = false;
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
  it('validates a 1 MB manifest while the event loop keeps turning, and answers a small call before it', async () => {
    const subject = checker();
    const order: string[] = [];
    const { value, turns } = await loopTurnsDuring(async () => {
      const large = subject.problems(big).then((problems) => {
        order.push('large');
        return problems;
      });
      // An editor's validation while the large one runs: answered on the loop, without waiting for it.
      const small = await subject.problems(POD);
      order.push('small');
      return { problems: await large, small };
    });
    expect(order).toEqual(['small', 'large']);
    // Parsing 1 MB takes hundreds of milliseconds even on a fast machine; the loop turned all along.
    expect(turns).toBeGreaterThan(100);
    expect(value.problems).toEqual([]);
    expect(value.small).toEqual([]);
    expect(subject.workersStarted).toBe(1);
  }, 60_000);

  it('control: the same validation on the event loop lets nothing else run until it is done', async () => {
    // Proves the test above can fail: everything inline, as before the worker.
    const subject = checker({ inlineBelowChars: Number.POSITIVE_INFINITY });
    const { value, turns } = await loopTurnsDuring(() => subject.problems(big));
    expect(value).toEqual([]);
    expect(subject.workersStarted).toBe(0);
    expect(turns).toBe(0);
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
      expect.objectContaining({ line: 19, column: 7, source: 'schema', message: expect.stringContaining('"spec.containers[1].imagee"; did you mean "image"?') }),
    ]);
  }, 60_000);

  it('parses a text once for validate followed by apply, in the worker and inline', async () => {
    for (const subject of [checker(), checker({ inlineBelowChars: Number.POSITIVE_INFINITY })]) {
      expect(await subject.problems(big)).toEqual([]);
      const { problems, documents } = await subject.analyze(big);
      expect(problems).toEqual([]);
      expect(documents.length).toBeGreaterThan(1_000);
      // The last analysis is reused: only the objects travel, no second parse.
      expect(subject.parses).toBe(1);
      // Another text is parsed.
      expect(await subject.problems(POD)).toEqual([]);
      expect(subject.parses).toBe(2);
    }
  }, 60_000);

  it('refuses worker answers whose objects and positions do not fit together', () => {
    expect(decodeResult({ type: 'result', id: 1, problems: [], parsed: true, documents: { json: '[{"index":0,"line":1,"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}},"keys":[null]}]', tables: [new Int32Array(3)] } })).toEqual({
      invalid: 'a position table does not match its keys',
    });
    expect(decodeResult({ type: 'result', id: 1, problems: [], parsed: true, documents: { json: '[{"index":0,"line":1,"object":{"kind":"Pod"},"keys":[]}]', tables: [new Int32Array(0)] } })).toMatchObject({
      invalid: expect.stringContaining('expected shape'),
    });
    expect(decodeResult({ type: 'result', id: 1, problems: [], parsed: true, documents: { json: '{', tables: [] } })).toMatchObject({ invalid: expect.stringContaining('not JSON') });
  });
});
