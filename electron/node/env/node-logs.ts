import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { LabdeckError } from '../../common/errors.ts';
import { judgeNodeLog, k3sLogMessage, type LogVerdict } from './readiness.ts';

/**
 * Follows a node container's log until k3s reports readiness or a fatal problem. Lines before `sinceSeconds`
 * (an earlier run of the same container) are not considered.
 */
export async function waitForNodeLog(
  docker: Docker,
  containerId: string,
  role: 'server' | 'agent',
  options: { sinceSeconds: number; timeoutMs: number; signal: AbortSignal; onLine?: (message: string) => void },
): Promise<LogVerdict> {
  const stream = (await docker.getContainer(containerId).logs({
    follow: true,
    stdout: true,
    stderr: true,
    since: options.sinceSeconds,
  })) as unknown as Readable;
  const lines: string[] = [];
  const text = new PassThrough();
  docker.modem.demuxStream(stream, text, text);
  return new Promise<LogVerdict>((resolve, reject) => {
    let pending = '';
    let settled = false;
    const finish = (result: LogVerdict | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      (stream as Readable & { destroy(): void }).destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onAbort = () => finish(new LabdeckError('cancelled', 'Cancelled'));
    const timer = setTimeout(() => {
      const verdict = judgeNodeLog(role, lines);
      finish(
        new LabdeckError('environment-not-ready', `k3s on ${role === 'server' ? 'the server' : 'an agent'} did not report readiness within ${Math.round(options.timeoutMs / 1000)} s${verdict.lastMessage ? ` (last: ${verdict.lastMessage})` : ''}.`, {
          action: 'Slow laptops need longer on the first start: run `labdeck env up` again to continue. If it keeps failing, run `labdeck env diagnostics`.',
        }),
      );
    }, options.timeoutMs);
    options.signal.addEventListener('abort', onAbort);
    text.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) {
        lines.push(line);
        options.onLine?.(k3sLogMessage(line));
      }
      const verdict = judgeNodeLog(role, lines);
      if (verdict.ready || verdict.problem) finish(verdict);
    });
    stream.on('end', () => finish(judgeNodeLog(role, lines)));
    stream.on('error', (error: Error) => finish(error));
  });
}
