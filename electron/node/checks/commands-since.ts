import type { CheckWorld, CommandRecord } from './check-world.ts';

/** When a recorded command ran: its start when the recorder wrote one, otherwise its end. */
export function commandTime(record: CommandRecord): number {
  return Date.parse(record.startedAt ?? record.time);
}

/**
 * The latest moment a command may have started: the jumphost knows starts only to the second, so a line
 * stamped 12:00:00 may have begun up to a second later (never after it finished).
 */
export function latestStart(record: CommandRecord): number {
  const started = commandTime(record);
  if (record.startedAt === undefined || started % 1000 !== 0) return started;
  return Math.min(started + 999, Date.parse(record.time));
}

/**
 * Whether a command ran at or after `from` (ms). The jumphost's recorder knows a line's start only to the
 * second (bash history), so a line typed in the same second as the opening counts when it finished after it:
 * "Run in terminal" right after opening a step must not be lost.
 */
export function ranSince(record: CommandRecord, from: number): boolean {
  const started = commandTime(record);
  if (started >= from) return true;
  const wholeSecond = record.startedAt !== undefined && started % 1000 === 0;
  return wholeSecond && started >= Math.floor(from / 1000) * 1000 && Date.parse(record.time) >= from;
}

/**
 * The same world, with only the commands that ran at or after `since` (and that `belongs` accepts: typed
 * while this lab was the open one): evidence for a step is what the attendee did after opening it. Without
 * an opening time nothing counts, so a step never completes from commands typed before the attendee got
 * there (or in another lab).
 */
export function commandsSince(world: CheckWorld, since: Date | undefined, belongs: (record: CommandRecord) => boolean = () => true): CheckWorld {
  return {
    // Everything but the command record is the world's own (a wrapper that forgot one made lab 1.9 expect
    // the literal 30080 where this computer had published nodePort 30080 on another port).
    ...(world.probes === undefined ? {} : { probes: world.probes }),
    ...(world.publishedPort ? { publishedPort: (nodePort: number) => world.publishedPort!(nodePort) } : {}),
    listObjects: (selector) => world.listObjects(selector),
    runProbe: (target, argv, timeoutMs) => world.runProbe(target, argv, timeoutMs),
    httpGet: (nodePort, path, timeoutMs) => world.httpGet(nodePort, path, timeoutMs),
    commandRecords: async () => {
      const records = await world.commandRecords();
      if (records === null) return null;
      if (since === undefined) return [];
      const from = since.getTime();
      return records.filter((record) => ranSince(record, from) && belongs(record));
    },
    // Lines from before the opening never count as evidence, but a variable they set (POD_IP=...) is still
    // what a later line's $POD_IP means in that shell.
    earlierCommandRecords: async () => {
      const records = await world.commandRecords();
      if (records === null) return null;
      if (since === undefined) return records;
      const from = since.getTime();
      return records.filter((record) => !ranSince(record, from));
    },
  };
}
