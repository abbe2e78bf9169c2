import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseSelftest, type SelftestWorld } from '../course-format/selftest-schema.ts';
import type { KubeObject } from './check-world.ts';
import { writeCourse } from './engine-fixtures.test-support.ts';
import { selectObjects } from './object-filter.ts';
import { runStepSelftest, type SelftestEnvironment } from './selftest.ts';

// The runner must catch fixtures that lie: a solution that fails, a "before" that already passes, a distractor
// that passes or fails for another reason than the one it names.

class MemoryEnvironment implements SelftestEnvironment {
  objects: KubeObject[] = [];
  async load(world: SelftestWorld): Promise<void> {
    this.objects = world.objects;
  }
  async listObjects(selector: Parameters<SelftestEnvironment['listObjects']>[0]): Promise<KubeObject[]> {
    return selectObjects(this.objects, selector);
  }
}

const lab = {
  id: '9.2',
  slug: 'runner',
  title: 'Runner lab',
  summary: 'A lab for the runner tests.',
  objectives: ['Test the runner'],
  durationMinutes: 5,
  steps: [
    {
      id: 'ns',
      title: 'Create production',
      checks: [
        { id: 'namespace', title: 'Namespace production exists', kind: 'resource' as const, mode: 'holds' as const, absent: false, select: { apiVersion: 'v1', kind: 'Namespace', name: 'production' }, assert: [{ that: 'object.metadata.?labels.?team.orValue("") == "web"', message: 'production has team={{object.metadata.?labels.?team.orValue("(none)")}}, expected team=web' }], assertAll: [] },
        { id: 'probe', title: 'DNS answers', kind: 'probe' as const, mode: 'holds' as const, in: { verifier: true as const }, command: ['nslookup', 'x'], expect: { exitCode: 0, assert: [] }, timeoutSeconds: 5 },
      ],
    },
  ],
};

const namespace = (team: string) => `{ apiVersion: v1, kind: Namespace, metadata: { name: production, labels: { team: ${team} } } }`;

async function run(fixture: string) {
  const { catalog, dir } = await writeCourse(lab);
  try {
    const selftest = parseSelftest('selftest.yaml', fixture);
    const [step] = selftest.steps;
    if (!step) throw new Error('no step');
    return await runStepSelftest(catalog.requireLab('9.2'), step, new MemoryEnvironment());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('lab self-test runner', () => {
  it('accepts a fixture that tells the truth', async () => {
    const outcomes = await run(`
steps:
  - step: ns
    before: { from: empty }
    solution:
      objects: [${namespace('web')}]
      probes: [{ check: probe, output: 'Address: 10.43.0.10' }]
    distractors:
      - name: wrong label
        objects: [${namespace('db')}]
        expect: [{ check: namespace, mentions: [team=db, expected team=web] }]
`);
    expect(outcomes.map((outcome) => [outcome.scenario, outcome.problems])).toEqual([
      ['before', []],
      ['solution', []],
      ['distractor "wrong label"', []],
    ]);
  });

  it('reports a before that passes, a solution that fails and distractors that do not name the difference', async () => {
    const outcomes = await run(`
steps:
  - step: ns
    before:
      objects: [${namespace('web')}]
      probes: [{ check: probe, output: ok }]
    solution:
      objects: [${namespace('db')}]
      probes: [{ check: probe, exitCode: 1, output: 'NXDOMAIN' }]
    distractors:
      - name: passes anyway
        objects: [${namespace('web')}]
        expect: [{ check: namespace, mentions: [team] }]
      - name: wrong words
        objects: [${namespace('db')}]
        expect: [{ check: namespace, mentions: [replicas] }]
`);
    const problems = Object.fromEntries(outcomes.map((outcome) => [outcome.scenario, outcome.problems.join('\n')]));
    expect(problems.before).toContain('check namespace should not pass before the step');
    expect(problems.solution).toContain('check namespace should pass with the solution (failed: production has team=db, expected team=web)');
    expect(problems.solution).toContain('check probe should pass');
    expect(problems['distractor "passes anyway"']).toContain('check namespace should fail (passed');
    expect(problems['distractor "wrong words"']).toContain('which does not mention "replicas"');
  });

  it('verifies that probe references resolved to the recorded argv', async () => {
    const outcomes = await run(`
steps:
  - step: ns
    before: { from: empty }
    solution:
      objects: [${namespace('web')}]
      probes: [{ check: probe, argv: [nslookup, y], output: ok }]
`);
    expect(outcomes.find((outcome) => outcome.scenario === 'solution')?.problems.join('\n')).toContain('the probe resolved to ["nslookup","x"], but selftest.yaml recorded ["nslookup","y"]');
  });
});
