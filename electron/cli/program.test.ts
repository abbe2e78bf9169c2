import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram, lazyCommands, requestedCommand, type LazyCommand } from './program.ts';

describe('labdeck program', () => {
  it("lists each command with the description its module registers (the help listing loads no module)", async () => {
    for (const entry of lazyCommands) {
      const program = new Command();
      (await entry.load())(program);
      const registered = program.commands.find((command) => command.name() === entry.name);
      expect(registered, entry.name).toBeDefined();
      expect(registered?.description(), entry.name).toBe(entry.description);
    }
  });

  it('has an entry for every registerXCommand in commands/ (a command registered nowhere would be lost)', async () => {
    const dir = path.join(import.meta.dirname, 'commands');
    const exported = readdirSync(dir)
      .filter((name) => name.endsWith('.ts') && !name.includes('.test'))
      .flatMap((name) => [...readFileSync(path.join(dir, name), 'utf8').matchAll(/export function (register\w+Command)\(/g)].map((match) => match[1]));
    const listed = await Promise.all(lazyCommands.map(async (entry) => (await entry.load()).name));
    expect(exported.length).toBeGreaterThanOrEqual(9);
    expect(new Set(listed)).toEqual(new Set(exported));
  });

  it('loads only the command that runs', async () => {
    const loads: string[] = [];
    const fake = (name: string): LazyCommand => ({
      name,
      description: `${name} things`,
      load: vi.fn(async () => {
        loads.push(name);
        return (program: Command) => {
          program.command(name).description(`${name} things`).option('--full').action(() => undefined);
        };
      }),
    });
    const commands = [fake('alpha'), fake('beta')];
    const program = await buildProgram(['node', 'labdeck', 'beta', '--full'], commands);
    expect(loads).toEqual(['beta']);
    expect(program.commands.map((command) => command.name())).toEqual(['alpha', 'beta']);
    expect(program.commands[1]?.options.map((option) => option.long)).toEqual(['--full']);

    loads.length = 0;
    await buildProgram(['node', 'labdeck', '--help'], commands);
    expect(loads).toEqual([]);
  });

  it('finds the command in argv, after help too', () => {
    expect(requestedCommand(['node', 'labdeck', 'grade', '--lab', 'all'])).toBe('grade');
    expect(requestedCommand(['node', 'labdeck', 'help', 'env'])).toBe('env');
    expect(requestedCommand(['node', 'labdeck', '--help'])).toBeUndefined();
  });
});
