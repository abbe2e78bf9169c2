import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveMirror } from '../dataplane/live-mirror.ts';

/**
 * The commands the test control plane cannot run, run for real in the live mirror (e2e/dataplane/live-mirror.ts)
 * of the cluster the attendee is working on: curl and `hostname` in the harness's jumphost at 10.1.1.5 (the
 * product's jumphost image, with the product's routes), `kubectl exec` in the mirrored pod's container, and
 * `kubectl logs` from that container's log. The attendee's own bash on the product's jumphost hands these
 * calls over (MIRROR_BASH) after it has expanded the line, so `$(kubectl get ...)` and `$POD_IP` are real
 * kubectl answers from the live control plane; every other command runs there for real.
 */

export interface MirrorAnswer {
  exitCode: number;
  output: string;
}

/**
 * A mirrored command that runs longer than this is stopped with exit code 124 (as coreutils timeout), before
 * the terminal gives up waiting for its record (60 s), so a hang shows as a result instead of a lost line.
 */
const MIRROR_TIMEOUT_MS = 45_000;

/** What was handed to the mirror, and what it could not run (each with why). */
export interface MirrorLog {
  asked: string[];
  missing: string[];
  /** Each call with its exit code and (the end of) its output, in order. */
  answered: Array<{ argv: string; exitCode: number; output: string }>;
}

export interface ParsedKubectl {
  namespace: string;
  /** The pod, or undefined with a selector. */
  pod?: string;
  selector?: string;
  flags: Map<string, string | true>;
  /** The command after `--` (exec). */
  command: string[];
}

/** kubectl flags that take a value (as a separate word or after `=`); every other flag is boolean. */
const VALUE_FLAGS = new Map([
  ['-n', 'namespace'],
  ['--namespace', 'namespace'],
  ['-c', 'container'],
  ['--container', 'container'],
  ['-l', 'selector'],
  ['--selector', 'selector'],
  ['--tail', 'tail'],
  ['--since', 'since'],
  ['--context', 'context'],
  ['--kubeconfig', 'kubeconfig'],
  ['--pod-running-timeout', 'pod-running-timeout'],
]);

/** `kubectl exec|logs ...` as kubectl reads its words (flags anywhere before `--`, `-it` bundles, `pod/name`). */
export function parseKubectl(args: readonly string[]): ParsedKubectl {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  let command: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const word = args[index] ?? '';
    if (word === '--') {
      command = args.slice(index + 1);
      break;
    }
    const [name = '', inline] = word.startsWith('--') ? (word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined]) : [word, undefined];
    const valueFlag = VALUE_FLAGS.get(name) ?? (/^-[ncl].+/.test(word) ? VALUE_FLAGS.get(word.slice(0, 2)) : undefined);
    if (valueFlag) {
      if (inline !== undefined) flags.set(valueFlag, inline);
      else if (/^-[ncl].+/.test(word)) flags.set(valueFlag, word.slice(2));
      else flags.set(valueFlag, args[++index] ?? '');
    } else if (word.startsWith('--')) flags.set(name.slice(2), inline ?? true);
    else if (word.startsWith('-') && word.length > 1) for (const letter of word.slice(1)) flags.set(letter, true);
    else positional.push(word);
  }
  const target = positional[0]?.replace(/^(pods?|po)\//, '');
  const namespace = typeof flags.get('namespace') === 'string' ? String(flags.get('namespace')) : 'default';
  const selector = flags.get('selector');
  return { namespace, ...(target ? { pod: target } : {}), ...(typeof selector === 'string' ? { selector } : {}), flags, command };
}

/** Runs one call the attendee's bash handed over; undefined when the mirror has no way to answer it. */
export async function runInMirror(mirror: LiveMirror, argv: readonly string[]): Promise<(MirrorAnswer & { missing?: string }) | undefined> {
  const [program, subcommand] = argv;
  if (program === 'curl' || program === 'hostname') {
    await mirror.sync();
    // In a terminal, as the attendee runs it: without one curl adds its progress meter to the output.
    const outcome = await mirror.harness.exec({ jumphost: true }, ['script', '--quiet', '--return', '--command', argv.map(shellQuote).join(' '), '/dev/null'], { timeoutMs: MIRROR_TIMEOUT_MS });
    return { exitCode: outcome.exitCode, output: outcome.output.replaceAll('\r\n', '\n') };
  }
  if (program !== 'kubectl' || (subcommand !== 'exec' && subcommand !== 'logs')) return undefined;
  const parsed = parseKubectl(argv.slice(2));
  const { world, containerNames } = await mirror.sync();
  const inWorld = (name: string) => world.pods.find((pod) => pod.namespace === parsed.namespace && pod.name === name);

  if (subcommand === 'exec') {
    if (!parsed.pod || parsed.command.length === 0) return { exitCode: 1, output: 'error: you must specify at least one command for the container\n' };
    if (!inWorld(parsed.pod)) return notMirrored(mirror, parsed.namespace, parsed.pod);
    const outcome = await mirror.harness.exec({ pod: { namespace: parsed.namespace, name: parsed.pod } }, parsed.command, { timeoutMs: MIRROR_TIMEOUT_MS });
    // kubectl passes the command's exit code through and says so on stderr.
    return { exitCode: outcome.exitCode, output: outcome.exitCode === 0 ? outcome.output : `${outcome.output}command terminated with exit code ${outcome.exitCode}\n` };
  }

  if (parsed.flags.has('f') || parsed.flags.has('follow')) return { exitCode: 99, output: '', missing: 'kubectl logs -f never ends: not typed by the scripted attendee' };
  let pods: string[];
  if (parsed.selector !== undefined) {
    const wanted = parsed.selector.split(',').map((term) => term.split('='));
    pods = world.pods.filter((pod) => pod.namespace === parsed.namespace && wanted.every(([label = '', value]) => pod.labels[label] === value)).map((pod) => pod.name);
    if (pods.length === 0) return { exitCode: 0, output: `No resources found in ${parsed.namespace} namespace.\n` };
  } else {
    if (!parsed.pod) return { exitCode: 1, output: 'error: expected POD or TYPE/NAME\n' };
    if (!inWorld(parsed.pod)) return notMirrored(mirror, parsed.namespace, parsed.pod);
    pods = [parsed.pod];
  }
  // kubectl: --tail defaults to all lines for one pod, to 10 with a selector.
  const tailFlag = parsed.flags.get('tail');
  const tail = typeof tailFlag === 'string' ? Number(tailFlag) : parsed.selector !== undefined ? 10 : -1;
  let output = '';
  for (const name of pods) {
    const lines = (await mirror.harness.podLogs(parsed.namespace, name)).split('\n').filter((line, index, all) => line !== '' || index < all.length - 1);
    const kept = tail >= 0 ? lines.slice(Math.max(0, lines.length - tail)) : lines;
    const prefix = parsed.flags.has('prefix') ? `[pod/${name}/${containerNames.get(`${parsed.namespace}/${name}`) ?? ''}] ` : '';
    output += kept.map((line) => `${prefix}${line}\n`).join('');
  }
  return { exitCode: 0, output };
}

/** A pod the API server has but the mirror does not (kubectl's own NotFound when the API server has none either). */
function notMirrored(mirror: LiveMirror, namespace: string, name: string): MirrorAnswer & { missing?: string } {
  const why = mirror.translation.skipped.find((reason) => reason.startsWith(`pod ${namespace}/${name}:`));
  if (why) return { exitCode: 99, output: '', missing: why };
  return { exitCode: 1, output: `Error from server (NotFound): pods "${name}" not found\n` };
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\-./:=@%+,]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Serves the attendee's bash on 127.0.0.1 (the test jumphost shares the host's network to reach the control
 * plane): the body is the argv, NUL-separated; the answer is the output, with the exit code in a header.
 */
export async function startMirrorServer(mirror: LiveMirror): Promise<{ port: number; log: MirrorLog; close(): Promise<void> }> {
  const log: MirrorLog = { asked: [], missing: [], answered: [] };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const argv = Buffer.concat(chunks).toString('utf8').split('\0').slice(0, -1);
      const asked = argv.join(' ');
      log.asked.push(asked);
      runInMirror(mirror, argv)
        .then((answer) => {
          if (!answer || answer.missing) {
            log.missing.push(answer?.missing ? `${asked}: ${answer.missing}` : asked);
            response.writeHead(200, { 'x-exit-code': '99' });
            response.end(`scripted attendee: the data-plane mirror cannot run: ${asked}${answer?.missing ? ` (${answer.missing})` : ''}\n`);
            return;
          }
          log.answered.push({ argv: asked, exitCode: answer.exitCode, output: answer.output.slice(-2000) });
          response.writeHead(200, { 'x-exit-code': String(answer.exitCode) });
          response.end(answer.output);
        })
        .catch((error: unknown) => {
          log.missing.push(`${asked}: ${String(error)}`);
          response.writeHead(500, { 'x-exit-code': '99' });
          response.end(`scripted attendee: the data-plane mirror failed: ${String(error)}\n`);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    log,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Sourced by the attendee's bash on the jumphost (through ~/.bashrc, so never typed and never in the command
 * record): curl, hostname, kubectl exec and kubectl logs go to the mirror; every other kubectl runs for real.
 */
export function mirrorBash(port: number): string {
  return String.raw`# Test stand-ins of e2e/scripted-attendee (see mirror-commands.ts): data-plane tools run in the live mirror.
__scripted_dataplane() {
  local headers status
  headers=$(mktemp)
  printf '%s\0' "$@" | command curl -s --noproxy '*' --max-time 300 -D "$headers" --data-binary @- http://127.0.0.1:${port}/run
  status=$(sed -n 's/^x-exit-code: *\([0-9]*\).*$/\1/ip' "$headers")
  rm -f "$headers"
  if [[ -z $status ]]; then
    printf 'scripted attendee: the data-plane mirror did not answer: %s\n' "$*" >&2
    return 99
  fi
  return "$status"
}
curl() { __scripted_dataplane curl "$@"; }
hostname() { __scripted_dataplane hostname "$@"; }
kubectl() {
  case "$1" in
    exec|logs) __scripted_dataplane kubectl "$@" ;;
    *) command kubectl "$@" ;;
  esac
}
`;
}
