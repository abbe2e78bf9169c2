import type Docker from 'dockerode';
import type { CommandRecord } from '../../electron/node/checks/check-world.ts';
import { execInteractive } from '../../electron/node/env/docker-exec.ts';
import { NODE_SHELL } from '../../electron/node/terminals/terminal-service.ts';
import { RecordedTerminal } from './recorded-terminal.ts';

/**
 * An attendee's terminal on a real node, as the terminal service opens it: the node shell with the
 * status-reporting prompt (NODE_SHELL, docker exec with a TTY), read by the product's recorder.
 */
export class NodeTerminal extends RecordedTerminal {
  readonly node: string;

  private constructor(node: string, ...rest: ConstructorParameters<typeof RecordedTerminal>) {
    super(...rest);
    this.node = node;
  }

  static async open(docker: Docker, containerId: string, node: string, shellId: number, onRecord: (record: CommandRecord) => void): Promise<NodeTerminal> {
    const shell = await execInteractive(docker, containerId, NODE_SHELL, { cols: 400, rows: 50, env: ['TERM=xterm-256color'] });
    const terminal = new NodeTerminal(node, { kind: 'node', node }, shell, shellId, onRecord);
    await terminal.ready((output) => output.includes('labdeck-status='));
    return terminal;
  }

  override type(line: string, timeoutMs = 60_000): Promise<{ record: CommandRecord; output: string }> {
    return super.type(line, timeoutMs);
  }
}
