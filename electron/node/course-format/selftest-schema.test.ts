import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LabdeckError } from '../../common/errors.ts';
import { listLabFolders } from '../labs/lab-catalog.ts';
import { loadSelftest, mergePatch, parseSelftest } from './selftest-schema.ts';

const REAL_LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

const text = `steps:
  - step: create
    before: { from: empty }
    solution:
      objects:
        - apiVersion: apps/v1
          kind: Deployment
          metadata: { name: web, namespace: default }
          spec: { replicas: 3, template: { spec: { containers: [{ name: web, image: "nginx:1.14.2" }] } } }
          status: { readyReplicas: 3 }
      commands:
        - kubectl apply -f web.yaml
        - { command: kubectl get deploy, exitCode: 1 }
      probes:
        - { check: curl, output: '200' }
    distractors:
      - name: wrong replica count
        patch:
          - object: { kind: Deployment, name: web }
            merge: { spec: { replicas: 2 }, status: { readyReplicas: null } }
        expect: [{ check: ready, mentions: [2/3] }]
  - step: delete
    before: {}
    solution:
      remove: [{ kind: Deployment, name: web }]
`;

describe('parseSelftest', () => {
  it('resolves worlds: from, patch (merge patch), remove, inherited commands and probes', () => {
    const selftest = parseSelftest('/x/selftest.yaml', text);
    const [create, remove] = selftest.steps;
    expect(create?.before.world.objects).toEqual([]);
    expect(create?.solution.world.commands).toEqual([
      { command: 'kubectl apply -f web.yaml', exitCode: 0, time: expect.any(String) },
      { command: 'kubectl get deploy', exitCode: 1, time: expect.any(String) },
    ]);
    expect(create?.solution.world.probes).toEqual([{ check: 'curl', outcome: { exitCode: 0, output: '200' } }]);

    expect(create?.distractors[0]?.world.objects[0]).toMatchObject({
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.14.2' }] } } },
      status: {},
    });
    expect(create?.distractors[0]?.world.objects[0]?.status).toEqual({});
    // The solution itself is untouched by its distractor.
    expect(create?.solution.world.objects[0]).toMatchObject({ spec: { replicas: 3 }, status: { readyReplicas: 3 } });

    expect(remove?.before.world.objects).toHaveLength(1);
    expect(remove?.solution.world.objects).toEqual([]);
    expect(remove?.solution.world.commands).toHaveLength(2);
  });

  it('locates a patch of a missing object at its line', () => {
    const broken = text.replace('object: { kind: Deployment, name: web }', 'object: { kind: Deployment, name: api }');
    const error = (() => {
      try {
        parseSelftest('/x/selftest.yaml', broken);
        return undefined;
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(LabdeckError);
    expect((error as LabdeckError).message).toContain('/x/selftest.yaml:19:13 no Deployment "api" to patch');
  });

  it('rejects a "from" that names no earlier world', () => {
    expect(() => parseSelftest('/x/s.yaml', text.replace('before: {}', 'before: { from: later.solution }'))).toThrow(/later\.solution.*names no earlier world/);
  });
});

describe('mergePatch', () => {
  it('merges objects, deletes on null and replaces arrays', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [9] })).toEqual({ a: { b: 1, d: 3 }, l: [9] });
  });
});

describe('the self-tests in labs/', () => {
  it('load for every lab', async () => {
    for (const folder of await listLabFolders(REAL_LABS)) {
      const selftest = await loadSelftest(path.join(REAL_LABS, folder));
      expect(selftest?.steps.length, folder).toBeGreaterThan(0);
    }
  });
});
