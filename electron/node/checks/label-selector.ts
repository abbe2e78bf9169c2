/**
 * Kubernetes label selector text (`app=nginx,tier!=db,env in (a,b),!legacy`) as a predicate over labels,
 * for filtering objects already held in an informer cache.
 */
export function labelSelectorMatcher(selector: string): (labels: Readonly<Record<string, string>>) => boolean {
  const requirements = splitRequirements(selector).map(parseRequirement);
  return (labels) => requirements.every((requirement) => requirement(labels));
}

function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts.filter((part) => part.length > 0);
}

function parseRequirement(part: string): (labels: Readonly<Record<string, string>>) => boolean {
  let match = part.match(/^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/);
  if (match) {
    const key = match[1] ?? '';
    const values = (match[3] ?? '').split(',').map((value) => value.trim());
    if (match[2] === 'in') return (labels) => labels[key] !== undefined && values.includes(labels[key]);
    return (labels) => labels[key] === undefined || !values.includes(labels[key]);
  }
  match = part.match(/^([^\s!=()]+)\s*!=\s*([^\s,]*)$/);
  if (match) {
    const [, key = '', value = ''] = match;
    return (labels) => labels[key] !== value;
  }
  match = part.match(/^([^\s!=()]+)\s*==?\s*([^\s,]*)$/);
  if (match) {
    const [, key = '', value = ''] = match;
    return (labels) => labels[key] === value;
  }
  match = part.match(/^!\s*([^\s!=()]+)$/);
  if (match) {
    const key = match[1] ?? '';
    return (labels) => labels[key] === undefined;
  }
  match = part.match(/^([^\s!=()]+)$/);
  if (match) {
    const key = match[1] ?? '';
    return (labels) => labels[key] !== undefined;
  }
  throw new Error(`"${part}" is not a label selector requirement (use key=value, key!=value, key, !key, key in (a,b))`);
}
