import { apiRequestExpectation, requestFulfils, type ApiRequest, type ApiRequestExpectation } from './api-requests.ts';
import type { CommandRecord } from './check-world.ts';
import { parseInvocation } from './command-grammar.ts';
import { parseShellLine } from './command-line.ts';

/** An audited request credited to one simple command (by its position in the line) of a record. */
export interface CorroboratingRequest extends ApiRequest {
  command: number;
}

export interface CorroborationOptions {
  /** Whether a request from this address can have come from this terminal (the jumphost's IP for `jumphost`). */
  sentFrom(terminal: string, sourceIP: string): boolean;
}

/**
 * The line's times and the API server's come from one clock (containers share the laptop's kernel), so only
 * rounding needs slack; a start time read from bash's history has whole seconds, rounded down, which only
 * widens the window. Requests a line did not need are taken only from inside its window, without slack, so
 * that a quick next line keeps its own.
 */
const SLACK_MS = 50;
/** A record without a start time: how long before its end its requests may have been sent. */
const UNKNOWN_START_MS = 10 * 60_000;
const KUBECTL_AGENT = /^kubectl[^/\s]*\//;

/**
 * Gives each kubectl command of each record the API server's request that it made: from the terminal's
 * machine, by kubectl, between the line's start and end, and matching what the command names. A request
 * corroborates one command only, in record order, and a line also takes every other kubectl request its
 * machine sent while it ran (discovery, apply's reads, delete's wait): a line written into the record later
 * cannot borrow a real command's request.
 * Every record of an audited cluster gets `apiRequests` (empty when nothing matched); the editor's own
 * applies are Labdeck's actions and need no witness.
 */
export function corroborateRecords(records: readonly CommandRecord[], requests: readonly ApiRequest[], options: CorroborationOptions): CommandRecord[] {
  const used = new Set<string>();
  // By time, once: each line then looks only at the requests received while it ran.
  const timed = requests
    .filter((request) => KUBECTL_AGENT.test(request.userAgent))
    .map((request) => ({ request, at: Date.parse(request.receivedAt) }))
    .filter(({ at }) => Number.isFinite(at))
    .sort((a, b) => a.at - b.at);
  const within = function* (from: number, to: number) {
    let low = 0;
    let high = timed.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (timed[middle]!.at < from) low = middle + 1;
      else high = middle;
    }
    for (let index = low; index < timed.length && timed[index]!.at <= to; index += 1) yield timed[index]!.request;
  };
  return records.map((record) => {
    const terminal = record.terminal ?? 'jumphost';
    if (terminal === 'editor') return record;
    const end = Date.parse(record.time);
    const start = record.startedAt ? Date.parse(record.startedAt) : end - UNKNOWN_START_MS;
    const found: CorroboratingRequest[] = [];
    for (const { index, expectation } of expectationsOf(record)) {
      for (const candidate of within(start - SLACK_MS, end + SLACK_MS)) {
        if (used.has(candidate.auditID) || !options.sentFrom(terminal, candidate.sourceIP) || !requestFulfils(expectation, candidate)) continue;
        used.add(candidate.auditID);
        found.push({ ...candidate, command: index });
        break;
      }
    }
    for (const request of within(start, end)) if (options.sentFrom(terminal, request.sourceIP)) used.add(request.auditID);
    return { ...record, apiRequests: found };
  });
}

/** The requests a line's kubectl commands make, by position; read once per record (records do not change). */
const expectationCache = new WeakMap<CommandRecord, Array<{ index: number; expectation: ApiRequestExpectation }>>();

export function expectationsOf(record: CommandRecord): Array<{ index: number; expectation: ApiRequestExpectation }> {
  let found = expectationCache.get(record);
  if (!found) {
    found = parseShellLine(record.command).commands.flatMap((command, index) => {
      const invocation = parseInvocation(command.words);
      const expectation = invocation && !invocation.refusal ? apiRequestExpectation(invocation) : null;
      return expectation ? [{ index, expectation }] : [];
    });
    expectationCache.set(record, found);
  }
  return found;
}
