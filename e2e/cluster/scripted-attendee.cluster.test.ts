import { rm } from 'node:fs/promises';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCheckHandlers } from '../../electron/node/checks/check-handlers.ts';
import { LabCatalog } from '../../electron/node/labs/lab-catalog.ts';
import { readJournal } from '../../electron/node/progress/evidence-journal.ts';
import { courseScript, withoutComment, type StepScript } from '../scripted-attendee/guide-script.ts';
import { COURSE_DIR, testKubeConfig } from './lab-cluster.ts';
import { attend, engineFor, labCommandLog, labdeckGrade, resetCluster, RUN_TIMEOUT_MS, type RunResult } from './scripted-attendee-run.ts';
import { run as runIn } from './test-cluster.ts';

/**
 * Issue 9, "Done when", on the real kubeadm cluster: a scripted attendee types the guide's commands and each
 * step's solution commands in order, in the real jumphost's login shell (its bash, kubectl, curl and command
 * recorder) and in the real nodes, and the product's check engine, wired as create-backend.ts wires it
 * (progress store + evidence journal + engine over the environment's containers, steps opened through
 * labs.activate), completes every step of labs 1.1-1.9 in one run. An attendee skipping one step (among other mistakes)
 * leaves exactly that step open. `labdeck grade --journal` on the first run's journal reports all nine labs
 * complete, with evidence. A third attendee makes a wrong world (1.5's Service with targetPort 8080): the curl
 * through the Service really fails, and the steps that need it stay open. A fourth makes one mistake in every
 * lab (MISTAKES), and exactly the steps each concerns stay open, saying why. Attendees apply two manifests
 * with the editor's Apply (the product's call), the others with `kubectl apply -f` in the jumphost.
 *
 * Everything is real: objects (kubeadm's control plane, controllers, kubelets, containerd pulling from the
 * environment's registry mirror), the data plane (flannel vxlan, kube-proxy's iptables, CoreDNS, nginx), the
 * attendee's kubectl exec and logs, every probe (verifier and node probes through the product's
 * DockerLabContainers, pod probes through the Kubernetes exec API), the HTTP check (the engine's GET to the
 * nodePort the environment publishes on this computer) and the laptop's curl in the host shell tab (this
 * machine's bash). Node terminal lines are typed into the node shell the terminal service opens (NODE_SHELL,
 * its status prompt) and recorded by the product's NodeCommandRecorder. Nothing is answered from a recording.
 */

const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();


/**
 * Steps expected not to complete for a real reason (a check that is wrong against the real cluster), each with
 * that reason. The test asserts that exactly these stay open, so a fixed lab shows up as a failure here until
 * it is removed from the list.
 */
const EXPECTED_TO_FAIL: ReadonlyArray<{ labId: string; stepId: string; reason: string }> = [];

/**
 * One mistake per lab, as attendees make them: a typo kubectl refuses, a typo'd image that sits in
 * ImagePullBackOff, a skipped step, the wrong namespace, a line left out, a node command typed on the
 * jumphost, the guide's `exec` without `--`, a wrong label selector, the wrong port. Each leaves exactly
 * `open` of its step unpassed, with a message matching `cause`, and nothing else anywhere.
 */
const MISTAKES: ReadonlyArray<{ name: string; labId: string; stepId: string; line?: string; typed?: string | null; terminal?: string; skipStep?: true; open: string[]; cause: RegExp }> = [
  { name: 'an option kubectl does not have', labId: '1.1', stepId: 'get-nodes', line: 'kubectl get nodes -o wide', typed: 'kubectl get nodes -o wide --show-label', open: ['ran-get-nodes-wide'], cause: /--show-label/ },
  { name: "a typo'd image", labId: '1.2', stepId: 'run-pod', line: 'kubectl run nginx-kubectl --image=nginx --restart=Never', typed: 'kubectl run nginx-kubectl --image=ngnix --restart=Never', open: ['nginx-kubectl-running'], cause: /ngnix/ },
  { name: 'a skipped step', labId: '1.3', stepId: 'describe-deployment', skipStep: true, open: ['ran-describe'], cause: /Not done yet/ },
  { name: 'the wrong namespace', labId: '1.4', stepId: 'describe-delete', line: 'kubectl delete pods mypod -n production', typed: 'kubectl delete pods mypod', open: ['mypod-gone'], cause: /mypod/ },
  { name: 'a line left out', labId: '1.5', stepId: 'inspect', line: 'kubectl describe service', typed: null, open: ['ran-describe-service'], cause: /Not done yet/ },
  { name: 'a node command typed on the jumphost', labId: '1.6', stepId: 'pod-subnet', line: 'cat /etc/kubernetes/manifests/kube-controller-manager.yaml', terminal: 'jumphost', open: ['ran-cat-manifest'], cause: /jumphost terminal; this one belongs in master1/ },
  { name: "the guide's exec without --", labId: '1.7', stepId: 'lookup-service', line: 'kubectl exec -it alpine -- nslookup nginx.default.svc.cluster.local', typed: 'kubectl exec -it alpine nslookup nginx.default.svc.cluster.local', open: ['ran-nslookup-service'], cause: /without `--`/ },
  { name: 'a wrong label selector', labId: '1.8', stepId: 'kube-proxy-rules', line: 'kubectl logs -n kube-system -l k8s-app=kube-proxy --prefix --tail=-1 | grep Proxier', typed: 'kubectl logs -n kube-system -l k8s-app=kube-proxi --prefix --tail=-1 | grep Proxier', open: ['ran-kube-proxy-logs'], cause: /kube-proxi/ },
  { name: 'the wrong port from the laptop', labId: '1.9', stepId: 'from-laptop', line: 'curl http://localhost:30080/', typed: 'curl http://localhost:30081/', open: ['opened-from-laptop'], cause: /port 30081/ },
];

describe.skipIf(unavailable)(`a scripted attendee on the real kubeadm cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let catalog: LabCatalog;
  let scripts: StepScript[];
  let complete: RunResult | undefined;
  let wrong: RunResult | undefined;
  let mistaken: RunResult | undefined;

  beforeAll(async () => {
    catalog = await LabCatalog.load(COURSE_DIR);
    scripts = courseScript(catalog);
    // Start from a cluster no earlier test file left objects of the labs in.
    const lab = labCommandLog();
    const engine = engineFor(catalog, lab.log);
    await resetCluster(createCheckHandlers(engine), catalog, testKubeConfig());
    await engine.dispose();
    lab.dispose();
  });

  afterAll(async () => {
    for (const result of [complete, wrong, mistaken]) if (result) await rm(result.dataDir, { recursive: true, force: true });
  });

  it('types something real for every step of 1.1-1.9', () => {
    expect(scripts.map((script) => `${script.labId}/${script.stepId}`)).toEqual(catalog.labs().flatMap((lab) => lab.file.steps.map((step) => `${lab.file.id}/${step.id}`)));
    const empty = scripts.filter((script) => script.lines.length === 0).map((script) => `${script.labId}/${script.stepId}`);
    expect(empty).toEqual([]);
    // 1.9 from-laptop is done on the laptop: the solution's curl, typed in the host shell tab.
    expect(scripts.find((script) => script.stepId === 'from-laptop')?.lines.map((line) => line.terminal)).toEqual(['host']);
  });

  it(
    'completes every step of every lab, in order, from commands typed in the jumphost and node terminals',
    async () => {
      complete = await attend(catalog, scripts, { snapshot: true });
      expect(complete.open.map(({ labId, stepId }) => ({ labId, stepId })), JSON.stringify(complete.open, null, 2)).toEqual(
        EXPECTED_TO_FAIL.map(({ labId, stepId }) => ({ labId, stepId })),
      );
      // Each step turns green within 10 s of the attendee's last action in it (pods included).
      console.log(`[scripted-attendee] reaction per step (s): ${complete.reaction.map(({ at, seconds }) => `${at} ${seconds.toFixed(1)}`).join(', ')}`);
      expect(complete.reaction.filter(({ seconds }) => seconds > 10)).toEqual([]);

      // Real exit codes: kubectl's own (1 for the refused NodePort, 0 elsewhere) and busybox nslookup's, passed
      // through by kubectl exec (1 for a name it finds only through the search list).
      const typed = (command: string) => complete!.typed.find((line) => withoutComment(line.command) === command);
      const exit = (command: string) => typed(command)?.exitCode;
      expect(exit('kubectl create service nodeport range-test --tcp=80:80 --node-port=29999')).toBe(1);
      expect(typed('kubectl create service nodeport range-test --tcp=80:80 --node-port=29999')?.output).toContain('provided port is not in the valid range');
      expect(exit('kubectl get nodes -o wide')).toBe(0);
      expect(exit('kubectl exec -it alpine -- nslookup kube-dns.kube-system')).toBe(1);
      expect(exit('kubectl exec -it alpine -- nslookup kube-dns.kube-system.svc.cluster.local')).toBe(0);
      expect(typed('kubectl exec -it alpine -- nslookup kube-dns.kube-system.svc.cluster.local')?.output).toMatch(/Address:\s*10\.96\.0\.10\s*$/m);
      // $(kubectl get ... -o jsonpath) and $POD_IP expanded by the real shell: the curls got nginx's page.
      for (const command of ['curl http://$POD_IP', 'curl http://$CLUSTER_IP', 'curl http://10.1.1.7:30080']) {
        expect(typed(command), command).toMatchObject({ exitCode: 0, output: expect.stringContaining('Welcome to nginx') });
      }
      // 1.1: kubeadm's API server answers the anonymous /version (system:public-info-viewer).
      expect(typed('curl -k https://10.1.1.10:6443/version')).toMatchObject({ exitCode: 0, output: expect.stringContaining('"gitVersion"') });
      // 1.8: kube-proxy logs its mode.
      expect(typed('kubectl logs -n kube-system -l k8s-app=kube-proxy --prefix --tail=-1 | grep Proxier')?.output).toContain('Using iptables Proxier');

      // The laptop's curl reached nginx through the port the environment publishes.
      expect(complete.typed.find((line) => line.terminal === 'host')).toMatchObject({ exitCode: 0, output: expect.stringContaining('Welcome to nginx') });

      // Every probe and HTTP check of the course ran on the real cluster, none from a recording.
      const probeChecks = catalog.labs().flatMap((lab) => lab.steps.flatMap((step) => step.spec.checks.filter((check) => check.kind === 'probe' || check.kind === 'http').map((check) => `${lab.file.id}/${step.spec.id}/${check.id}`)));
      expect(probeChecks.filter((at) => !complete!.probes.some((probe) => probe.at === at))).toEqual([]);
      // kubeadm keeps anonymous auth on: the real API server answers 200 to 1.1's anonymous curl.
      expect(complete.probes.find((probe) => probe.at === '1.1/kubeconfig/api-server-answers')?.output).toBe('200');

      // Node terminals: worker1's real routes to the other nodes' pod subnets through flannel's vxlan device.
      const api = KubernetesObjectApi.makeApiClient(testKubeConfig());
      const master1 = (await api.read({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'master1' } })) as { spec?: { podCIDR?: string } };
      const master1Cidr = master1.spec?.podCIDR ?? '';
      const ipRoute = complete.typed.find((line) => line.terminal === 'worker1' && withoutComment(line.command) === 'ip route');
      expect(ipRoute?.output).toContain(`${master1Cidr} via ${master1Cidr.replace(/\/24$/, '')} dev flannel.1 onlink`);

      // 1.9 source NAT, from nginx's real access log: the client of the NodePort request on master1 is master1
      // (its flannel.1 address: the request leaves master1 through the vxlan device after masquerading),
      // never the jumphost 10.1.1.5.
      const flannelAddress = (await runIn(docker, 'master1', "ip -4 -o addr show flannel.1 | awk '{print $4}' | cut -d/ -f1")).output.trim();
      const logs = typed('kubectl logs nginx --tail=5')?.output ?? '';
      const lines = logs.trim().split('\n').filter((line) => /^\d+\.\d+\.\d+\.\d+ /.test(line));
      const client = lines.at(-1)?.split(' ')[0];
      expect(client, logs).toBe(flannelAddress);
      expect(client).not.toBe('10.1.1.5');

      // The journal: every step opened, then completed, in course order.
      const entries = await readJournal(complete.journal);
      const opened = entries.filter((entry) => entry.type === 'step-opened').map((entry) => `${entry.labId}/${entry.stepId}`);
      expect(opened).toEqual(scripts.map((script) => `${script.labId}/${script.stepId}`));
      const firstPass = new Map<string, number>();
      for (const entry of entries) if (entry.type === 'check-passed' && entry.stepId) firstPass.set(`${entry.labId}/${entry.stepId}`, Math.min(firstPass.get(`${entry.labId}/${entry.stepId}`) ?? Infinity, entry.seq));
      // Steps of the open lab are judged before they are opened (the attendee may be ahead of the page), but
      // nothing passes before its lab was opened.
      const labOpenedSeq = new Map<string, number>();
      for (const entry of entries) if (entry.type === 'lab-opened' || entry.type === 'step-opened') labOpenedSeq.set(entry.labId, Math.min(labOpenedSeq.get(entry.labId) ?? Infinity, entry.seq));
      for (const [step, seq] of firstPass) expect(seq, `${step} passed a check before its lab was opened`).toBeGreaterThan(labOpenedSeq.get(step.split('/')[0]!) ?? Infinity);
    },
    RUN_TIMEOUT_MS,
  );

  it('labdeck grade --journal on that run reports all nine labs complete, each check with its evidence', async () => {
    expect(complete, 'the complete run').toBeDefined();
    const { exitCode, report } = await labdeckGrade({ journal: complete!.journal });
    // Every recorded pass holds up when re-judged on its own evidence.
    expect(report.evidence?.refused ?? []).toEqual([]);
    const expectedOpen = new Set(EXPECTED_TO_FAIL.map(({ labId, stepId }) => `${labId}/${stepId}`));
    expect(report.journal.map((lab) => lab.lab)).toEqual(['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9']);
    expect(exitCode).toBe(expectedOpen.size === 0 ? 0 : 1);
    for (const lab of report.journal) {
      for (const step of lab.steps) {
        if (expectedOpen.has(`${lab.lab}/${step.id}`)) continue;
        expect(step.status, `${lab.lab}/${step.id}`).toBe('complete');
        for (const check of step.checks.filter((graded) => graded.status !== 'context')) {
          expect(check.status, `${lab.lab}/${step.id}/${check.id}`).toBe('passed');
          expect(check.evidence, `${lab.lab}/${step.id}/${check.id} has evidence`).toBeDefined();
          expect(check.passedAt, `${lab.lab}/${step.id}/${check.id} has a pass time`).toBeDefined();
        }
      }
    }
    // Command evidence is the line the attendee typed, with its real exit code.
    const refused = report.journal.find((lab) => lab.lab === '1.9')?.steps.find((step) => step.id === 'port-range')?.checks.find((check) => check.id === 'refused-outside-range');
    expect(JSON.stringify(refused?.evidence)).toContain('--node-port=29999');
    expect(JSON.stringify(refused?.evidence)).toMatch(/"exitCode":1/);
  });

  it("a snapshot of that run's end state is reported beside the journal grade, skipping what a snapshot cannot see", async () => {
    expect(complete?.snapshot, 'the snapshot of the complete run').toBeDefined();
    const { exitCode, report } = await labdeckGrade({ journal: complete!.journal, snapshot: complete!.snapshot! });
    const holdsNow = report.holdsNow?.labs ?? [];
    expect(holdsNow.map((lab) => lab.lab)).toEqual(report.journal.map((lab) => lab.lab));
    const checks = holdsNow.flatMap((lab) => lab.steps.flatMap((step) => step.checks.map((check) => ({ at: `${lab.lab}/${step.id}/${check.id}`, ...check }))));
    // Commands, probes and HTTP are not in a snapshot: skipped, never passed.
    const unseen = checks.filter((check) => check.kind !== 'resource');
    expect(unseen.length).toBeGreaterThan(0);
    expect(unseen.filter((check) => check.status !== 'skipped').map((check) => `${check.at}: ${check.status}`)).toEqual([]);
    // The recommended kubectl get captured every kind the checks select: no resource check is skipped.
    expect(checks.filter((check) => check.kind === 'resource' && check.status === 'skipped').map((check) => check.at)).toEqual([]);
    // Later labs undo earlier end states (1.5 brings back the pod nginx that 1.2 deleted): the end state fails
    // steps the journal credits, and the grade still comes from the journal.
    expect(checks.find((check) => check.at === '1.2/delete-yaml-pod/nginx-gone')?.status).toBe('failed');
    expect(exitCode).toBe(EXPECTED_TO_FAIL.length === 0 ? 0 : 1);
  });

  it(
    'an attendee whose Service nginx forwards to targetPort 8080 leaves 1.5 open: curl through the Service really fails',
    async () => {
      let edited = false;
      const editFile = (name: string, content: string) => {
        if (name !== 'nginx-service.yaml') return content;
        const changed = content.replace(/^(\s*)nodePort: 30080\n/m, '$1nodePort: 30080\n$1targetPort: 8080\n');
        edited = changed !== content;
        return changed;
      };
      const lab = scripts.filter((script) => script.labId === '1.5');
      wrong = await attend(catalog, lab, { editFile, stepTimeoutMs: 30_000, runLabel: 'wrong-target-port' });
      expect(edited, 'nginx-service.yaml no longer has the line this wrong world changes').toBe(true);
      expect(wrong.open.map(({ labId, stepId }) => `${labId}/${stepId}`), JSON.stringify(wrong.open, null, 2)).toEqual(['1.5/pod-and-service', '1.5/curl-from-jumphost']);
      // curl-from-jumphost has no check of the Service's fields: only the traffic through it keeps it open.
      expect(wrong.open.find((step) => step.stepId === 'curl-from-jumphost')?.notPassed.map((line) => line.split(':')[0])).toEqual(['service-answers']);
      expect(wrong.open.find((step) => step.stepId === 'pod-and-service')?.notPassed.map((line) => line.split(':')[0])).toContain('traffic-reaches-nginx');
      const runs = (at: string) => wrong!.probes.filter((probe) => probe.at === `1.5/${at}`);
      // The pod answers on its own address, so nginx is up; kube-proxy's DNAT to port 8080 is refused by the pod.
      expect(runs('curl-from-jumphost/pod-answers').filter((probe) => probe.exitCode === 0 && probe.output === '200').length).toBeGreaterThan(0);
      expect(runs('curl-from-jumphost/service-answers').length).toBeGreaterThan(0);
      expect(runs('curl-from-jumphost/service-answers').filter((probe) => probe.exitCode === 0)).toEqual([]);
      expect(runs('pod-and-service/traffic-reaches-nginx').length).toBeGreaterThan(0);
      expect(runs('pod-and-service/traffic-reaches-nginx').filter((probe) => probe.exitCode === 0 || probe.output.includes('Welcome to nginx'))).toEqual([]);
      // The attendee's own curls: the pod answers, the ClusterIP and the NodePort do not.
      const typedExit = (command: string) => wrong!.typed.find((line) => line.command === command)?.exitCode;
      expect(typedExit('curl http://$POD_IP')).toBe(0);
      expect(typedExit('curl http://$CLUSTER_IP')).not.toBe(0);
      expect(typedExit('curl http://10.1.1.7:30080')).not.toBe(0);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'an attendee making one mistake in every lab leaves exactly the steps it concerns open, each saying why',
    async () => {
      const byLine = new Map(MISTAKES.filter((mistake) => mistake.line !== undefined).map((mistake) => [`${mistake.labId}/${mistake.line}`, mistake]));
      const used = new Set<string>();
      const alter = (line: { labId: string; stepId: string; text: string; terminal: string }) => {
        if (MISTAKES.some((mistake) => mistake.skipStep && mistake.labId === line.labId && mistake.stepId === line.stepId)) return null;
        const mistake = byLine.get(`${line.labId}/${withoutComment(line.text)}`);
        if (!mistake) return line;
        used.add(mistake.name);
        return mistake.typed === null ? null : { text: mistake.typed ?? line.text, terminal: mistake.terminal ?? line.terminal };
      };
      mistaken = await attend(catalog, scripts, { alter, stepTimeoutMs: 12_000, runLabel: 'one-mistake-per-lab' });
      expect([...byLine.values()].filter((mistake) => !used.has(mistake.name)).map((mistake) => mistake.name), 'mistakes whose line is no longer in the script').toEqual([]);
      const open = new Map(mistaken.open.map((step) => [`${step.labId}/${step.stepId}`, step.notPassed]));
      expect([...open.keys()].sort(), JSON.stringify(mistaken.open, null, 2)).toEqual(MISTAKES.map((mistake) => `${mistake.labId}/${mistake.stepId}`).sort());
      for (const mistake of MISTAKES) {
        const notPassed = open.get(`${mistake.labId}/${mistake.stepId}`) ?? [];
        expect(notPassed.map((line) => line.split(':')[0]).sort(), mistake.name).toEqual([...mistake.open].sort());
        expect(notPassed.join('\n'), mistake.name).toMatch(mistake.cause);
      }
      // The grader sees the same from the journal: exactly those steps incomplete, every other one complete.
      const { exitCode, report } = await labdeckGrade({ journal: mistaken.journal });
      expect(exitCode).toBe(1);
      const notComplete = report.journal.flatMap((lab) => lab.steps.filter((step) => step.status !== 'complete').map((step) => `${lab.lab}/${step.id} ${step.status}`));
      expect(notComplete.sort()).toEqual(MISTAKES.map((mistake) => `${mistake.labId}/${mistake.stepId} incomplete`).sort());
    },
    RUN_TIMEOUT_MS,
  );
});
