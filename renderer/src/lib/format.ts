/** "12 min", "1 h 05 min" — coarse on purpose: this is a workshop, not a stopwatch. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** "lab 1.2", "labs 1.3 and 1.5", "labs 1.1, 1.3 and 1.5": how a person lists the labs one builds on. */
export function labList(ids: readonly string[]): string {
  if (ids.length <= 1) return `lab ${ids[0] ?? ''}`.trim();
  return `labs ${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
}

/** Time the attendee has worked, said as such so it is not read as an estimate: "12 min spent". */
export function formatSpent(ms: number): string {
  return `${formatDuration(ms)} spent`;
}
