import { Command } from 'commander';
import { vi } from 'vitest';

export interface CommandRun {
  stdout: string;
  exitCode: number | string | undefined;
}

/**
 * Runs one `labdeck` subcommand in-process, as `labdeck <args>` would, capturing what it prints on stdout
 * and the exit code it sets. The process's own exit code is restored afterwards.
 */
export async function runCommand(register: (program: Command) => void, args: string[]): Promise<CommandRun> {
  const program = new Command().name('labdeck').exitOverride();
  register(program);
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'labdeck', ...args]);
    return { stdout, exitCode: process.exitCode };
  } finally {
    write.mockRestore();
    process.exitCode = previous;
  }
}
