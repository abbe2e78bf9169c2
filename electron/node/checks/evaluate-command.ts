import type { CommandCheck } from './check-spec.ts';
import type { CheckWorld } from './check-world.ts';
import { errorMessage, type Verdict } from './verdict.ts';

/** A command check: some recorded command line matches the pattern (and, when asked, exited with exitCode). */
export async function evaluateCommand(check: CommandCheck, world: CheckWorld): Promise<Verdict> {
  let pattern: RegExp;
  try {
    pattern = new RegExp(check.pattern);
  } catch (error) {
    return { status: 'error', message: `The check "${check.title}" has an invalid pattern: ${errorMessage(error)}` };
  }
  const records = await world.commandRecords();
  if (records === null) return { status: 'skipped', message: 'No terminal command record is available here, so commands cannot be checked' };
  const matching = records.filter((record) => pattern.test(record.command));
  const accepted = check.exitCode === undefined ? matching : matching.filter((record) => record.exitCode === check.exitCode);
  const recent = records.slice(-5).map((record) => ({ command: record.command, exitCode: record.exitCode, time: record.time }));
  const last = accepted.at(-1);
  if (last) return { status: 'passed', message: `${check.title}: ${last.command}`, evidence: { matched: last } };
  const wrongExit = matching.at(-1);
  if (wrongExit) {
    return {
      status: 'failed',
      message: `\`${wrongExit.command}\` exited with code ${wrongExit.exitCode}, expected ${check.exitCode}; read its error in the terminal and run it again — ${check.title}`,
      evidence: { recent },
    };
  }
  const lastRun = records.at(-1);
  return {
    status: 'failed',
    message: `Not done yet: ${check.title}${lastRun ? ` (last command: \`${lastRun.command}\`)` : ' (no command run yet)'}`,
    evidence: { recent },
  };
}
