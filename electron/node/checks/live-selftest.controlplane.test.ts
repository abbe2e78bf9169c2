import { describe, expect, it } from 'vitest';
import { sharedControlPlane, controlPlaneSkipReason, titled } from '../../../e2e/controlplane/shared.ts';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { loadSelftest } from '../course-format/selftest-schema.ts';
import { LiveSelftestEnvironment, runLiveSelftest } from './live-selftest.ts';

// `labdeck selftest --live` against a real kube-apiserver, controller manager and scheduler: every step's
// solution is applied with server-side apply and must pass through real defaulting, real Deployment ->
// ReplicaSet -> Pod, real Endpoints and EndpointSlices, and real namespace and pod deletion.

const catalog = await LabCatalog.load('labs');

describe.skipIf(controlPlaneSkipReason())(titled('live self-test on the real control plane'), () => {
  for (const lab of catalog.labs()) {
    it(`lab ${lab.file.id}: every step's solution passes its checks`, async () => {
      const selftest = await loadSelftest(lab.dir);
      expect(selftest, `${lab.dir} has no selftest.yaml`).toBeDefined();
      const environment = await LiveSelftestEnvironment.start(sharedControlPlane().kubeConfig(), lab);
      try {
        const outcomes = await runLiveSelftest(lab, selftest!, environment, 60_000);
        expect(outcomes.flatMap((outcome) => outcome.problems.map((problem) => `${outcome.step}: ${problem}`))).toEqual([]);
        expect(outcomes.length).toBe(selftest!.steps.length);
      } finally {
        await environment.dispose();
      }
    }, 600_000);
  }
});
