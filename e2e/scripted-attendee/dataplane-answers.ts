import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedGuideCommand } from '../dataplane/guide-commands.ts';
import { workshopWorld } from '../dataplane/workshop-world.ts';
import { findPod, findService } from '../dataplane/world.ts';
import { withoutComment } from './guide-script.ts';

/**
 * Real results for the commands this control plane cannot run: it has no kubelet (kubectl exec / logs), no
 * kube-proxy, no pods that answer (curl to pod IPs, ClusterIPs, NodePorts) and no nodes to open a shell in
 * (ip route, iptables, /etc/rancher/k3s). Each result was produced by the real tool in the data-plane
 * harness (e2e/dataplane: busybox, nginx, iptables, iproute2, curl in the jumphost image) and recorded in
 * e2e/dataplane/fixtures/*.json; a few come from the lab's own selftest.yaml where no harness recording
 * exists, each said below. The harness ran with the guide's addresses (workshop-world.ts); the live control
 * plane hands out its own, so recorded addresses are rewritten to the live ones (as withLiveAddresses does
 * for the live self-test).
 */

export interface Answer {
  exitCode: number;
  output: string;
  /** Where the result comes from. */
  source: string;
}

/** Live addresses of the objects the recordings name, read from the control plane when needed. */
export interface LiveAddresses {
  nginxPodIP?: string;
  nginxClusterIP?: string;
  nginxDeploymentClusterIP?: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '..', 'dataplane', 'fixtures');

interface ProbeOutcomeRecord {
  probe: string;
  world: string;
  exitCode: number;
  output: string;
}

export async function loadRecordings(): Promise<{ guide: RecordedGuideCommand[]; probes: ProbeOutcomeRecord[] }> {
  const guide = (JSON.parse(await readFile(path.join(fixtures, 'guide-commands.json'), 'utf8')) as { commands: RecordedGuideCommand[] }).commands;
  const probes = (JSON.parse(await readFile(path.join(fixtures, 'probe-outcomes.json'), 'utf8')) as { outcomes: ProbeOutcomeRecord[] }).outcomes;
  return { guide, probes };
}

/** Replaces the recording world's addresses (and a pod's dashed DNS form) with the live ones. */
export function addressRewriter(live: LiveAddresses): (text: string) => string {
  const world = workshopWorld();
  const pairs: Array<[string, string | undefined]> = [
    [findPod(world, 'default', 'nginx').ip, live.nginxPodIP],
    [findService(world, 'default', 'nginx').clusterIP, live.nginxClusterIP],
    [findService(world, 'default', 'nginx-deployment').clusterIP, live.nginxDeploymentClusterIP],
  ];
  const replacements = new Map<string, string>();
  for (const [recorded, now] of pairs) {
    if (!now) continue;
    replacements.set(recorded, now);
    replacements.set(recorded.replaceAll('.', '-'), now.replaceAll('.', '-'));
  }
  if (replacements.size === 0) return (text) => text;
  // Longest first, and never inside a longer number: 10.244.1.5 must not rewrite 10.244.1.50.
  const keys = [...replacements.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`(?<![\\d.-])(${keys.map((key) => key.replaceAll('.', '\\.')).join('|')})(?![\\d])`, 'g');
  return (text) => text.replace(pattern, (match) => replacements.get(match) ?? match);
}

/** `$NAME` and `${NAME}` replaced from env, as bash expands them. */
function expand(line: string, env: Record<string, string> = {}): string {
  return line.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (whole, name: string) => env[name] ?? whole);
}

/**
 * Answers for the jumphost, keyed by what reaches the tool after bash expanded the line: the program and its
 * arguments joined by single spaces, as the stand-in functions (dataplane.bash) see them in "$*". Keying by
 * the expanded words means `curl http://$POD_IP` and `curl http://$(kubectl get pod nginx -o jsonpath=...)`
 * get the same (real) answer when they reach the same address, and a line that expands to another address
 * gets none.
 */
export function jumphostAnswers(recordings: Awaited<ReturnType<typeof loadRecordings>>, live: LiveAddresses): Map<string, Answer> {
  const rewrite = addressRewriter(live);
  const answers = new Map<string, Answer>();
  for (const entry of recordings.guide) {
    if (!('file' in entry.source)) continue;
    const source = `e2e/dataplane/fixtures/guide-commands.json ${entry.id} (${entry.where === 'jumphost' ? 'curl 7.88 in the jumphost image' : `busybox/nginx in ${entry.where}`}, data-plane harness)`;
    if (entry.where === 'jumphost' && typeof entry.ran === 'string') {
      // Only curl needs the data plane; `hostname -i` and the like run for real. A loop's curl answers each
      // iteration with the loop's recorded exit code (its output was written to /dev/null).
      for (const match of expand(entry.ran, entry.env).matchAll(/\bcurl\s[^;|&)]*/g)) {
        answers.set(rewrite(match[0].trim().split(/\s+/).join(' ')), { exitCode: entry.exitCode, output: rewrite(entry.output), source });
      }
    } else if (entry.where.startsWith('pod ')) {
      // `kubectl exec -it alpine -- <argv>` / `kubectl logs nginx ...`: kubectl passes the command's exit code through.
      answers.set(rewrite(withoutComment(entry.source.text).split(/\s+/).join(' ')), { exitCode: entry.exitCode, output: rewrite(entry.output), source });
    }
  }
  const probe = (id: string) => recordings.probes.find((outcome) => outcome.probe === id && outcome.world === 'right');
  // The harness has no recording of this exact line; the alpine-resolver probe ran the same `cat
  // /etc/resolv.conf` in the same busybox pod (kubectl exec passes its exit code through).
  const resolver = probe('1.7 run-busybox/alpine-resolver');
  if (resolver) {
    answers.set('kubectl exec -it alpine -- cat /etc/resolv.conf', {
      exitCode: resolver.exitCode,
      output: resolver.output,
      source: 'e2e/dataplane/fixtures/probe-outcomes.json "1.7 run-busybox/alpine-resolver" (real busybox cat in the harness pod)',
    });
  }
  // No data-plane recording: `kubectl logs` of the Deployment's pods exits 0 whenever their containers have
  // logs, as labs/1.8-clusterip/selftest.yaml's random-backends solution records it (exit code 0).
  answers.set('kubectl logs -l app=nginx --prefix --tail=20', {
    exitCode: 0,
    output: '',
    source: 'labs/1.8-clusterip/selftest.yaml random-backends solution commands (recorded exit code 0; no harness recording)',
  });
  return answers;
}

/** Answers for node terminals, keyed by node and the typed line without its comment. */
export function nodeAnswers(recordings: Awaited<ReturnType<typeof loadRecordings>>, live: LiveAddresses): Map<string, Answer> {
  const rewrite = addressRewriter(live);
  const answers = new Map<string, Answer>();
  for (const entry of recordings.guide) {
    if (!('file' in entry.source) || !entry.where.startsWith('node ')) continue;
    const node = entry.where.slice('node '.length);
    answers.set(`${node} ${withoutComment(entry.source.text)}`, {
      exitCode: entry.exitCode,
      output: rewrite(entry.output),
      source: `e2e/dataplane/fixtures/guide-commands.json ${entry.id} (iproute2 / iptables 1.8.9 on the harness node ${node})`,
    });
  }
  // The harness recorded `iptables-save -t nat | grep -F 'masquerade traffic for default/nginx:http external
  // destinations'` on master1 (the masquerade-rule probe): the rule it found also matches this shorter grep.
  const masquerade = recordings.probes.find((outcome) => outcome.probe === '1.9 source-nat/masquerade-rule' && outcome.world === 'right');
  if (masquerade) {
    answers.set("master1 iptables-save -t nat | grep 'masquerade traffic for default/nginx'", {
      exitCode: masquerade.exitCode,
      output: rewrite(masquerade.output),
      source: 'e2e/dataplane/fixtures/probe-outcomes.json "1.9 source-nat/masquerade-rule" (iptables-save on the harness node master1)',
    });
  }
  return answers;
}

/** File name under which dataplane.bash looks an answer up: a hash of its key. */
export function answerFileName(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16);
}

/**
 * Stand-ins sourced by the attendee's bash on the jumphost (through ~/.bashrc, so they are not typed and
 * never show up in the command record). They answer curl, kubectl exec and kubectl logs from the recorded
 * answers in /tmp/scripted-attendee/answers; everything else, including every other kubectl command and the
 * $(kubectl ...) substitutions inside a curl line, runs for real. A call without a recorded answer is logged
 * to missing.log and fails, so the test can name it instead of waiting for curl to time out.
 */
export const DATAPLANE_BASH = String.raw`# Test stand-ins of e2e/scripted-attendee (see dataplane-answers.ts): data-plane tools answered from recordings.
__scripted_dataplane() {
  local key="$*" dir=/tmp/scripted-attendee name
  name=$(printf '%s' "$key" | sha256sum | cut -c1-16)
  printf '%s\n' "$key" >> "$dir/asked.log"
  if [[ -f $dir/answers/$name.exit ]]; then
    cat "$dir/answers/$name.out"
    return "$(cat "$dir/answers/$name.exit")"
  fi
  printf '%s\n' "$key" >> "$dir/missing.log"
  printf 'scripted attendee: no recorded data-plane answer for: %s\n' "$key" >&2
  return 99
}
curl() { __scripted_dataplane curl "$@"; }
kubectl() {
  case "$1" in
    exec|logs) __scripted_dataplane kubectl "$@" ;;
    *) command kubectl "$@" ;;
  esac
}
`;
