import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandRecord } from '../checks/check-world.ts';
import { HostCommandRecorder } from './host-command-recorder.ts';
import { spawnHostShell } from './host-shell.ts';

/**
 * The Host terminal's shell integration, run for real: the attendee's bash or zsh, started by spawnHostShell
 * with a home folder of its own, must still read the attendee's rc file and must report every command line
 * it runs (and nothing for an empty line), so that lab 1.9's "from your laptop" can be credited.
 */

async function skipReasonFor(shell: string): Promise<string | null> {
  try {
    await import('node-pty');
  } catch (error) {
    return `node-pty cannot load here (${error instanceof Error ? error.message : String(error)})`;
  }
  const { access } = await import('node:fs/promises');
  return access(shell).then(
    () => null,
    () => `${shell} is not installed`,
  );
}

const SHELLS = [
  { shell: '/bin/bash', rc: '.bashrc' },
  { shell: '/usr/bin/zsh', rc: '.zshrc' },
];

const saved = { SHELL: process.env.SHELL, HOME: process.env.HOME, ZDOTDIR: process.env.ZDOTDIR };
const homes: string[] = [];
afterEach(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
});

for (const { shell, rc } of SHELLS) {
  const skipReason = await skipReasonFor(shell);
  if (skipReason) console.warn(`[host-shell-recording.integration] ${shell} skipped: ${skipReason}`);

  describe.skipIf(skipReason !== null)(`Host terminal recording in ${path.basename(shell)}`, () => {
    it('reads the attendee rc file and reports each command line with its exit status', async () => {
      const home = await mkdtemp(path.join(os.tmpdir(), 'labdeck-home-'));
      homes.push(home);
      // The attendee's own settings: an alias, and history settings that would hide lines from the record.
      // zsh users may keep theirs in another ZDOTDIR, which their ~/.zshenv names.
      const rcDir = rc === '.zshrc' ? path.join(home, '.config', 'zsh') : home;
      await mkdir(rcDir, { recursive: true });
      if (rc === '.zshrc') await writeFile(path.join(home, '.zshenv'), `ZDOTDIR=${rcDir}\n`);
      await writeFile(path.join(rcDir, rc), "alias hello='echo hello-from-rc'\nHISTCONTROL=ignoreboth\n");
      process.env.SHELL = shell;
      process.env.HOME = home;
      delete process.env.ZDOTDIR;

      const records: CommandRecord[] = [];
      const recorder = new HostCommandRecorder({ shellId: 7, onRecord: (record) => records.push(record) });
      const process_ = await spawnHostShell({ cols: 120, rows: 30, kubeconfigPath: null });
      let output = '';
      const decoder = new TextDecoder();
      process_.onData((chunk) => {
        const text = decoder.decode(chunk, { stream: true });
        output += text;
        recorder.output(text);
      });
      const exited = new Promise<number | null>((resolve) => process_.onExit((code) => resolve(code)));

      const until = async (done: () => boolean, what: string): Promise<void> => {
        const deadline = Date.now() + 15_000;
        while (!done()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      };
      const run = async (line: string, expected: number): Promise<void> => {
        process_.write(`${line}\r`);
        await until(() => records.length >= expected, `the record of ${JSON.stringify(line)}`);
      };

      // The first prompt: the shell is up once it echoes something typed.
      process_.write('echo ready-$((40+2))\r');
      await until(() => output.includes('ready-42'), 'the shell to start');
      await until(() => records.length >= 1, 'the first record');
      expect(records[0]).toMatchObject({ command: 'echo ready-$((40+2))', exitCode: 0, terminal: 'host', shellPid: 7 });

      await run('hello', 2);
      expect(output).toContain('hello-from-rc');
      await run('false | true', 3);
      await run(' curl -s http://localhost:1/ ; (exit 7)', 4);
      // An empty line and a repeated line: the empty one is no command, the repeat is one.
      process_.write('\r');
      await run(' curl -s http://localhost:1/ ; (exit 7)', 5);
      await run('echo "a;b" €', 6);
      process_.write('exit 3\r');
      expect(await exited).toBe(3);

      expect(records.map(({ command, exitCode }) => ({ command, exitCode }))).toEqual([
        { command: 'echo ready-$((40+2))', exitCode: 0 },
        { command: 'hello', exitCode: 0 },
        { command: 'false | true', exitCode: 0 },
        { command: 'curl -s http://localhost:1/ ; (exit 7)', exitCode: 7 },
        { command: 'curl -s http://localhost:1/ ; (exit 7)', exitCode: 7 },
        { command: 'echo "a;b" €', exitCode: 0 },
      ]);
      expect(records[2]?.pipeStatus).toEqual([1, 0]);
      // The markers are for Labdeck only: nothing of them is left as visible text.
      expect(output).not.toMatch(/labdeck-command=[^\u0007]*\u0007?\s*$/);
    }, 40_000);
  });
}
