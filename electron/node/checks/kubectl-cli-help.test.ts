import { describe, expect, it } from 'vitest';
import { parseAliases, parseFlags, parseSubcommands } from './kubectl-cli-help.ts';
import { findSubcommand, KUBECTL_CLI } from './kubectl-cli.ts';

// Shapes of kubectl 1.33's own help text (abridged from `kubectl create service --help`, `kubectl get --help`).
const CREATE_SERVICE_HELP = `Create a service using a specified subcommand.

Aliases:
service, svc

Available Commands:
  clusterip      Create a ClusterIP service
  nodeport       Create a NodePort service

Usage:
  kubectl create service [flags] [options]
`;

const GET_HELP = `Display one or many resources.

Options:
    -A, --all-namespaces=false:
	If present, list the requested object(s) across all namespaces.

    --chunk-size=500:
	Return large lists in chunks rather than all at once.

    -o, --output='':
	Output format.

    --dry-run='none':
	Must be "none", "server", or "client".

Usage:
  kubectl get [(-o|--output=)json|yaml|name] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]
`;

describe("kubectl's help, read into the command table", () => {
  it('reads options with their short letter, switches apart from valued ones, and optional values', () => {
    expect(parseFlags(GET_HELP, /^Options:$/)).toEqual({
      'all-namespaces': { short: 'A', bool: true },
      'chunk-size': { bool: false },
      output: { short: 'o', bool: false },
      'dry-run': { bool: false, optionalValue: true },
    });
  });

  it('reads subcommands and aliases', () => {
    expect(parseSubcommands(CREATE_SERVICE_HELP)).toEqual(['clusterip', 'nodeport']);
    expect(parseAliases(CREATE_SERVICE_HELP)).toEqual(['service', 'svc']);
  });

  it('holds the commands of the guide in the generated table, found by name or alias', () => {
    for (const name of ['get', 'describe', 'apply', 'run', 'exec', 'logs', 'expose', 'delete', 'config', 'create']) expect(KUBECTL_CLI.commands[name], name).toBeDefined();
    expect(findSubcommand(KUBECTL_CLI.commands.create!.commands, 'svc')?.name).toBe('service');
    expect(KUBECTL_CLI.commands.logs!.flags.follow).toMatchObject({ short: 'f', bool: true });
    expect(KUBECTL_CLI.global.namespace).toMatchObject({ short: 'n', bool: false });
  });
});
