import type { LineCounter, YAMLError } from 'yaml';
import type { ManifestProblem } from '../../common/api/cluster.ts';

/**
 * The YAML parser's syntax errors as an attendee can act on them: one problem per line, in plain words,
 * on the line to fix. The parser reports an over-indented key as two messages about "compact mappings"
 * and "implicit keys" on the line *above* it; here that becomes one problem on the over-indented line.
 */

const PLAIN: Record<string, string> = {
  TAB_AS_INDENT: 'A tab indents this line; YAML indents with spaces only.',
  DUPLICATE_KEY: 'This key appears twice in the same object; keys must be unique, so keep one of them.',
  BAD_INDENT: 'This line is not indented like the lines around it: the keys of one object start in the same column.',
  MULTILINE_IMPLICIT_KEY: 'This line is not a `key: value` pair: is a colon missing, or is the next line indented too far?',
  BLOCK_AS_IMPLICIT_KEY: 'This line is not a `key: value` pair: is a colon missing, or is the next line indented too far?',
  MISSING_CHAR: 'Something is missing here, such as a closing quote or bracket.',
};

/** Codes of the errors an over-indented key produces on the line above it. */
const INDENT_SYMPTOMS = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'BAD_INDENT']);

const indentOf = (line: string) => /^ */.exec(line)?.[0].length ?? 0;
const keyOf = (line: string) => /^\s*(?:- )?([^\s#:][^:#]*?):(?:\s|$)/.exec(line)?.[1];
const isBlank = (line: string) => /^\s*(#.*)?$/.test(line);

/** The over-indented line right after `line` (1-based), when that explains the parser's complaint there. */
function overIndentedAfter(lines: readonly string[], line: number): { line: number; message: string } | null {
  const above = lines[line - 1];
  if (above === undefined) return null;
  let next = line + 1;
  while (next <= lines.length && isBlank(lines[next - 1] ?? '')) next++;
  const below = lines[next - 1];
  if (below === undefined) return null;
  const aboveKey = keyOf(above);
  const belowKey = keyOf(below);
  // "name: web" followed by a deeper "labels: x": the value of name is a scalar, so nothing may nest under it.
  if (!aboveKey || !belowKey || !/:\s+\S/.test(above.replace(/#.*$/, '')) || indentOf(below) <= indentOf(above)) return null;
  const spaces = indentOf(above);
  return {
    line: next,
    message: `\`${belowKey}\` is indented further than \`${aboveKey}\` above it, which has a value already. If it belongs beside \`${aboveKey}\`, indent it by ${spaces} space${spaces === 1 ? '' : 's'} like that line.`,
  };
}

export function yamlSyntaxProblems(errors: readonly YAMLError[], lineCounter: LineCounter, text: string): ManifestProblem[] {
  const lines = text.split(/\r?\n/);
  const byLine = new Map<number, ManifestProblem>();
  const explained = new Set<number>();
  for (const error of errors) {
    const start = lineCounter.linePos(error.pos[0]);
    if (INDENT_SYMPTOMS.has(error.code)) {
      const over = overIndentedAfter(lines, start.line);
      if (over) {
        explained.add(start.line);
        if (!byLine.has(over.line)) {
          const width = lines[over.line - 1]?.length ?? 0;
          byLine.set(over.line, { line: over.line, column: 1, endLine: over.line, endColumn: width + 1, message: over.message, source: 'yaml' });
        }
        continue;
      }
    }
    if (explained.has(start.line) || byLine.has(start.line)) continue;
    const end = lineCounter.linePos(error.pos[1]);
    const message = PLAIN[error.code] ?? (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '.');
    byLine.set(start.line, { line: start.line, column: start.col, endLine: end.line, endColumn: end.col, message, source: 'yaml' });
  }
  return [...byLine.values()].sort((a, b) => a.line - b.line || a.column - b.column);
}
