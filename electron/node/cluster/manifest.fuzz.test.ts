import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/api/contract.ts';
import { LabdeckError } from '../../common/errors.ts';
import { ClusterService } from './cluster-service.ts';

// Property-based fuzzing of the editor's manifest path (validate, apply, diff) without a cluster: whatever
// the text, nothing throws anything but a LabdeckError with an action, and every problem has a message and
// a position inside the text.

const service = new ClusterService({
  cluster: { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined },
  events: { emit<K extends EventName>(_name: K, _payload: EventPayload<K>) {} },
});
afterAll(() => service.dispose());

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } };
const kinds = fc.constantFrom('Pod', 'Service', 'Deployment', 'ConfigMap', 'Namespace', 'Unknown', '', 'pod');
const apiVersions = fc.constantFrom('v1', 'apps/v1', 'v2', '', 'networking.k8s.io/v1');

/** Objects shaped like manifests with random fields and values, as YAML. */
const manifestLike = fc
  .record({
    apiVersion: fc.oneof(apiVersions, fc.anything({ maxDepth: 1 })),
    kind: fc.oneof(kinds, fc.anything({ maxDepth: 1 })),
    metadata: fc.oneof(fc.record({ name: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()) }), fc.anything({ maxDepth: 2 })),
    spec: fc.oneof(fc.constant(pod.spec), fc.object({ maxDepth: 3 }), fc.anything({ maxDepth: 2 })),
  })
  .map((object) => stringify(object));

/** A valid manifest with random characters inserted, deleted or replaced. */
const mutated = fc
  .array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 4, unit: fc.constantFrom(':', '-', ' ', '\n', '{', '[', '"', "'", '&', '*', '!', '#', '|', '>', '%', '@', '`', 'a', '1', '\t', '?') })), { maxLength: 6 })
  .map((edits) => {
    let text = `${stringify(pod)}---\n${stringify({ ...pod, metadata: { name: 'second' } })}`;
    for (const [at, remove, insert] of edits) {
      const index = at % (text.length + 1);
      text = text.slice(0, index) + insert + text.slice(index + remove);
    }
    return text;
  });

const anyText = fc.oneof(manifestLike, mutated, fc.string({ maxLength: 400 }), fc.array(manifestLike, { maxLength: 3 }).map((documents) => documents.join('---\n')));

function expectProblemsLocated(text: string, problems: { line: number; column: number; message: string }[]): void {
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const problem of problems) {
    expect(problem.message.length).toBeGreaterThan(0);
    expect(problem.line).toBeGreaterThanOrEqual(1);
    expect(problem.line).toBeLessThanOrEqual(lines + 1);
    expect(problem.column).toBeGreaterThanOrEqual(1);
  }
}

async function settles(action: () => Promise<unknown>): Promise<unknown> {
  try {
    return await action();
  } catch (error) {
    // Without a cluster, apply and diff of a valid manifest refuse with what to do; nothing else may escape.
    expect(error).toBeInstanceOf(LabdeckError);
    expect((error as LabdeckError).message.length).toBeGreaterThan(0);
    expect((error as LabdeckError).action).toBeTruthy();
    return undefined;
  }
}

describe('manifest validate, apply and diff under fuzzing', () => {
  it('validate: no throw, every problem has a message and a position in the text', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, async (text) => {
        expectProblemsLocated(text, await service.validate(text));
      }),
      // Found by this test: an alias to an undefined anchor made validate throw (toJS) instead of reporting.
      { numRuns: 400, examples: [['*!'], ['apiVersion: v1\nkind: Pod\nmetadata: *m\n'], ['a: *x\nb: &x 1\n']] },
    );
  });

  it('apply and diff: answer with located problems or refuse with a LabdeckError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, async (text) => {
        const applied = (await settles(() => service.apply(text))) as { problems: { line: number; column: number; message: string }[] } | undefined;
        if (applied) expectProblemsLocated(text, applied.problems);
        const diffed = (await settles(() => service.diff(text))) as { problems: { line: number; column: number; message: string }[] } | undefined;
        if (diffed) expectProblemsLocated(text, diffed.problems);
      }),
      { numRuns: 150 },
    );
  });
});
