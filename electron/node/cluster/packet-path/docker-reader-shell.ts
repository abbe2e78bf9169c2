import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { OpenShellChannel, ShellChannel } from './reader-shell.ts';

/** What the shell itself says on stderr (a command's own stderr joins its stdout): kept short, for the message. */
const STDERR_KEPT = 2_000;
/** How long a closed shell's connection may stay while the shell reads its end of input and exits. */
const CLOSE_GRACE_MS = 2_000;

/**
 * A reader shell's channel through the Docker API: a non-TTY `docker exec -i` kept open, its stdout and stderr
 * separated by Docker's stream header (so the frames are read from stdout alone). Ending stdin ends the shell;
 * when the connection drops (Labdeck quits or crashes) Docker closes its stdin too, so no shell is left behind.
 */
export function dockerShellChannel(docker: Docker): OpenShellChannel {
  return async (containerId, argv) => {
    const exec = await docker.getContainer(containerId).exec({ Cmd: argv, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    docker.modem.demuxStream(stream, stdout, stderr);
    let said = '';
    stderr.on('data', (chunk: Buffer) => {
      said = `${said}${chunk.toString('utf8')}`.slice(-STDERR_KEPT);
    });
    const endListeners: Array<(reason: string) => void> = [];
    let ended: string | null = null;
    const end = (reason: string) => {
      if (ended !== null) return;
      ended = said.trim() ? `${reason}: ${said.trim().split('\n').at(-1)}` : reason;
      for (const listener of endListeners) listener(ended);
    };
    stream.on('end', () => end('its stream ended'));
    stream.on('close', () => end('its connection closed'));
    stream.on('error', (error: Error) => end(error.message));
    const channel: ShellChannel = {
      onStdout: (listener) => stdout.on('data', listener),
      onEnd: (listener) => {
        // A shell that died before anyone listened (its container stopped at once) still reports it.
        if (ended !== null) listener(ended);
        else endListeners.push(listener);
      },
      write: (text) => {
        if (ended === null && stream.writable) stream.write(text);
      },
      close: () => {
        // End stdin (the shell reads EOF and exits, and Docker closes the connection); drop it anyway soon after.
        end('closed');
        if (stream.writable) stream.end();
        setTimeout(() => stream.destroy(), CLOSE_GRACE_MS).unref();
      },
    };
    return channel;
  };
}
