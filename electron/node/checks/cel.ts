import { celCostProblem, celEnvironment, formatCelValue, parseTemplate, type CelContext } from '../labs/lab-expressions.ts';

/**
 * CEL as the check engine runs it: expressions are parsed once and cached (a check re-evaluates on every
 * related API event), and variables are converted to the types CEL expects (exit codes are ints, not doubles).
 * The environments and template syntax are the ones `labdeck lint` compiles with (labs/lab-expressions.ts).
 */

export type { CelContext } from '../labs/lab-expressions.ts';

type Compiled = (variables: Record<string, unknown>) => unknown;

const compiled = new Map<string, Compiled>();

/** Parses an expression once per context; throws a readable error when it does not parse. */
export function compileCel(expression: string, context: CelContext): Compiled {
  const key = `${context}\u0000${expression}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const parsed = celEnvironment(context).parse(expression);
  // Over the cost budget: never run on the event loop (lint reports it; the check shows this error).
  const costly = celCostProblem(expression, context);
  if (costly) throw new Error(costly);
  const run: Compiled = (variables) => parsed(variables);
  compiled.set(key, run);
  return run;
}

/** Number of cached compiled expressions (the engine's tests assert the cache is used). */
export function celCacheSize(): number {
  return compiled.size;
}

/** Variables for an assertion context, converted for CEL. */
export function celVariables(context: CelContext, values: { object?: unknown; objects?: unknown[]; output?: string; exitCode?: number }): Record<string, unknown> {
  if (context === 'object') return { object: values.object ?? {} };
  if (context === 'objects') return { objects: values.objects ?? [] };
  return { output: values.output ?? '', exitCode: BigInt(values.exitCode ?? 0) };
}

/** Evaluates a boolean assertion; anything but `true` counts as not holding. Throws when evaluation breaks. */
export function celHolds(expression: string, context: CelContext, variables: Record<string, unknown>): boolean {
  return compileCel(expression, context)(variables) === true;
}

/** Renders "has {{ expr }} ready" with the assertion's variables; an expression that cannot be read shows "?". */
export function renderMessage(message: string, context: CelContext, variables: Record<string, unknown>): string {
  return parseTemplate(message)
    .map((part) => {
      if (!part.expression) return part.text;
      try {
        return formatCelValue(compileCel(part.text, context)(variables));
      } catch {
        return '?';
      }
    })
    .join('');
}
