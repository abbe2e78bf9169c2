import { KUBERNETES_VERSION, kubernetesMinor } from '../env/versions.ts';

/**
 * Facts about what Labdeck runs that lab Markdown may name through `{{ name }}`. They come from
 * env/versions.ts (which mirrors resources/node/versions.env), so a version bump changes every lab text with
 * the images and nothing in labs/ has to be edited by hand.
 */
export const LAB_TEXT_VARIABLES: Readonly<Record<string, string>> = Object.freeze({
  /** The exact release the nodes, the control plane and the jumphost's kubectl run, e.g. v1.33.4. */
  kubernetesVersion: KUBERNETES_VERSION,
  /** Major.minor of that release, e.g. 1.33: what changes behaviour (removed flags, kubectl's exec syntax). */
  kubernetesMinor: `1.${kubernetesMinor(KUBERNETES_VERSION)}`,
});

/**
 * `{{ name }}` with a plain identifier only. Anything else between double braces (a Go template such as
 * `{{.metadata.name}}` or `{{range .items}}`, which a step may quote for `kubectl -o go-template`) is left
 * as it is, so quoting templates never collides with lab variables.
 */
const REFERENCE = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export interface UnknownVariable {
  name: string;
  /** 1-based position of the `{{` in the original text. */
  line: number;
  column: number;
}

export interface RenderedLabText {
  text: string;
  unknown: UnknownVariable[];
}

/** Replaces every `{{ name }}` with its value; unknown names stay in the text and are reported with their position. */
export function renderLabText(text: string, variables: Readonly<Record<string, string>> = LAB_TEXT_VARIABLES): RenderedLabText {
  const unknown: UnknownVariable[] = [];
  const rendered = text.replace(REFERENCE, (whole: string, name: string, offset: number) => {
    if (Object.hasOwn(variables, name)) return variables[name] ?? whole;
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    unknown.push({ name, line, column: offset - before.lastIndexOf('\n') });
    return whole;
  });
  return { text: rendered, unknown };
}

/** The lint message for an unknown name: says which names exist, so a typo is fixed at once. */
export function unknownVariableMessage(name: string, variables: Readonly<Record<string, string>> = LAB_TEXT_VARIABLES): string {
  return `unknown lab variable {{ ${name} }}; lab Markdown knows ${Object.keys(variables)
    .map((known) => `{{ ${known} }}`)
    .join(', ')}`;
}
