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

  it('refuse the `kubectl exec POD COMMAND` form without --, which kubectl 1.33 no longer runs', () => {
    const [refused] = parseShellLine('kubectl exec -it alpine nslookup nginx').commands.map((command) => parseInvocation(command.words));
    expect(refused?.then).toBeUndefined();
    expect(refused?.refusal?.reason).toContain('without `--`');
    const [accepted] = parseShellLine('kubectl exec -it alpine -- nslookup nginx').commands.map((command) => parseInvocation(command.words));
    expect(accepted?.refusal).toBeUndefined();
  });
});

describe('kubectl read with its own parser (the generated table of the cluster\'s kubectl)', () => {
  const refusalOf = (line: string) => parseShellLine(line).commands.map((command) => parseInvocation(command.words))[0]?.refusal?.reason;

  it('take options before the verb, clustered, attached or with =, as pflag does', () => {
    for (const line of ['kubectl -n production get pods', 'kubectl get pods -nproduction', 'kubectl get pods -n=production', 'kubectl get --namespace production pods', 'k get po --namespace=production']) {
      expect(read(line)[0], line).toMatchObject({ args: ['get', 'pods'], flags: { namespace: ['production'] } });
      expect(refusalOf(line), line).toBeUndefined();
    }
    // A switch never takes the next word: `-w` leaves `pods` a positional argument.
    expect(read('kubectl get -w pods')[0]).toMatchObject({ args: ['get', 'pods'], flags: { watch: [true] } });
    // The same letter means another option under another command.
    expect(read('kubectl logs -f nginx')[0]).toMatchObject({ flags: { follow: [true] } });
    expect(read('kubectl apply -f nginx.yaml')[0]).toMatchObject({ flags: { filename: ['nginx.yaml'] } });
  });

  it('name subcommands by their canonical names, whatever alias was typed', () => {
    expect(read('kubectl create svc nodeport web --tcp=80:80')[0]).toMatchObject({ args: ['create', 'service', 'nodeport', 'web'] });
  });

  it('refuse what kubectl refuses: unknown options, a missing value, a switch given a word, no command', () => {
    expect(refusalOf('kubectl get pods --bogus')).toContain('--bogus');
    expect(refusalOf('kubectl get pods -Z')).toContain('-Z');
    expect(refusalOf('kubectl get pods -n')).toContain('without its value');
    expect(refusalOf('kubectl get pods --watch=yes')).toContain('switch');
    expect(refusalOf('kubectl gett pods')).toContain('no command "gett"');
    // exec has no --image: an option of another command is still unknown here.
    expect(refusalOf('kubectl exec alpine --image=x -- ls')).toContain('--image');
  });

  it('read help and dry runs as doing nothing', () => {
    expect(refusalOf('kubectl get nodes --help')).toContain('help');
    expect(refusalOf('kubectl get nodes -h')).toContain('help');
    expect(refusalOf('kubectl run alpine --image=busybox --dry-run=client')).toContain('dry run');
    expect(refusalOf('kubectl run alpine --image=busybox --dry-run')).toContain('dry run');
    expect(refusalOf('kubectl run alpine --image=busybox --dry-run=none')).toBeUndefined();
    expect(refusalOf('curl --help')).toContain('help');
  });

  it('read the command watch repeats, with its options and as one quoted line', () => {
    expect(read('watch -n 1 kubectl get pods')[0]).toMatchObject({ program: 'kubectl', args: ['get', 'pods'] });
    expect(read('watch -n1 -d kubectl get pods -o wide')[0]).toMatchObject({ program: 'kubectl', args: ['get', 'pods'], flags: { output: ['wide'] } });
    expect(read("watch --interval=2 'kubectl get pods -o wide'")[0]).toMatchObject({ program: 'kubectl', args: ['get', 'pods'], flags: { output: ['wide'] } });
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
