import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { InteractiveProcess } from '../../electron/node/backend/ports.ts';
import type { CommandRecord } from '../../electron/node/checks/check-world.ts';
import { execInteractive } from '../../electron/node/env/docker-exec.ts';
import { LABEL_MANAGED } from '../../electron/node/env/labels.ts';
import { JUMPHOST_SHELL } from '../../electron/node/terminals/terminal-service.ts';
import { JUMPHOST_IMAGE } from '../../electron/node/env/versions.ts';
import { mirrorBash } from './mirror-commands.ts';

const run = promisify(execFile);

/**
 * The product's jumphost image with the real control plane's kubeconfig, an attendee's login shell in it
 * (the terminal service's `bash -l` through docker exec with a TTY) and its real command recorder
 * (resources/jumphost/command-recorder.bash writing /var/lib/labdeck/commands.jsonl). Host networking
 * reaches the control plane on 127.0.0.1, and the test's mirror server there. The data-plane stand-ins
 * (mirrorBash: curl, hostname, kubectl exec/logs handed to the live mirror) are sourced from ~/.bashrc, so they
 * are not typed and not recorded.
 */
export class JumphostTerminal {
  readonly containerId: string;
  readonly #dir: string;
  readonly #shell: InteractiveProcess;
  #output = '';

  private constructor(containerId: string, dir: string, shell: InteractiveProcess) {
    this.containerId = containerId;
    this.#dir = dir;
    this.#shell = shell;
    shell.onData((chunk) => {
      this.#output = (this.#output + Buffer.from(chunk).toString('utf8')).slice(-20_000);
    });
  }

  static async start(docker: Docker, options: { kubeconfigPath: string; files: ReadonlyMap<string, string>; runLabel: string; mirrorPort: number }): Promise<JumphostTerminal> {
    const dir = await mkdtemp(path.join(tmpdir(), 'labdeck-scripted-attendee-'));
    // The attendee is uid 1000 in the container: it must read the kubeconfig and the files here.
    await chmod(dir, 0o755);
    await copyFile(options.kubeconfigPath, path.join(dir, 'kubeconfig'));
    await chmod(path.join(dir, 'kubeconfig'), 0o644);
    await writeFile(path.join(dir, 'dataplane.bash'), mirrorBash(options.mirrorPort), { mode: 0o644 });
    await mkdir(path.join(dir, 'files'), { mode: 0o755 });
    for (const [name, content] of options.files) await writeFile(path.join(dir, 'files', name), content, { mode: 0o644 });
    const { stdout } = await run('docker', [
      'run', '-d', '--init', '--network', 'host',
      '--label', `${LABEL_MANAGED}=true`, '--label', 'dev.labdeck.env=controlplane-test', '--label', `dev.labdeck.scripted-attendee=${options.runLabel}`,
      '-v', `${path.join(dir, 'kubeconfig')}:/home/ubuntu/.kube/config:ro`,
      '-v', `${dir}:/tmp/scripted-attendee`,
      JUMPHOST_IMAGE,
    ]);
    const containerId = stdout.trim();
    try {
      // The manifests the steps apply, where the guide's `kubectl apply -f nginx-pod.yaml` finds them (the
      // home folder, as when the attendee saves them there), and the stand-ins loaded by every interactive shell.
      await run('docker', ['exec', containerId, 'sh', '-c', 'cp -r /tmp/scripted-attendee/files/. /home/ubuntu/ && printf "\\n. /tmp/scripted-attendee/dataplane.bash\\n" >> /home/ubuntu/.bashrc']);
      const shell = await execInteractive(docker, containerId, JUMPHOST_SHELL, { cols: 400, rows: 50, env: ['TERM=xterm-256color'] });
      const terminal = new JumphostTerminal(containerId, dir, shell);
      await terminal.#waitFor(() => /ubuntu@[^\n]*\$ /.test(terminal.#output), 30_000, 'the first prompt');
      return terminal;
    } catch (error) {
      await run('docker', ['rm', '-f', containerId]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Types one line and presses Enter; resolves with the record the jumphost's recorder wrote for it (read
   * back through the product's command log, like the engine reads it).
   */
  async type(line: string, records: () => readonly CommandRecord[]): Promise<CommandRecord> {
    const before = records().length;
    this.#shell.write(`${line}\r`);
    let found: CommandRecord | undefined;
    await this.#waitFor(
      () => {
        found = records().slice(before).find((record) => record.terminal === 'jumphost' && record.command === line);
        return found !== undefined;
      },
      60_000,
      `the record of \`${line}\``,
    );
    return found!;
  }

  output(): string {
    return this.#output;
  }

  async dispose(): Promise<void> {
    this.#shell.kill();
    await run('docker', ['rm', '-f', this.containerId]).catch(() => undefined);
    await rm(this.#dir, { recursive: true, force: true }).catch(() => undefined);
  }

  async #waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; terminal output ends with:\n${this.#output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
