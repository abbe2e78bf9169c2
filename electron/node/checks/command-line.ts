/**
 * Reads a recorded shell line the way bash would split it, without running anything: words with their
 * quotes removed, `$VAR`/`${VAR}` replaced by what earlier lines of the same shell assigned, and the line cut
 * into simple commands at `|`, `;`, `&&`, `||` and `&`. Command checks match these words instead of one
 * regular expression per spelling (see command-grammar.ts for what the words mean to kubectl or curl).
 *
 * What cannot be known without running the line stays visible as such: `$(...)` is kept as a substitution
 * (a check may still recognise `$(kubectl get pod nginx -o jsonpath=...)`), and a variable nobody assigned
 * is kept as unknown, so it never matches a literal by accident.
 */

export type Segment =
  | { kind: 'text'; text: string }
  /** `$(...)` or backticks: the inner command line, unexpanded. */
  | { kind: 'substitution'; command: string }
  /** `$NAME` that no earlier line of this shell assigned. */
  | { kind: 'unknown'; name: string };

export interface Word {
  segments: Segment[];
}

/** Variables a shell has assigned so far, by name. */
export type ShellVariables = ReadonlyMap<string, Word>;

export interface SimpleCommand {
  /** `NAME=value` words before the command name (or the whole command, for a plain assignment). */
  assignments: Array<{ name: string; value: Word }>;
  words: Word[];
  /** Position in its pipeline (`a | b`: a is 0 of 2). */
  pipelineIndex: number;
  pipelineLength: number;
  /** How the pipeline this command belongs to is joined to the next one; null for the line's last. */
  next: ';' | '&&' | '||' | '&' | null;
}

export interface ParsedLine {
  commands: SimpleCommand[];
  /** The variables after the line ran (assignments and `export NAME=value` applied). */
  variables: ShellVariables;
}

/** The word as plain text, or null when part of it is only known at run time. */
export function wordText(word: Word): string | null {
  let text = '';
  for (const segment of word.segments) {
    if (segment.kind !== 'text') return null;
    text += segment.text;
  }
  return text;
}

/** The word for messages: `$(...)` and `$NAME` shown as typed. */
export function wordDisplay(word: Word): string {
  return word.segments.map((segment) => (segment.kind === 'text' ? segment.text : segment.kind === 'substitution' ? `$(${segment.command})` : `$${segment.name}`)).join('');
}

export function textWord(text: string): Word {
  return { segments: [{ kind: 'text', text }] };
}

/** The word without its first `count` characters (the `--name=` or `-n` an option's value was attached to). */
export function dropChars(word: Word, count: number): Word {
  const [first, ...rest] = word.segments;
  if (!first || first.kind !== 'text') return word;
  const remaining = first.text.slice(count);
  return { segments: remaining === '' && rest.length > 0 ? rest : [{ kind: 'text', text: remaining }, ...rest] };
}

type Token = { kind: 'word'; word: Word; readonly assignable: boolean } | { kind: 'operator'; operator: string };

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;
const OPERATORS = ['&&', '||', ';;', '|&', '>>', '<<<', '<<', '&>', '>&', '<&', '|', ';', '&', '<', '>', '(', ')', '\n'];
const LIST_SEPARATORS = new Set([';', '&&', '||', '&', '\n', ';;']);
const REDIRECTIONS = new Set(['>>', '<<<', '<<', '&>', '>&', '<&', '<', '>']);

/** Splits a line into simple commands, expanding variables from `variables` (and from the line itself). */
export function parseShellLine(line: string, variables: ShellVariables = new Map()): ParsedLine {
  const scope = new Map(variables);
  const tokens = tokenize(line);
  const commands: SimpleCommand[] = [];
  let pipeline: SimpleCommand[] = [];
  let current: SimpleCommand = emptyCommand();

  const endCommand = () => {
    if (current.words.length > 0 || current.assignments.length > 0) {
      // A line of only assignments sets shell variables; `A=1 cmd` sets A for cmd alone.
      if (current.words.length === 0) for (const { name, value } of current.assignments) scope.set(name, value);
      applyExport(current, scope);
      pipeline.push(current);
    }
    current = emptyCommand();
  };
  const endPipeline = (next: SimpleCommand['next']) => {
    endCommand();
    pipeline.forEach((command, index) => {
      command.pipelineIndex = index;
      command.pipelineLength = pipeline.length;
      command.next = next;
    });
    commands.push(...pipeline);
    pipeline = [];
  };

  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.kind === 'word') {
      // Expanded here, not while tokenizing: `A=1; curl $A` sees the assignment made earlier on the line.
      token.word = expand(token.word, scope);
      const text = wordText(token.word);
      const assignment = token.assignable && current.words.length === 0 ? ASSIGNMENT.exec(text ?? firstText(token.word)) : null;
      if (assignment) current.assignments.push({ name: assignment[1]!, value: dropPrefix(token.word, assignment[0].length) });
      else current.words.push(token.word);
      continue;
    }
    if (REDIRECTIONS.has(token.operator)) {
      // `> file`, `2>&1`: the target word belongs to the redirection, not to the command's arguments.
      const target = tokens[index + 1];
      if (target?.kind === 'word') index += 1;
      const last = current.words.at(-1);
      if (last && /^[0-9]+$/.test(wordText(last) ?? '') && token.operator !== '&>') current.words.pop();
      continue;
    }
    if (token.operator === '|' || token.operator === '|&') endCommand();
    else if (LIST_SEPARATORS.has(token.operator)) endPipeline(token.operator === '\n' || token.operator === ';;' ? ';' : (token.operator as SimpleCommand['next']));
    else endPipeline(';'); // ( and ): a subshell's commands are read as if they were on the line itself
  }
  endPipeline(null);
  // A trailing `;` or `&` ends the line without another command: its last pipeline is still the last.
  const last = commands.at(-1);
  if (last) for (const command of commands.slice(commands.length - last.pipelineLength)) command.next = null;
  return { commands, variables: scope };
}

function emptyCommand(): SimpleCommand {
  return { assignments: [], words: [], pipelineIndex: 0, pipelineLength: 1, next: null };
}

function applyExport(command: SimpleCommand, scope: Map<string, Word>): void {
  const name = command.words[0] ? wordText(command.words[0]) : null;
  if (name !== 'export' && name !== 'declare' && name !== 'readonly' && name !== 'local') return;
  for (const word of command.words.slice(1)) {
    const text = firstText(word);
    const assignment = ASSIGNMENT.exec(text);
    if (assignment) scope.set(assignment[1]!, dropPrefix(word, assignment[0].length));
  }
}

function firstText(word: Word): string {
  const first = word.segments[0];
  return first?.kind === 'text' ? first.text : '';
}

/** The word without its first `length` characters (all inside its leading text segment). */
function dropPrefix(word: Word, length: number): Word {
  const [first, ...rest] = word.segments;
  if (!first || first.kind !== 'text') return word;
  const remaining = first.text.slice(length);
  return { segments: remaining === '' ? rest : [{ kind: 'text', text: remaining }, ...rest] };
}

class WordBuilder {
  segments: Segment[] = [];
  started = false;

  text(text: string): void {
    this.started = true;
    const last = this.segments.at(-1);
    if (last?.kind === 'text') last.text += text;
    else this.segments.push({ kind: 'text', text });
  }

  add(word: Word): void {
    this.started = true;
    for (const segment of word.segments) {
      if (segment.kind === 'text') this.text(segment.text);
      else this.segments.push(segment);
    }
  }

  take(): Word | null {
    if (!this.started) return null;
    const word = { segments: this.segments.length > 0 ? this.segments : [{ kind: 'text' as const, text: '' }] };
    this.segments = [];
    this.started = false;
    return word;
  }
}

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  const builder = new WordBuilder();
  let assignable = true;
  const flush = () => {
    const word = builder.take();
    if (word) tokens.push({ kind: 'word', word, assignable });
    assignable = true;
  };
  let index = 0;
  while (index < line.length) {
    const char = line[index]!;
    if (char === ' ' || char === '\t') {
      flush();
      index += 1;
      continue;
    }
    if (char === '#' && !builder.started) break; // a comment runs to the end of the line
    if (char === '\\') {
      if (line[index + 1] === '\n') index += 2; // line continuation
      else {
        builder.text(line[index + 1] ?? '');
        index += 2;
      }
      continue;
    }
    if (char === "'") {
      if (!builder.started) assignable = false;
      const end = line.indexOf("'", index + 1);
      builder.text(end === -1 ? line.slice(index + 1) : line.slice(index + 1, end));
      index = end === -1 ? line.length : end + 1;
      continue;
    }
    if (char === '"') {
      if (!builder.started) assignable = false;
      index = readDoubleQuoted(line, index + 1, builder);
      continue;
    }
    if (char === '$' || char === '`') {
      index = readExpansion(line, index, builder);
      continue;
    }
    const operator = OPERATORS.find((candidate) => line.startsWith(candidate, index));
    if (operator) {
      // `2>&1`: the digit before a redirection is a file descriptor, handled by the parser.
      flush();
      tokens.push({ kind: 'operator', operator });
      index += operator.length;
      continue;
    }
    builder.text(char);
    index += 1;
  }
  flush();
  return tokens;
}

function readDoubleQuoted(line: string, start: number, builder: WordBuilder): number {
  builder.text('');
  let index = start;
  while (index < line.length) {
    const char = line[index]!;
    if (char === '"') return index + 1;
    if (char === '\\' && '$`"\\\n'.includes(line[index + 1] ?? '')) {
      builder.text(line[index + 1]!);
      index += 2;
      continue;
    }
    if (char === '$' || char === '`') {
      index = readExpansion(line, index, builder);
      continue;
    }
    builder.text(char);
    index += 1;
  }
  return index;
}

/** `$NAME`, `${NAME}`, `$(...)`, `$((...))`, backticks; anything else after `$` is literal. */
function readExpansion(line: string, index: number, builder: WordBuilder): number {
  if (line[index] === '`') {
    const end = line.indexOf('`', index + 1);
    const inner = end === -1 ? line.slice(index + 1) : line.slice(index + 1, end);
    builder.add({ segments: [{ kind: 'substitution', command: inner.trim() }] });
    return end === -1 ? line.length : end + 1;
  }
  const next = line[index + 1];
  if (next === '(') {
    const end = matchingParen(line, index + 1);
    const inner = line.slice(index + 2, end);
    builder.add({ segments: [{ kind: 'substitution', command: inner.trim() }] });
    return end + 1;
  }
  if (next === '{') {
    const end = line.indexOf('}', index + 2);
    const body = end === -1 ? line.slice(index + 2) : line.slice(index + 2, end);
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body)?.[0];
    // ${X:-default} and friends keep their whole text as the name, so they never resolve.
    builder.add({ segments: [{ kind: 'unknown', name: name && name === body ? name : body }] });
    return end === -1 ? line.length : end + 1;
  }
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(index + 1))?.[0];
  if (name) {
    builder.add({ segments: [{ kind: 'unknown', name }] });
    return index + 1 + name.length;
  }
  if (next !== undefined && /[?#@*0-9!$-]/.test(next)) {
    builder.add({ segments: [{ kind: 'unknown', name: next }] });
    return index + 2;
  }
  builder.text('$');
  return index + 1;
}

/** Variables are kept as `unknown` segments by the tokenizer and replaced with their value here. */
function expand(word: Word, scope: Map<string, Word>): Word {
  if (!word.segments.some((segment) => segment.kind === 'unknown')) return word;
  const builder = new WordBuilder();
  for (const segment of word.segments) {
    const value = segment.kind === 'unknown' ? (scope.get(segment.name) ?? (segment.name === 'HOME' ? textWord('~') : undefined)) : undefined;
    builder.add(value ?? { segments: [segment] });
  }
  return builder.take() ?? word;
}

/** Index of the `)` closing the `(` at `open`, skipping quoted text and nested parentheses. */
function matchingParen(line: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let index = open; index < line.length; index += 1) {
    const char = line[index]!;
    if (quote) {
      if (char === '\\' && quote === '"') index += 1;
      else if (char === quote) quote = null;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    else if (char === '\\') index += 1;
    else if (char === '(') depth += 1;
    else if (char === ')') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return line.length;
}
