import type { EnvConfig } from './config.ts';

/**
 * Which lab machine a terminal's kubectl requests come from, as the API server sees them: the jumphost's
 * address for the jumphost's terminals, a node's for that node's terminal, and for the laptop's Host terminal
 * an address that is none of the lab's containers (the published port arrives from the network's gateway).
 * A request from the verifier (Labdeck's own probes) or another machine never corroborates an attendee's line.
 */
export function terminalSourceMatcher(config: EnvConfig): (terminal: string, sourceIP: string) => boolean {
  const byTerminal = new Map<string, string>([[config.jumphost.name, config.jumphost.ip], ['jumphost', config.jumphost.ip]]);
  for (const node of config.nodes) byTerminal.set(node.name, node.ip);
  const labAddresses = new Set([...config.nodes.map((node) => node.ip), config.jumphost.ip, config.verifier.ip, config.registry.ip]);
  return (terminal, sourceIP) => {
    if (!sourceIP) return false;
    if (terminal === 'host') return !labAddresses.has(sourceIP);
    return byTerminal.get(terminal) === sourceIP;
  };
}
