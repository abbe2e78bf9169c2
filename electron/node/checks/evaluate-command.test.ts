import { describe, expect, it } from 'vitest';
import { CheckSpecSchema, type CommandCheck } from '../course-format/check-spec.ts';
import type { CheckWorld, CommandRecord, KubeObject } from './check-world.ts';
import { evaluateCommand, exitCodeOf } from './evaluate-command.ts';
import { parseShellLine } from './command-line.ts';
import { selectObjects } from './object-filter.ts';

const check = (spec: Record<string, unknown>): CommandCheck => CheckSpecSchema.parse({ id: 'c', title: 'You ran it', kind: 'command', ...spec }) as CommandCheck;
const record = (command: string, exitCode = 0, extra: Partial<CommandRecord> = {}): CommandRecord => ({ time: '2026-01-01T00:00:00Z', command, exitCode, ...extra });
const world = (commands: CommandRecord[], objects: KubeObject[] = []): CheckWorld => ({
  listObjects: async (selector) => selectObjects(objects, selector),
  commandRecords: async () => commands,
  runProbe: async () => null,
  httpGet: async () => null,
});
const status = async (spec: CommandCheck, ...lines: Array<string | CommandRecord>) => (await evaluateCommand(spec, world(lines.map((line) => (typeof line === 'string' ? record(line) : line)), OBJECTS))).status;

const OBJECTS: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'default' }, status: { podIP: '10.244.1.5' } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { clusterIP: '10.96.12.34' } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1' } },
];

describe('structured command checks', () => {
  const getPodsInProduction = check({ command: { program: 'kubectl', args: ['get', 'pods'], flags: { namespace: 'production' } }, exitCode: 0 });

  it('accept every spelling of the same command', async () => {
    for (const line of ['kubectl -n production get pods', 'k get po -n production', 'kubectl get pod --namespace=production -o wide', ]) {
      expect(await status(getPodsInProduction, line), line).toBe('passed');
    }
    expect(await status(getPodsInProduction, record('kubectl get pods -n production | grep mypod', 0, { pipeStatus: [0, 0] }))).toBe('passed');
  });

  it('say how the closest command differs', async () => {
    const verdict = await evaluateCommand(getPodsInProduction, world([record('kubectl get pods'), record('ls')]));
    expect(verdict).toMatchObject({ status: 'failed' });
    expect(verdict.message).toContain('`kubectl get pods` has no --namespace production');
    expect((await evaluateCommand(getPodsInProduction, world([record('kubectl get svc -n production')]))).message).toContain('has services as argument 2, expected pods');
  });

  it('take the exit code of the matched command, not of the pipe after it', async () => {
    expect(await status(getPodsInProduction, record('kubectl get pods -n production | grep nothing', 1, { pipeStatus: [0, 1] }))).toBe('passed');
    expect(await status(getPodsInProduction, record('kubectl get pods -n production | grep x', 0, { pipeStatus: [1, 0] }))).toBe('failed');
    expect(await status(getPodsInProduction, record('kubectl get pods -n production', 1))).toBe('failed');
    const refused = check({ command: { program: 'kubectl', args: ['create', 'service', 'nodeport', 'range-test'] }, exitCode: 1 });
    expect(await status(refused, record('kubectl create svc nodeport range-test --tcp=80:80 --node-port=29999', 1))).toBe('passed');
  });

  it('match flags given as switches, values with globs, and flags that must be absent', async () => {
    const wide = check({ command: { program: 'kubectl', args: ['get', 'nodes'], flags: { output: 'wide' } } });
    expect(await status(wide, 'kubectl get no -owide')).toBe('passed');
    expect(await status(wide, 'kubectl get nodes -o yaml')).toBe('failed');
    const apply = check({ command: { program: 'kubectl', args: ['apply'], flags: { filename: '*nginx-pod.yaml' } } });
    expect(await status(apply, 'kubectl apply -f ./manifests/nginx-pod.yaml')).toBe('passed');
    const allNamespaces = check({ command: [{ program: 'kubectl', args: ['get', 'pods'], flags: { 'all-namespaces': true } }, { program: 'kubectl', args: ['get', 'pods'], flags: { namespace: 'kube-system' } }] });
    expect(await status(allNamespaces, 'kubectl get pods -A')).toBe('passed');
    expect(await status(allNamespaces, 'kubectl get -n kube-system po')).toBe('passed');
    const noWatch = check({ command: { program: 'kubectl', args: ['get', 'pods'], flags: { watch: false } } });
    expect(await status(noWatch, 'kubectl get pods -w')).toBe('failed');
  });

  it('match a delete of exactly the named object', async () => {
    const deleteNginx = check({ command: [{ program: 'kubectl', args: ['delete', 'pods', 'nginx'] }, { program: 'kubectl', args: ['delete'], flags: { filename: '*nginx-pod.yaml' } }] });
    expect(await status(deleteNginx, 'kubectl delete pod/nginx')).toBe('passed');
    expect(await status(deleteNginx, 'kubectl delete po nginx-kubectl')).toBe('failed');
  });

  it('match the command an exec runs after --', async () => {
    const lookup = check({ command: { program: 'kubectl', args: ['exec', 'alpine'], then: { program: 'nslookup', args: ['nginx.default.svc.cluster.local'] } } });
    expect(await status(lookup, 'kubectl exec -it alpine -- nslookup nginx.default.svc.cluster.local')).toBe('passed');
    expect(await status(lookup, 'kubectl exec alpine -- nslookup nginx')).toBe('failed');
  });

  it('only count commands typed in the terminal the check asks for', async () => {
    const onNode = check({ command: { program: 'iptables', flags: { table: 'nat', list: 'KUBE-SERVICES' }, on: 'node' } });
    expect(await status(onNode, record('sudo iptables -t nat -L KUBE-SERVICES -n', 0, { terminal: 'worker1' }))).toBe('passed');
    const verdict = await evaluateCommand(onNode, world([record('iptables -t nat -L KUBE-SERVICES', 3)]));
    expect(verdict.message).toContain('was typed in the jumphost terminal; this one belongs in node');
  });
});

describe('curl targets', () => {
  const reachNginx = check({
    command: [
      { program: 'curl', url: { host: ['${pod:default/nginx}.status.podIP', '${service:default/nginx}.spec.clusterIP'], port: 80 } },
      { program: 'curl', url: { host: ['worker1', '10.1.1.7', 'worker2', '10.1.1.8', 'master1', '10.1.1.10'], port: 30080 } },
    ],
    exitCode: 0,
  });

  it('accept the pod, the Service and a node by name or address', async () => {
    for (const line of ['curl http://10.244.1.5', 'curl -s 10.96.12.34/', 'curl http://worker1:30080', 'curl 10.1.1.8:30080/index.html']) {
      expect(await status(reachNginx, line), line).toBe('passed');
    }
  });

  it('refuse other targets, naming the expected address', async () => {
    const verdict = await evaluateCommand(reachNginx, world([record('curl -k https://10.96.0.1')], OBJECTS));
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toContain('points at 10.96.0.1, which is not 10.244.1.5 or 10.96.12.34');
    expect(await status(reachNginx, 'curl http://worker1:8080')).toBe('failed');
    expect(await status(reachNginx, 'curl http://10.244.1.6')).toBe('failed');
  });

  it('follow variables, including one filled by kubectl get -o jsonpath', async () => {
    expect(await status(reachNginx, 'POD_IP=10.244.1.5', 'curl http://$POD_IP/')).toBe('passed');
    expect(await status(reachNginx, `POD_IP=$(kubectl get pod nginx -o jsonpath='{.status.podIP}')`, 'curl "http://${POD_IP}"')).toBe('passed');
    expect(await status(reachNginx, `IP=$(kubectl get svc kubernetes -o jsonpath='{.spec.clusterIP}')`, 'curl http://$IP')).toBe('failed');
    const unset = await evaluateCommand(reachNginx, world([record('curl http://$POD_IP/')], OBJECTS));
    expect(unset.message).toContain('$POD_IP is not set in that shell');
  });

  it('find curl inside a loop, with the loop\'s status', async () => {
    const loop = 'for i in $(seq 1 12); do curl -s -o /dev/null http://10.96.12.34; done';
    expect(await status(reachNginx, loop)).toBe('passed');
    expect(await status(reachNginx, record(loop, 7))).toBe('failed');
  });

  it('keep the lines that set the variables, and the live values, as evidence', async () => {
    const lines = [record(`POD_IP=$(kubectl get pod nginx -o jsonpath='{.status.podIP}')`), record('ls'), record('curl http://$POD_IP/')];
    const verdict = await evaluateCommand(reachNginx, world(lines, OBJECTS));
    expect(verdict.evidence).toMatchObject({
      matched: { command: 'curl http://$POD_IP/' },
      assignedBy: [{ command: `POD_IP=$(kubectl get pod nginx -o jsonpath='{.status.podIP}')` }],
      resolved: { '${pod:default/nginx}.status.podIP': '10.244.1.5', '${service:default/nginx}.spec.clusterIP': '10.96.12.34' },
    });
  });

  it('know variables set before the evidence window, without counting those lines', async () => {
    const scoped: CheckWorld = { ...world([record('curl http://$POD_IP/')], OBJECTS), earlierCommandRecords: async () => [record('POD_IP=10.244.1.5'), record('curl http://10.244.1.5/')] };
    expect((await evaluateCommand(reachNginx, scoped)).status).toBe('passed');
    const onlyEarlier: CheckWorld = { ...world([], OBJECTS), earlierCommandRecords: async () => [record('curl http://10.244.1.5/')] };
    expect((await evaluateCommand(reachNginx, onlyEarlier)).status).toBe('failed');
  });

  it('keep variables per shell', async () => {
    const lines = [record('POD_IP=10.244.1.5', 0, { shellPid: 1 }), record('curl http://$POD_IP/', 0, { shellPid: 2 })];
    expect((await evaluateCommand(reachNginx, world(lines, OBJECTS))).status).toBe('failed');
  });
});

describe('values naming live objects', () => {
  const lookup = check({ command: { program: 'kubectl', args: ['exec', 'alpine'], then: { program: ['nslookup', 'ping'], args: ['${pod-dns:default/nginx}'] } }, exitCode: 0 });

  it('accept only the DNS name built from the attendee\'s own pod IP', async () => {
    expect(await status(lookup, 'kubectl exec -it alpine -- nslookup 10-244-1-5.default.pod.cluster.local')).toBe('passed');
    expect(await status(lookup, 'kubectl exec alpine -- ping -c 3 10-244-1-5.default.pod.cluster.local')).toBe('passed');
    // CoreDNS answers any IP-shaped name, so a made-up one would resolve too; it must not count.
    const verdict = await evaluateCommand(lookup, world([record('kubectl exec alpine -- nslookup 10-244-9-9.default.pod.cluster.local')], OBJECTS));
    expect(verdict.message).toContain('expected 10-244-1-5.default.pod.cluster.local');
  });

  it('say so when the pod has no IP to build the name from', async () => {
    const verdict = await evaluateCommand(lookup, world([record('kubectl exec alpine -- nslookup 10-244-1-5.default.pod.cluster.local')], []));
    expect(verdict.message).toContain('the DNS name of pod default/nginx (it has no IP yet)');
  });

  it('resolve references in option values', async () => {
    const logs = check({ command: { program: 'kubectl', args: ['get', 'endpoints'], flags: { 'field-selector': 'metadata.name=${service:default/nginx}.metadata.name' } } });
    expect(await status(logs, 'kubectl get ep --field-selector metadata.name=nginx')).toBe('passed');
  });
});

describe('pattern fallback', () => {
  it('runs RE2 patterns, alone or together with a matcher', async () => {
    expect(await status(check({ pattern: '^kubectl get nodes' }), 'kubectl get nodes -o wide')).toBe('passed');
    const both = check({ pattern: 'wide$', command: { program: 'kubectl', args: ['get', 'nodes'] } });
    expect(await status(both, 'kubectl get nodes')).toBe('failed');
    expect(await status(both, 'kubectl get nodes -o wide')).toBe('passed');
  });

  it('does not hang on a catastrophic pattern', async () => {
    const started = performance.now();
    expect(await status(check({ pattern: '^(a+)+$' }), `${'a'.repeat(40)}!`)).toBe('failed');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reports a pattern RE2 cannot compile as a broken check', async () => {
    expect(await status(check({ pattern: 'nginx\\b(?!-)' }), 'kubectl delete pod nginx')).toBe('error');
  });

  it('needs a matcher or a pattern', () => {
    expect(() => check({})).toThrow(/needs `command`/);
  });
});

describe('exit codes of simple commands in a line', () => {
  const codes = (line: string, exitCode: number, pipeStatus?: number[]) => {
    const { commands } = parseShellLine(line);
    return commands.map((_, index) => exitCodeOf({ time: '', command: line, exitCode, ...(pipeStatus ? { pipeStatus } : {}) }, commands, index));
  };

  it('are known only where the record can tell', () => {
    expect(codes('a && b', 0)).toEqual([0, 0]);
    expect(codes('a && b', 1)).toEqual([undefined, 1]);
    expect(codes('a; b', 0)).toEqual([undefined, 0]);
    expect(codes('a | b', 1, [0, 1])).toEqual([0, 1]);
    expect(codes('a | b', 1)).toEqual([undefined, 1]);
    expect(codes('for i in 1 2; do curl x; done', 7)).toEqual([undefined, 7, 7]);
  });
});

describe('commands from the laptop (lab 1.9 from-laptop)', () => {
  const fromLaptop = check({
    command: [
      { program: 'open', url: { scheme: 'http', host: ['localhost', '127.0.0.1'], nodePort: 30080 }, on: 'browser' },
      { program: ['curl', 'wget'], url: { host: ['localhost', '127.0.0.1'], nodePort: 30080 }, on: 'host' },
    ],
    exitCode: 0,
  });
  const published = (port: number | null): CheckWorld => ({ ...world([]), publishedPort: async () => port });
  const verdict = (records: CommandRecord[], port: number | null = 30080) =>
    evaluateCommand(fromLaptop, { ...published(port), commandRecords: async () => records });

  it('accept curl in the Host terminal and the opened link, on the published port', async () => {
    expect((await verdict([record('curl http://localhost:30080/', 0, { terminal: 'host' })])).status).toBe('passed');
    expect((await verdict([record('open http://localhost:30080/', 0, { terminal: 'browser' })])).status).toBe('passed');
    // 30080 was taken on this laptop: the environment published it on 30081, and only that port leads to nginx.
    expect((await verdict([record('curl -s localhost:30081', 0, { terminal: 'host' })], 30081)).status).toBe('passed');
    const wrongPort = await verdict([record('curl -s localhost:30080', 0, { terminal: 'host' })], 30081);
    expect(wrongPort.status).toBe('failed');
    expect(wrongPort.message).toContain('where this computer publishes nodePort 30080');
  });

  it('refuse the same command on the jumphost or a node, and another port', async () => {
    const jumphost = await verdict([record('curl http://localhost:30080/')]);
    expect(jumphost.status).toBe('failed');
    expect(jumphost.message).toMatch(/was typed in the jumphost terminal; this one belongs in host/);
    expect((await verdict([record('curl http://localhost:30080/', 0, { terminal: 'master1' })])).status).toBe('failed');
    expect((await verdict([record('curl http://localhost:8080/', 0, { terminal: 'host' })])).status).toBe('failed');
    expect((await verdict([record('curl http://localhost:30080/', 7, { terminal: 'host' })])).status).toBe('failed');
  });

  it('keep `on: node` for node shells only', async () => {
    const onNode = check({ command: { program: 'ip', args: ['route'], on: 'node' } });
    expect(await status(onNode, record('ip route', 0, { terminal: 'worker1' }))).toBe('passed');
    for (const terminal of ['host', 'browser', 'jumphost']) expect(await status(onNode, record('ip route', 0, { terminal })), terminal).toBe('failed');
  });
});

describe('what bash really ran (the jumphost DEBUG trap record)', () => {
  const getNodes = check({ command: { program: 'kubectl', args: ['get', 'nodes'] }, exitCode: 0 });
  const traced = (command: string, exitCode: number, ran: Array<[string, number]>) => record(command, exitCode, { ran: ran.map(([line, code]) => ({ command: line, exitCode: code })) });

  it('knows the status of a command followed by `;`', async () => {
    expect(await status(getNodes, traced('kubectl get nodes; echo hi', 0, [['kubectl get nodes', 0], ['echo hi', 0]]))).toBe('passed');
    expect(await status(getNodes, traced('kubectl get nodes; echo hi', 0, [['kubectl get nodes', 1], ['echo hi', 0]]))).toBe('failed');
    expect(await status(getNodes, traced('k get no ; date', 0, [['kubectl get no', 0], ['date', 0]]))).toBe('passed');
    // Without the trace, the same line cannot tell kubectl's status apart (the line's is date's).
    expect(await status(getNodes, record('kubectl get nodes; date', 0))).toBe('failed');
  });

  it('credits nothing bash did not run: a line put into history with `history -s`, a command `&&` skipped', async () => {
    expect(await status(getNodes, traced('kubectl get nodes', 0, [['history -s "kubectl get nodes"', 0]]))).toBe('failed');
    expect(await status(getNodes, traced('false && kubectl get nodes', 1, [['false', 1]]))).toBe('failed');
    expect(await status(getNodes, traced('true && kubectl get nodes', 0, [['true', 0], ['kubectl get nodes', 0]]))).toBe('passed');
  });

  it('still takes a pipeline member\'s status from PIPESTATUS (members run side by side)', async () => {
    const piped = { ...traced('kubectl get nodes | grep master1', 0, [['kubectl get nodes', 0], ['grep master1', 0]]), pipeStatus: [1, 0] };
    expect(await status(getNodes, piped)).toBe('failed');
    expect(await status(getNodes, { ...piped, pipeStatus: [0, 0] })).toBe('passed');
  });
});

describe('exit codes that are not the action', () => {
  const getPods = check({ command: { program: 'kubectl', args: ['get', 'pods'] } });
  const started = (seconds: number) => ({ startedAt: '2026-01-01T00:00:00.000Z', time: new Date(Date.parse('2026-01-01T00:00:00.000Z') + seconds * 1000).toISOString() });

  it('require exit 0 when the check names no exit code, and never count 126, 127 or a signal', async () => {
    expect(await status(getPods, record('kubectl get pods', 1))).toBe('failed');
    expect(await status(getPods, record('kubectl get pods', 127))).toBe('failed');
    expect(await status(getPods, record('kubectl get pods', 137))).toBe('failed');
    expect(await status(check({ command: { program: 'kubectl', args: ['get', 'pods'] }, exitCode: [0, 1] }), record('kubectl get pods', 1))).toBe('passed');
  });

  it('credit a watch the attendee stopped with Ctrl-C after it ran, not one kubectl refused at once', async () => {
    expect(await status(getPods, record('kubectl get pods -w', 1, started(5)))).toBe('passed');
    expect(await status(getPods, record('kubectl get pods --watch', 130, started(3)))).toBe('passed');
    expect(await status(getPods, record('kubectl get pods -w', 1, started(0.2)))).toBe('failed');
    expect(await status(getPods, record('kubectl get pods', 1, started(5)))).toBe('failed');
    expect(await status(getPods, record('watch -n 1 kubectl get pods', 0, started(10)))).toBe('passed');
  });

  it('do not credit kubectl\'s refusals, its help or a dry run', async () => {
    const exec = check({ command: { program: 'kubectl', args: ['exec', 'alpine'], then: { program: 'nslookup', args: ['nginx'] } }, exitCode: [0, 1] });
    const refused = await evaluateCommand(exec, world([record('kubectl exec -it alpine nslookup nginx', 1)]));
    expect(refused).toMatchObject({ status: 'failed', message: expect.stringContaining('without `--`') });
    expect(await status(exec, record('kubectl exec -it alpine -- nslookup nginx', 1))).toBe('passed');
    expect(await status(getPods, 'kubectl get pods --help')).toBe('failed');
    expect(await status(getPods, 'kubectl get pods --bogus')).toBe('failed');
    const run = check({ command: { program: 'kubectl', args: ['run', 'alpine'] } });
    expect(await status(run, 'kubectl run alpine --image=busybox --dry-run=client -o yaml')).toBe('failed');
    expect(await status(run, 'kubectl run alpine --image=busybox')).toBe('passed');
  });
});
