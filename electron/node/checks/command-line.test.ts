import { describe, expect, it } from 'vitest';
import { parseInvocation, type Invocation } from './command-grammar.ts';
import { parseShellLine, wordDisplay, wordText } from './command-line.ts';

/** The line's commands as plain data: program, arguments, options (value or true) and the command after --. */
function read(line: string, previous?: string) {
  const variables = previous === undefined ? undefined : parseShellLine(previous).variables;
  return parseShellLine(line, variables).commands.map((command) => summary(parseInvocation(command.words)));
}

function summary(invocation: Invocation | null | undefined): unknown {
  if (!invocation) return null;
  return {
    program: invocation.program,
    args: invocation.args.map(wordDisplay),
    flags: Object.fromEntries([...invocation.flags].map(([name, values]) => [name, values.map((value) => (value === true ? true : wordDisplay(value)))])),
    ...(invocation.then ? { then: summary(invocation.then) } : {}),
  };
}

describe('shell lines', () => {
  it('remove quotes and escapes the way bash does', () => {
    const [command] = parseShellLine(`kubectl get pods -o jsonpath='{.items[*].status.podIP}' "a b" c\\ d`).commands;
    expect(command?.words.map(wordText)).toEqual(['kubectl', 'get', 'pods', '-o', 'jsonpath={.items[*].status.podIP}', 'a b', 'c d']);
  });

  it('cut the line into pipelines and lists, with redirections and comments left out', () => {
    const commands = parseShellLine('kubectl get pods 2>&1 | grep nginx > out.txt && echo ok; ls # done').commands;
    expect(commands.map((command) => command.words.map(wordText).join(' '))).toEqual(['kubectl get pods', 'grep nginx', 'echo ok', 'ls']);
    expect(commands.map((command) => [command.pipelineIndex, command.pipelineLength, command.next])).toEqual([[0, 2, '&&'], [1, 2, '&&'], [0, 1, ';'], [0, 1, null]]);
  });

  it('expand variables assigned earlier on the line or by an earlier line of the same shell', () => {
    expect(read('curl http://$POD_IP/', 'POD_IP=10.244.1.5')).toEqual([expect.objectContaining({ args: ['http://10.244.1.5/'] })]);
    expect(read('export NS=production; kubectl get pods -n "${NS}"')[1]).toMatchObject({ flags: { namespace: ['production'] } });
    // A command substitution is kept as written: it is only known at run time.
    expect(read(`IP=$(kubectl get svc nginx -o jsonpath='{.spec.clusterIP}'); curl $IP`)[1]).toMatchObject({ args: [`$(kubectl get svc nginx -o jsonpath='{.spec.clusterIP}')`] });
  });

  it('keep a variable nobody assigned visible as unknown', () => {
    const [command] = parseShellLine('curl http://$NOPE/').commands;
    expect(wordText(command!.words[1]!)).toBeNull();
    expect(wordDisplay(command!.words[1]!)).toBe('http://$NOPE/');
  });

  it('do not let `A=1 cmd` leak A into later lines', () => {
    const { variables } = parseShellLine('A=1 kubectl get pods');
    expect(variables.has('A')).toBe(false);
  });
});

describe('kubectl invocations', () => {
  it('read options anywhere, short or long, with = or a separate value', () => {
    const expected = { program: 'kubectl', args: ['get', 'pods'], flags: { namespace: ['production'] } };
    for (const line of ['kubectl get pods -n production', 'kubectl -n production get pods', 'k get po --namespace=production', 'kubectl get pod --namespace production', 'kubectl get pods -nproduction', 'kubectl get pods -n=production']) {
      expect(read(line), line).toEqual([expected]);
    }
  });

  it('know that -f follows logs but names a file elsewhere', () => {
    expect(read('kubectl logs -f pod/nginx --tail=5')).toEqual([{ program: 'kubectl', args: ['logs', 'nginx'], flags: { follow: [true], tail: ['5'] } }]);
    expect(read('kubectl logs --tail 5 nginx')).toEqual([{ program: 'kubectl', args: ['logs', 'nginx'], flags: { tail: ['5'] } }]);
    expect(read('kubectl apply -f nginx-pod.yaml')).toEqual([{ program: 'kubectl', args: ['apply'], flags: { filename: ['nginx-pod.yaml'] } }]);
  });

  it('normalise resource short names and type/name', () => {
    expect(read('kubectl describe deploy/nginx-deployment')[0]).toMatchObject({ args: ['describe', 'deployments', 'nginx-deployment'] });
    expect(read('kubectl get svc,ep')[0]).toMatchObject({ args: ['get', 'services,endpoints'] });
    expect(read('kubectl create svc nodeport range-test --tcp=80:80')[0]).toMatchObject({ args: ['create', 'service', 'nodeport', 'range-test'] });
    expect(read('kubectl get ns')[0]).toMatchObject({ args: ['get', 'namespaces'] });
  });

  it('read the command after -- with its own grammar', () => {
    expect(read('kubectl exec -it alpine -- nslookup nginx.default.svc.cluster.local')).toEqual([
      { program: 'kubectl', args: ['exec', 'alpine'], flags: { stdin: [true], tty: [true] }, then: { program: 'nslookup', args: ['nginx.default.svc.cluster.local'], flags: {} } },
    ]);
  });
});

describe('commands inside commands', () => {
  it('read `sh -c` as the command it runs', () => {
    expect(read(`kubectl exec alpine -- sh -c 'nslookup nginx.default.svc.cluster.local'`)[0]).toMatchObject({ then: { program: 'nslookup', args: ['nginx.default.svc.cluster.local'] } });
  });

  it('read the old `kubectl exec POD COMMAND` form (no --) like kubectl 1.20 does', () => {
    expect(read('kubectl exec alpine nslookup nginx')[0]).toMatchObject({ args: ['exec', 'alpine'], then: { program: 'nslookup', args: ['nginx'] } });
  });
});

describe('other tools', () => {
  it('curl: clustered switches and valued options do not eat the URL', () => {
    expect(read('curl -sk -o /dev/null -w "%{http_code}" https://10.96.0.1')).toEqual([{ program: 'curl', args: ['https://10.96.0.1'], flags: { silent: [true], insecure: [true], output: ['/dev/null'], 'write-out': ['%{http_code}'] } }]);
  });

  it('iptables: -L takes a chain only when one follows; sudo is looked through', () => {
    expect(read('sudo iptables -t nat -nL KUBE-SERVICES')[0]).toMatchObject({ program: 'iptables', flags: { table: ['nat'], numeric: [true], list: ['KUBE-SERVICES'] } });
    expect(read('iptables -L -n -t nat')[0]).toMatchObject({ flags: { list: [true], numeric: [true], table: ['nat'] } });
  });

  it('ip: object names may be abbreviated', () => {
    expect(read('ip r')[0]).toMatchObject({ program: 'ip', args: ['route'] });
    expect(read('ip route show')[0]).toMatchObject({ program: 'ip', args: ['route', 'show'] });
  });

  it('the k alias is kubectl, and no other program is taken for kubectl', () => {
    expect(read('k get nodes')[0]).toMatchObject({ program: 'kubectl', args: ['get', 'nodes'] });
    expect(read('crictl ps')[0]).toMatchObject({ program: 'crictl', args: ['ps'] });
    expect(read('kubeadm token list')[0]).toMatchObject({ program: 'kubeadm', args: ['token', 'list'] });
  });
});
