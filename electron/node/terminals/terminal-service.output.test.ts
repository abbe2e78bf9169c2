import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventPayload } from '../../common/api/contract.ts';
import { FlowControl } from './flow-control.ts';
import { setup } from './terminal-fakes.test-support.ts';

// Issue 21, terminal honesty: output the page lags behind on is replaced by a screen, which is right for
// floods, but an ordinary long output (`kubectl get -o yaml`, `describe`: a few hundred KB at once) must
// reach the page whole, so that the attendee can scroll back through it.

/** A `kubectl get pods -A -o yaml`-like listing of about `bytes` bytes, as the pty delivers it (CR LF). */
function yamlListing(bytes: number): string {
  const lines = ['apiVersion: v1', 'items:'];
  for (let pod = 0; lines.join('\r\n').length < bytes; pod++) {
    lines.push(
      '- apiVersion: v1',
      '  kind: Pod',
      '  metadata:',
      `    name: web-${pod.toString(36).padStart(5, '0')}-7c9f8d6b5-x2k4q`,
      '    namespace: default',
      `    uid: 0f3e${pod.toString(16).padStart(8, '0')}-1a2b-4c5d-9e8f-00112233445566`,
      '  spec:',
      '    containers:',
      '    - image: nginx:1.14.2',
      '      name: nginx',
      '  status:',
      `    podIP: 10.244.${pod % 3}.${pod % 250}`,
      '    phase: Running',
    );
  }
  return `${lines.join('\r\n')}\r\nubuntu@jumphost:~$ `;
}

type Harness = ReturnType<typeof setup>;

/**
 * A page that parses `bytesPerTick` of what it received every 10 ms and acknowledges what it parsed, as the
 * renderer's output queue does; returns once nothing new arrived for a while.
 */
async function pageReads(current: Harness, id: string, bytesPerTick: number): Promise<void> {
  let parsed = 0;
  let quietTicks = 0;
  while (quietTicks < 20) {
    await vi.advanceTimersByTimeAsync(10);
    const received = current.data().reduce((sum, event) => sum + event.data.byteLength, 0);
    const events = current.data();
    if (parsed >= received) {
      quietTicks++;
      const screen = current.emitted.filter((event) => event.name === 'terminal.screen').at(-1)?.payload as EventPayload<'terminal.screen'> | undefined;
      if (screen) current.service.ack(id, screen.seq);
      continue;
    }
    quietTicks = 0;
    parsed = Math.min(received, parsed + bytesPerTick);
    // Acknowledge the stream position of the last event parsed completely.
    let total = 0;
    let seq = 0;
    for (const event of events) {
      total += event.data.byteLength;
      if (total > parsed) break;
      seq = event.seq;
    }
    if (seq > 0) current.service.ack(id, seq);
  }
}

describe('terminal output the page lags behind on', () => {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.service.dispose();
    vi.useRealTimers();
  });

  it('delivers an ordinary long output (400 KB of kubectl YAML at once) whole and in order, with no screen', async () => {
    vi.useFakeTimers();
    current = setup();
    const session = await current.service.open({ target: { kind: 'jumphost' }, cols: 120, rows: 30 }, 'page');
    const output = yamlListing(400_000);
    expect(output.length).toBeGreaterThan(3 * FlowControl.HIGH_WATERMARK_BYTES);
    // kubectl writes it in one go; the pty hands it over in 64 KB reads, far faster than a page parses.
    for (let start = 0; start < output.length; start += 64 * 1024) current.processes[0]!.emit(output.slice(start, start + 64 * 1024));
    // A page parsing about 3 MB/s, slower than Chromium's xterm: it is behind for most of the output.
    await pageReads(current, session.id, 32 * 1024);
    const delivered = Buffer.concat(current.data('page').map((event) => event.data)).toString();
    expect(delivered.length).toBe(output.length);
    expect(delivered === output).toBe(true);
    expect(current.emitted.filter((event) => event.name === 'terminal.screen')).toEqual([]);
  });

  it('delivers it whole also when the page was busy and acknowledged nothing while it arrived', async () => {
    vi.useFakeTimers();
    current = setup();
    const session = await current.service.open({ target: { kind: 'jumphost' }, cols: 120, rows: 30 }, 'page');
    const output = yamlListing(700_000);
    for (let start = 0; start < output.length; start += 64 * 1024) {
      current.processes[0]!.emit(output.slice(start, start + 64 * 1024));
      await vi.advanceTimersByTimeAsync(20);
    }
    await pageReads(current, session.id, 64 * 1024);
    expect(Buffer.concat(current.data('page').map((event) => event.data)).toString() === output).toBe(true);
  });

  it('still replaces a flood (8 MB) by the screen once the page catches up, with the flood\'s end on it', async () => {
    vi.useFakeTimers();
    current = setup();
    const session = await current.service.open({ target: { kind: 'jumphost' }, cols: 120, rows: 30 }, 'page');
    const line = `y ${'x'.repeat(70)}\r\n`;
    const chunk = line.repeat(Math.floor((64 * 1024) / line.length));
    const chunks = Math.ceil(8_000_000 / chunk.length);
    for (let index = 0; index < chunks; index++) current.processes[0]!.emit(chunk);
    current.processes[0]!.emit('FLOOD-END\r\n$ ');
    await pageReads(current, session.id, 32 * 1024);
    const delivered = current.data('page').reduce((sum, event) => sum + event.data.byteLength, 0);
    expect(delivered).toBeLessThan(FlowControl.HIGH_WATERMARK_BYTES + FlowControl.BACKLOG_MAX_BYTES + 256 * 1024);
    const screens = current.emitted.filter((event) => event.name === 'terminal.screen').map((event) => event.payload as EventPayload<'terminal.screen'>);
    expect(screens.at(-1)?.screen).toContain('FLOOD-END');
  });
});
