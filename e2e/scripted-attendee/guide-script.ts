import type { LabCatalog } from '../../electron/node/labs/lab-catalog.ts';

/**
 * What the scripted attendee types for each step, in order: every line of the step's solution's `bash`
 * blocks, then every command snippet of the step that the solution does not already contain. Read from the
 * course itself, so the script follows the labs as they change; only the exceptions below are written here.
 */

export interface TypedLine {
  /** The line as typed (trailing `# comments` included: attendees paste them). */
  text: string;
  /** `jumphost`, `host` (the laptop's own shell, the host shell tab), or the node whose terminal the line is typed in. */
  terminal: string;
  /** Where the line comes from, for failure messages. */
  from: string;
}

export interface StepScript {
  labId: string;
  stepId: string;
  lines: TypedLine[];
  /** Lines of the guide deliberately not typed, with the reason. */
  notTyped: Array<{ text: string; reason: string }>;
}

/**
 * Lines the guide shows that the scripted attendee does not type in a Labdeck terminal, and why. Keyed by
 * `lab/step` and the line without its comment.
 */
const NOT_TYPED: Record<string, Record<string, string>> = {
  '1.7/run-busybox': {
    'kubectl exec -it alpine -n default -- bash': 'an interactive shell inside the pod: its exit code is that of whatever is typed in it, and no check reads it',
  },
};

const NODES = ['master1', 'worker1', 'worker2'];

/** The command part of a line, without a trailing comment (a `#` after whitespace, outside quotes). */
export function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (quote) {
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    else if (char === '#' && (index === 0 || /\s/.test(line[index - 1] ?? ''))) return line.slice(0, index).trimEnd();
  }
  return line.trimEnd();
}

/**
 * The `bash` code blocks of a solution text, each line with the terminal the text says it belongs to: a
 * paragraph "On master1:" (or worker1, worker2) moves the following blocks to that node's terminal, "On the
 * jumphost:" back to the jumphost, and a paragraph naming the **host shell** to the laptop's own shell.
 */
export function solutionLines(markdown: string): Array<{ text: string; terminal: string }> {
  const lines: Array<{ text: string; terminal: string }> = [];
  let terminal = 'jumphost';
  let inBlock: 'bash' | 'other' | undefined;
  for (const raw of markdown.split('\n')) {
    const fence = /^\s*```(\w*)/.exec(raw);
    if (fence) {
      inBlock = inBlock ? undefined : fence[1] === 'bash' ? 'bash' : 'other';
      continue;
    }
    if (inBlock === 'bash') {
      if (raw.trim() !== '') lines.push({ text: raw.trim(), terminal });
      continue;
    }
    if (inBlock) continue;
    // "… in the **host shell** terminal tab": the laptop's own shell (lab 1.9 from-laptop).
    if (/\*\*host shell\*\*/.test(raw)) terminal = 'host';
    const on = /^On (the )?(\w+)/.exec(raw.trim());
    if (on?.[2] && NODES.includes(on[2])) terminal = on[2];
    else if (on?.[2] === 'jumphost') terminal = 'jumphost';
  }
  return lines;
}

export function courseScript(catalog: LabCatalog): StepScript[] {
  const scripts: StepScript[] = [];
  for (const lab of catalog.labs()) {
    for (const step of lab.steps) {
      const key = `${lab.file.id}/${step.spec.id}`;
      const skip = NOT_TYPED[key] ?? {};
      const script: StepScript = { labId: lab.file.id, stepId: step.spec.id, lines: [], notTyped: [] };
      const seen = new Set<string>();
      const add = (text: string, terminal: string, from: string) => {
        const bare = withoutComment(text);
        if (seen.has(`${terminal} ${bare}`)) return;
        seen.add(`${terminal} ${bare}`);
        const reason = skip[bare];
        if (reason) script.notTyped.push({ text, reason });
        else script.lines.push({ text, terminal, from });
      };
      for (const line of solutionLines(step.solution)) add(line.text, line.terminal, `${step.spec.solution}`);
      for (const snippet of step.spec.snippets) {
        if (snippet.kind === 'command') add(snippet.command, snippet.in === undefined ? 'jumphost' : 'node' in snippet.in ? snippet.in.node : 'host', `lab.yaml snippet ${snippet.id}`);
      }
      scripts.push(script);
    }
  }
  return scripts;
}
