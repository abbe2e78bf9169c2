import type Docker from 'dockerode';
import type { InteractiveProcess } from '../../electron/node/backend/ports.ts';
import type { CommandRecord } from '../../electron/node/checks/check-world.ts';
import { execInteractive } from '../../electron/node/env/docker-exec.ts';
import { NodeCommandRecorder } from '../../electron/node/terminals/node-command-recorder.ts';
import { NODE_SHELL } from '../../electron/node/terminals/terminal-service.ts';
import { plainText } from './jumphost-terminal.ts';
import { waitForTerminal } from './wait-for-terminal.ts';

/**
 * An attendee's terminal on a real node, as the terminal service opens it: the node shell with the
 * status-reporting prompt (NODE_SHELL, docker exec with a TTY) and the product's NodeCommandRecorder fed
 * with the keys typed and the output, exactly as terminal-service.ts feeds it; its records go to onRecord
 * (the lab's command log).
 */
export class NodeTerminal {
  readonly node: string;
  readonly #shell: InteractiveProcess;
  readonly #records: CommandRecord[] = [];
  readonly #recorder: NodeCommandRecorder;
  #output = '';

  private constructor(node: string, shell: InteractiveProcess, shellId: number, onRecord: (record: CommandRecord) => void) {
    this.node = node;
    this.#shell = shell;
    const recorder = new NodeCommandRecorder({
      node,
      shellId,
      onRecord: (record) => {
        this.#records.push(record);
        onRecord(record);
      },
    });
    const decoder = new TextDecoder();
    shell.onData((chunk) => {
      const text = decoder.decode(chunk, { stream: true });
      this.#output += text;
      recorder.output(text);
    });
    this.#recorder = recorder;
  }

  static async open(docker: Docker, containerId: string, node: string, shellId: number, onRecord: (record: CommandRecord) => void): Promise<NodeTerminal> {
    const shell = await execInteractive(docker, containerId, NODE_SHELL, { cols: 400, rows: 50, env: ['TERM=xterm-256color'] });
    const terminal = new NodeTerminal(node, shell, shellId, onRecord);
    try {
      await terminal.#waitFor(() => terminal.#output.includes('labdeck-status='), 30_000, 'the first prompt');
    } catch (error) {
      shell.kill();
      throw error;
    }
    return terminal;
  }

  /** Types one line and presses Enter; resolves with the recorder's record of it and what the terminal printed. */
  async type(line: string, timeoutMs = 60_000): Promise<{ record: CommandRecord; output: string }> {
    const before = this.#records.length;
    const start = this.#output.length;
    this.#recorder.input(`${line}\r`);
    this.#shell.write(`${line}\r`);
    await this.#waitFor(() => this.#records.length > before, timeoutMs, `the record of \`${line}\` on ${this.node}`);
    return { record: this.#records[before]!, output: plainText(this.#output.slice(start)) };
  }

  dispose(): void {
    this.#shell.kill();
  }

  #waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return waitForTerminal(condition, timeoutMs, what, () => this.#output);
  }
}
