import type { CommandCheck, CommandMatcher } from '../course-format/check-spec.ts';
import { apiRequestExpectation, describeExpectation, requestFulfils } from './api-requests.ts';
import { parseInvocation, type Invocation } from './command-grammar.ts';
import { parseShellLine, wordText, type ShellVariables, type SimpleCommand } from './command-line.ts';
import { matchInvocation } from './command-match.ts';
import { referencedKinds, resolveReferenceValues } from './command-references.ts';
import type { CheckWorld, CommandRecord } from './check-world.ts';
import { labRegexError, labRegexTest } from './lab-regex.ts';
import { type Verdict } from './verdict.ts';

const JUMPHOST = 'jumphost';

/**
 * A command check: some recorded command, read the way its shell and its program read it, matches the
 * check's `command:` matcher (and its `pattern`, when it has one), and exited with `exitCode` when asked.
 * On a miss, the message names the closest command and what differed.
 */
export async function evaluateCommand(check: CommandCheck, world: CheckWorld): Promise<Verdict> {
  if (check.pattern !== undefined) {
    const problem = labRegexError(check.pattern);
    if (problem) return { status: 'error', message: `The check "${check.title}" has an invalid pattern: ${problem}` };
  }
  const records = await world.commandRecords();
  if (records === null) return { status: 'skipped', message: 'No terminal command record is available here, so commands cannot be checked' };
  const matchers = commandMatchers(check);
  const hosts = await resolveReferenceValues(matchers, world);

  let accepted: { record: CommandRecord; exitCode: number | undefined; assignedBy: CommandRecord[]; interrupted?: true } | undefined;
  let wrongExit: { record: CommandRecord; exitCode: number | undefined } | undefined;
  let closest: { record: CommandRecord; progress: number; reason: string } | undefined;
  let unseen: { record: CommandRecord; expected: string } | undefined;
  const earlier = (await world.earlierCommandRecords?.()) ?? [];
  for (const { record, commands, assignedBy } of readRecords(records, earlier)) {
    if (check.pattern !== undefined && !labRegexTest(check.pattern, record.command)) continue;
    const terminal = record.terminal ?? JUMPHOST;
    const candidates: Array<{ exitCode: number | undefined; interrupted?: true }> = [];
    if (matchers.length === 0) candidates.push({ exitCode: record.exitCode });
    let nearest: { progress: number; reason: string } | undefined;
    commands.forEach((command, index) => {
      const invocation = parseInvocation(command.words);
      if (!invocation) return;
      for (const matcher of matchers) {
        const outcome = matchInvocation(matcher, invocation, terminal, hosts);
        if (!outcome.ok) {
          if (outcome.progress > (nearest?.progress ?? 0)) nearest = outcome;
          continue;
        }
        const witness = apiWitness(record, invocation, index);
        if (witness.seen) candidates.push(judgedExit(record, invocation, exitCodeOf(record, commands, index)));
        else unseen = { record, expected: witness.expected };
      }
    });
    // The most recent of the equally close commands is the one the attendee is working on.
    if (nearest && (!closest || nearest.progress >= closest.progress)) closest = { record, ...nearest };
    for (const candidate of candidates) {
      if (exitAccepted(check, candidate.exitCode)) accepted = { record, exitCode: candidate.exitCode, assignedBy, ...(candidate.interrupted ? { interrupted: true } : {}) };
      else wrongExit = { record, exitCode: candidate.exitCode };
    }
  }

  const recent = records.slice(-5).map((record) => ({ command: record.command, exitCode: record.exitCode, time: record.time, ...(record.terminal ? { terminal: record.terminal } : {}) }));
  if (accepted) {
    const matched = { ...accepted.record, ...(accepted.exitCode === undefined ? {} : { exitCode: accepted.exitCode }) };
    // What a grader needs to judge the line again: the lines that set its variables, the live values it was compared with.
    const evidence = {
      matched,
      ...(accepted.interrupted ? { stoppedWithCtrlC: true } : {}),
      ...(accepted.assignedBy.length > 0 ? { assignedBy: accepted.assignedBy } : {}),
      ...(hosts.size > 0 ? { resolved: Object.fromEntries([...hosts].map(([value, resolved]) => [value, resolved ?? null])) } : {}),
    };
    return { status: 'passed', message: `${check.title}: ${accepted.record.command}`, evidence };
  }
  if (wrongExit) {
    const code = wrongExit.exitCode === undefined ? 'a status the record cannot tell apart (it is not the last command of its line)' : `code ${wrongExit.exitCode}${exitMeaning(wrongExit.exitCode)}`;
    return {
      status: 'failed',
      message: `\`${wrongExit.record.command}\` exited with ${code}, expected ${expectedExitCodes(check).join(' or ')}; read its error in the terminal and run it again — ${check.title}`,
      evidence: { recent },
    };
  }
  if (unseen) {
    return {
      status: 'failed',
      message: `\`${unseen.record.command}\` never reached the API server: master1's audit log has no ${unseen.expected} from that terminal's machine at that time. Run it again and read its output — ${check.title}`,
      evidence: { recent },
    };
  }
  if (closest) {
    return { status: 'failed', message: `Not done yet: ${check.title} (\`${closest.record.command}\` ${closest.reason})`, evidence: { recent } };
  }
  const lastRun = records.at(-1);
  return {
    status: 'failed',
    message: `Not done yet: ${check.title}${lastRun ? ` (last command: \`${lastRun.command}\`)` : ' (no command run yet)'}`,
    evidence: { recent },
  };
}

/**
 * Whether the API server saw the request a kubectl command makes. Records of an audited cluster carry the
 * requests matched to them (api-corroboration.ts); each is checked again here against the command as the
 * check reads it, variables resolved. Elsewhere (no audit log, a command that needs no server) it holds.
 */
function apiWitness(record: CommandRecord, invocation: Invocation, index: number): { seen: boolean; expected: string } {
  if (record.apiRequests === undefined) return { seen: true, expected: '' };
  const expectation = invocation.refusal ? null : apiRequestExpectation(invocation);
  if (!expectation) return { seen: true, expected: '' };
  const seen = record.apiRequests.some((request) => request.command === index && requestFulfils(expectation, request));
  return { seen, expected: describeExpectation(expectation) };
}

/** The exit codes that mean the check's action was done (0 unless the lab says otherwise). */
export function expectedExitCodes(check: CommandCheck): number[] {
  if (check.exitCode === undefined) return [0];
  return Array.isArray(check.exitCode) ? check.exitCode : [check.exitCode];
}

/** 126 and 127: the shell could not run the program; above 128: a signal ended it before it finished. */
function neverTheAction(code: number): boolean {
  return code === 126 || code === 127 || code > 128;
}

function exitAccepted(check: CommandCheck, code: number | undefined): boolean {
  if (code === undefined) return false;
  const expected = expectedExitCodes(check);
  if (!expected.includes(code)) return false;
  return !neverTheAction(code) || check.exitCode !== undefined;
}

function exitMeaning(code: number): string {
  if (code === 127) return ' (the shell found no such command)';
  if (code === 126) return ' (the file is not executable)';
  if (code > 128) return ` (ended by signal ${code - 128} before it finished)`;
  return '';
}

/** A streaming command has to be stopped to end, and Ctrl-C is how: kubectl exits 1, a shell-killed one 130. */
const INTERRUPTED_CODES = new Set([1, 130]);
/** kubectl refuses a bad line at once; a watch the attendee stopped ran for a while first. */
const MIN_WATCH_MS = 2000;

function streams(invocation: Invocation): boolean {
  if (invocation.watched) return true;
  if (invocation.program !== 'kubectl') return false;
  return ['watch', 'watch-only', 'follow'].some((name) => (invocation.flags.get(name) ?? []).some((value) => value === true || wordText(value) === 'true'));
}

/**
 * The exit status a check judges: that of the matched command, except that a watch (`kubectl get -w`,
 * `kubectl logs -f`, `watch ...`) the attendee stopped with Ctrl-C after it ran counts as finished well.
 */
function judgedExit(record: CommandRecord, invocation: Invocation, code: number | undefined): { exitCode: number | undefined; interrupted?: true } {
  if (code === undefined || !INTERRUPTED_CODES.has(code) || !streams(invocation) || record.startedAt === undefined) return { exitCode: code };
  const ranMs = Date.parse(record.time) - Date.parse(record.startedAt);
  return ranMs >= MIN_WATCH_MS ? { exitCode: 0, interrupted: true } : { exitCode: code };
}

export function commandMatchers(check: CommandCheck): CommandMatcher[] {
  if (check.command === undefined) return [];
  return Array.isArray(check.command) ? check.command : [check.command];
}

/**
 * Each record with its simple commands, variables carried from earlier lines of the same shell, and the
 * earlier lines that assigned the variables it mentions.
 */
function* readRecords(records: readonly CommandRecord[], earlier: readonly CommandRecord[] = []): Generator<{ record: CommandRecord; commands: SimpleCommand[]; assignedBy: CommandRecord[] }> {
  const shells = new Map<string, { variables: ShellVariables; setters: Map<string, CommandRecord> }>();
  const scoped = new Set(records);
  for (const record of [...earlier, ...records]) {
    const key = `${record.terminal ?? JUMPHOST}/${record.shellPid ?? ''}`;
    const shell = shells.get(key) ?? { variables: new Map(), setters: new Map() };
    const mentioned = [...record.command.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!);
    const assignedBy = [...new Set(mentioned.flatMap((name) => shell.setters.get(name) ?? []))];
    const parsed = parseShellLine(record.command, shell.variables);
    const setters = new Map(shell.setters);
    for (const [name, value] of parsed.variables) if (shell.variables.get(name) !== value) setters.set(name, record);
    shells.set(key, { variables: parsed.variables, setters });
    if (scoped.has(record)) yield { record, commands: parsed.commands, assignedBy };
  }
}

/**
 * The exit status of one simple command of a recorded line. The record holds the status of the line's last
 * pipeline (and PIPESTATUS for its members); an earlier command's status is known only when everything after
 * it was joined with `&&` and the line succeeded. Otherwise it is unknown, and cannot satisfy `exitCode`.
 */
export function exitCodeOf(record: CommandRecord, commands: readonly SimpleCommand[], index: number): number | undefined {
  const command = commands[index]!;
  const lastInPipeline = command.pipelineIndex === command.pipelineLength - 1;
  if (record.ran) {
    // What bash executed: a command it never ran (skipped by `&&`, or a line placed in history with
    // `history -s`) has no status; one it ran alone has its own, whatever follows it on the line.
    const ran = executedEntries(record.ran, commands)[index];
    if (ran === undefined) return undefined;
    if (command.pipelineLength === 1 && !commands.slice(index + 1).every(isClosingKeyword)) return ran.exitCode;
  }
  if (command.next === null) {
    if (lastInPipeline) return record.exitCode;
    return record.pipeStatus?.length === command.pipelineLength ? record.pipeStatus[command.pipelineIndex] : undefined;
  }
  // `for ...; do curl ...; done`: only closing keywords follow, so the line's status is this command's.
  const later = commands.slice(index + 1);
  if (later.every(isClosingKeyword)) return lastInPipeline ? record.exitCode : undefined;
  if (!lastInPipeline || record.exitCode !== 0) return undefined;
  return commands.slice(index).every((command) => command.next === null || command.next === '&&') ? 0 : undefined;
}

const CLOSING_KEYWORDS = new Set(['done', 'fi', 'esac', '}']);
/**
 * Pairs the line's simple commands with the entries bash's DEBUG trap recorded, in order: each command takes
 * the next entry that runs the same program (commands `&&` or `||` skipped have no entry of their own).
 */
function executedEntries(ran: NonNullable<CommandRecord['ran']>, commands: readonly SimpleCommand[]): Array<{ exitCode: number } | undefined> {
  // The program each ran, read like the line's own commands (wrappers, keywords, the `k` alias, full paths).
  const programs = ran.map((entry) => {
    const [first] = parseShellLine(entry.command).commands;
    return first ? parseInvocation(first.words)?.program : undefined;
  });
  let next = 0;
  return commands.map((command) => {
    const program = parseInvocation(command.words)?.program;
    if (program === undefined) return undefined;
    for (let position = next; position < ran.length; position += 1) {
      if (programs[position] !== program) continue;
      next = position + 1;
      return { exitCode: ran[position]!.exitCode };
    }
    return undefined;
  });
}

function isClosingKeyword(command: SimpleCommand): boolean {
  return command.words.length === 1 && CLOSING_KEYWORDS.has(wordText(command.words[0]!) ?? '');
}

/** Kinds a command check's values reference (the engine watches them so the values can be resolved). */
export function commandReferencedKinds(check: CommandCheck): Array<{ apiVersion: string; kind: string }> {
  return referencedKinds(commandMatchers(check));
}
