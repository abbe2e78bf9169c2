import { describe, expect, it } from 'vitest';
import { CheckSpecSchema, type CommandCheck } from '../course-format/check-spec.ts';
import type { CheckWorld, CommandRecord, KubeObject } from './check-world.ts';
import { commandsSince } from './commands-since.ts';
import { evaluateCommand } from './evaluate-command.ts';
import { selectObjects } from './object-filter.ts';

const reachNginx = CheckSpecSchema.parse({
  id: 'reach',
  title: 'You reached nginx by its pod IP',
  kind: 'command',
  command: { program: 'curl', url: { host: '${pod:default/nginx}.status.podIP' } },
  exitCode: 0,
}) as CommandCheck;
const OBJECTS: KubeObject[] = [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'default' }, status: { podIP: '10.244.1.5' } }];
const at = (minute: number, command: string): CommandRecord => ({ time: `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`, command, exitCode: 0 });
const world = (records: CommandRecord[]): CheckWorld => ({
  listObjects: async (selector) => selectObjects(OBJECTS, selector),
  commandRecords: async () => records,
  runProbe: async () => null,
  httpGet: async () => null,
});
const opened = new Date('2026-01-01T00:10:00Z');

describe('commandsSince', () => {
  it('counts only lines from after the step opened', async () => {
    expect((await evaluateCommand(reachNginx, commandsSince(world([at(5, 'curl http://10.244.1.5/')]), opened))).status).toBe('failed');
    expect((await evaluateCommand(reachNginx, commandsSince(world([at(5, 'curl http://10.244.1.5/'), at(12, 'curl http://10.244.1.5/')]), opened))).status).toBe('passed');
  });

  it('still knows a variable set before the opening, without counting that line', async () => {
    const records = [at(5, 'POD_IP=10.244.1.5'), at(12, 'curl http://$POD_IP/')];
    expect((await evaluateCommand(reachNginx, commandsSince(world(records), opened))).status).toBe('passed');
  });

  it('counts a line typed in the same second as the opening (the recorder knows starts only to the second)', async () => {
    const openedMidSecond = new Date('2026-01-01T00:10:00.400Z');
    const sameSecond: CommandRecord = { startedAt: '2026-01-01T00:10:00.000Z', time: '2026-01-01T00:10:00.900Z', command: 'curl http://10.244.1.5/', exitCode: 0 };
    expect((await evaluateCommand(reachNginx, commandsSince(world([sameSecond]), openedMidSecond))).status).toBe('passed');
    // Finished before the opening: typed before the step was opened, even within that second.
    const finishedBefore: CommandRecord = { ...sameSecond, time: '2026-01-01T00:10:00.300Z' };
    expect((await evaluateCommand(reachNginx, commandsSince(world([finishedBefore]), openedMidSecond))).status).toBe('failed');
    // A start known to the millisecond is taken as it is.
    const precise: CommandRecord = { ...sameSecond, startedAt: '2026-01-01T00:10:00.100Z' };
    expect((await evaluateCommand(reachNginx, commandsSince(world([precise]), openedMidSecond))).status).toBe('failed');
  });

  it('counts nothing for a step that was never opened', async () => {
    const scoped = commandsSince(world([at(12, 'curl http://10.244.1.5/')]), undefined);
    expect(await scoped.commandRecords()).toEqual([]);
    expect((await evaluateCommand(reachNginx, scoped)).status).toBe('failed');
  });

  it("keeps the world's published NodePort and its probe ability (lab 1.9 on a laptop where 30080 was taken)", async () => {
    const fromLaptop = CheckSpecSchema.parse({
      id: 'laptop',
      title: 'You opened nginx from your laptop',
      kind: 'command',
      command: { program: 'curl', url: { host: 'localhost', nodePort: 30080 }, on: 'host' },
      exitCode: 0,
    }) as CommandCheck;
    const laptop: CheckWorld = { ...world([{ ...at(12, 'curl http://localhost:33243/'), terminal: 'host' }]), probes: false, publishedPort: async () => 33243 };
    const scoped = commandsSince(laptop, opened);
    expect(scoped.probes).toBe(false);
    expect((await evaluateCommand(fromLaptop, scoped)).status).toBe('passed');
  });
});
