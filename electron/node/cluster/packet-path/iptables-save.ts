/**
 * Parses `iptables-save -c` output: every rule with its packet and byte counters, so two readings of the
 * same node can be compared rule by rule.
 */
export interface IptablesRule {
  table: string;
  chain: string;
  packets: number;
  bytes: number;
  /** The rule as iptables-save prints it, without its counters: `-A KUBE-SVC-… -m comment … -j KUBE-SEP-…`. */
  text: string;
  /** What the rule jumps to (`-j`), e.g. KUBE-SEP-…, DNAT, MASQUERADE. */
  target?: string;
  /** The `--comment` kube-proxy writes, e.g. `default/web -> 10.244.1.3:80`. */
  comment?: string;
  /** Destination of a DNAT rule, e.g. `10.244.1.3:80`. */
  dnatTo?: string;
  /** The `-d` match, e.g. `10.96.0.10/32`. */
  destination?: string;
  /** The `--dport` match. */
  destinationPort?: number;
  /** Identity across readings: table, chain, text and which copy of an identical rule it is. */
  key: string;
}

const COUNTED_RULE = /^\[(\d+):(\d+)\]\s+(-A\s+(\S+)\s*.*)$/;

export function parseIptablesSave(output: string): IptablesRule[] {
  const rules: IptablesRule[] = [];
  const seen = new Map<string, number>();
  let table = '';
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    const match = COUNTED_RULE.exec(line);
    if (!match?.[3] || !match[4]) continue;
    const text = match[3];
    const base = `${table} ${text}`;
    const copy = seen.get(base) ?? 0;
    seen.set(base, copy + 1);
    const target = /\s-j\s+(\S+)/.exec(text)?.[1];
    const comment = /--comment\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(text);
    const dnatTo = /--to-destination\s+(\S+)/.exec(text)?.[1];
    const destination = /(?:^|\s)-d\s+(\S+)/.exec(text)?.[1];
    const port = /--dport\s+(\d+)/.exec(text)?.[1];
    rules.push({
      table,
      chain: match[4],
      packets: Number(match[1]),
      bytes: Number(match[2]),
      text,
      key: copy === 0 ? base : `${base} #${copy}`,
      ...(target ? { target } : {}),
      ...(comment ? { comment: comment[1] ?? comment[2] ?? '' } : {}),
      ...(dnatTo ? { dnatTo } : {}),
      ...(destination ? { destination } : {}),
      ...(port ? { destinationPort: Number(port) } : {}),
    });
  }
  return rules;
}

export interface CounterChange {
  rule: IptablesRule;
  /** Packets this rule matched between the two readings. */
  packets: number;
  /** The rule's counter was zeroed by a rewrite of its chain after the packet passed: its count is unknown. */
  counterReset?: true;
}

/**
 * Rules whose packet counter rose between two readings. A rule missing from the earlier reading (kube-proxy
 * added it since) counts from zero; a counter that went down (rules were rewritten) counts from zero too.
 */
export function counterChanges(before: readonly IptablesRule[], after: readonly IptablesRule[]): CounterChange[] {
  const earlier = new Map(before.map((rule) => [rule.key, rule.packets]));
  const changes: CounterChange[] = [];
  for (const rule of after) {
    const previous = earlier.get(rule.key) ?? 0;
    const packets = rule.packets >= previous ? rule.packets - previous : rule.packets;
    if (packets > 0) changes.push({ rule, packets });
  }
  return changes;
}

/** The line as iptables-save -c prints it, for showing the attendee the real rule. */
export function ruleLine(rule: IptablesRule): string {
  return `[${rule.packets}:${rule.bytes}] ${rule.text}`;
}
