import { corroborateRecords } from '../node/checks/api-corroboration.ts';
import type { ApiRequest } from '../node/checks/api-requests.ts';
import type { CommandRecord } from '../node/checks/check-world.ts';
import { figure, type BenchFigure } from './bench-figures.ts';

/**
 * Matching kubectl lines to the API audit log runs over the whole record each time a line or a request
 * arrives (env/command-log.ts). A long workshop day: 2,000 lines, two thirds kubectl, and the 5,000 requests
 * the command log keeps at most. One figure per size, each from 20 runs.
 */
const RUNS = 20;

function workshop(lines: number, requests: number): { records: CommandRecord[]; requests: ApiRequest[] } {
  const start = Date.parse('2026-12-07T08:00:00.000Z');
  const records = Array.from({ length: lines }, (_, index): CommandRecord => ({
    command: index % 3 === 0 ? `curl -s http://10.96.0.${index % 200}` : `kubectl get pods -n team-${index % 7} -o wide`,
    exitCode: 0,
    startedAt: new Date(start + index * 5000).toISOString(),
    time: new Date(start + index * 5000 + 400).toISOString(),
    terminal: 'jumphost',
  }));
  const audited = Array.from({ length: requests }, (_, index): ApiRequest => ({
    auditID: `request-${index}`,
    verb: 'list',
    resource: 'pods',
    namespace: `team-${index % 7}`,
    sourceIP: '10.1.1.5',
    userAgent: 'kubectl/v1.33.4 (linux/amd64) kubernetes/$Format',
    receivedAt: new Date(start + index * 2000 + 150).toISOString(),
  }));
  return { records, requests: audited };
}

export default async function benchCorroboration(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  for (const [lines, requests] of [[200, 500], [2000, 5000]] as const) {
    const day = workshop(lines, requests);
    const times: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const started = performance.now();
      corroborateRecords(day.records, day.requests, { sentFrom: () => true });
      times.push(Number((performance.now() - started).toFixed(1)));
    }
    figures.push(figure(`kubectl lines matched to the API audit log (${lines} lines, ${requests} requests)`, 'ms', times, 'per arrival of a line or a request; goal < 50 ms'));
  }
  return figures;
}
