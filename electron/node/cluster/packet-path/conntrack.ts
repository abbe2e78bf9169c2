/**
 * Parses connection tracking entries as `conntrack -L` prints them, or as /proc/net/nf_conntrack holds them
 * (the same fields after an `ipv4 2` prefix). The first src/dst/sport/dport are the original direction (what
 * the client sent), the second the reply direction (what the server answers from, and to whom).
 */
export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  protocol: string;
  /** Seconds until the entry expires; the freshest entry of a kind has the highest. */
  timeout: number;
  state?: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  line: string;
}

export function parseConntrack(output: string): ConntrackEntry[] {
  return output.split('\n').flatMap((raw) => {
    const line = raw.trim();
    const entry = parseEntry(line);
    return entry ? [entry] : [];
  });
}

function parseEntry(line: string): ConntrackEntry | null {
  const tokens = line.split(/\s+/);
  // /proc/net/nf_conntrack starts with the layer 3 name and number.
  if (tokens[0] === 'ipv4' || tokens[0] === 'ipv6') tokens.splice(0, 2);
  const [protocol, , timeout, maybeState] = tokens;
  if (!protocol || !/^[a-z]+$/.test(protocol) || !timeout || !/^\d+$/.test(timeout)) return null;
  const tuples: Array<Partial<Record<'src' | 'dst' | 'sport' | 'dport', string>>> = [{}, {}];
  for (const token of tokens) {
    const pair = /^(src|dst|sport|dport)=(\S+)$/.exec(token);
    if (!pair?.[1] || pair[2] === undefined) continue;
    const field = pair[1] as 'src' | 'dst' | 'sport' | 'dport';
    // A field seen twice belongs to the reply direction.
    const tuple = tuples[0]?.[field] === undefined ? tuples[0] : tuples[1];
    if (tuple && tuple[field] === undefined) tuple[field] = pair[2];
  }
  const original = toTuple(tuples[0]);
  const reply = toTuple(tuples[1]);
  if (!original || !reply) return null;
  return {
    protocol,
    timeout: Number(timeout),
    ...(maybeState && /^[A-Z_]+$/.test(maybeState) ? { state: maybeState } : {}),
    original,
    reply,
    // The file's layer 3 columns ("ipv4     2") are left out: the map offers `conntrack -L`, which has none.
    line: line.replace(/^ipv[46]\s+\d+\s+/, ''),
  };
}

function toTuple(fields: Partial<Record<'src' | 'dst' | 'sport' | 'dport', string>> | undefined): ConntrackTuple | null {
  if (!fields?.src || !fields.dst) return null;
  return {
    src: fields.src,
    dst: fields.dst,
    ...(fields.sport ? { sport: Number(fields.sport) } : {}),
    ...(fields.dport ? { dport: Number(fields.dport) } : {}),
  };
}

/** Entries sent to `address` (and `port`, when given), freshest first. */
export function entriesTo(entries: readonly ConntrackEntry[], address: string, port?: number): ConntrackEntry[] {
  return entries
    .filter((entry) => entry.original.dst === address && (port === undefined || entry.original.dport === port))
    .sort((a, b) => b.timeout - a.timeout);
}

/** Whether the server saw a different source than the client's own: source NAT happened on the way. */
export function sourceTranslated(entry: ConntrackEntry): boolean {
  return entry.reply.dst !== entry.original.src;
}
