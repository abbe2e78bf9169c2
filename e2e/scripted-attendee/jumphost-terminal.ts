import type Docker from 'dockerode';
import type { CommandRecord } from '../../electron/node/checks/check-world.ts';
import { execInteractive } from '../../electron/node/env/docker-exec.ts';
import { JUMPHOST_SHELL } from '../../electron/node/terminals/terminal-service.ts';
import { RecordedTerminal } from './recorded-terminal.ts';

export { plainText } from './recorded-terminal.ts';

/**
 * An attendee's terminal on the real jumphost of the lab environment: the terminal service's login shell
 * (`bash -l` through docker exec with a TTY, as the jumphost's user ubuntu) with its real command recorder
 * (resources/jumphost/command-recorder.bash reporting to the terminal), read by the product's recorder. Every
 * line typed here runs the jumphost's real kubectl, curl and bash against the real cluster.
 */
export class JumphostTerminal extends RecordedTerminal {
  readonly containerId: string;

  private constructor(containerId: string, ...rest: ConstructorParameters<typeof RecordedTerminal>) {
    super(...rest);
    this.containerId = containerId;
  }

  static async open(docker: Docker, containerId: string, onRecord: (record: CommandRecord) => void = () => undefined): Promise<JumphostTerminal> {
    const shell = await execInteractive(docker, containerId, JUMPHOST_SHELL, { cols: 400, rows: 50, env: ['TERM=xterm-256color'] });
    const terminal = new JumphostTerminal(containerId, { kind: 'jumphost' }, shell, 1, onRecord);
    await terminal.ready((output) => /ubuntu@[^\n]*\$ /.test(output));
    return terminal;
  }

  /** Types one line; resolves with the record of that very line (believed because it names the line typed). */
  override type(line: string, timeoutMs = 120_000): Promise<{ record: CommandRecord; output: string }> {
    return super.type(line, timeoutMs, (record) => record.command === line);
  }
}
