import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Shell integration for the Host terminal: the attendee's own bash or zsh on their laptop reports each
 * command line it ran, with its exit status, so a lab step that asks for something "from your laptop"
 * (lab 1.9: `curl http://localhost:30080/`) is credited by the attendee's own command, like the jumphost's.
 *
 * The laptop is not ours to change (no file may be written into the attendee's home), so the hooks are
 * injected the way terminal emulators do it: bash gets an `--rcfile` that first reads ~/.bashrc, zsh a
 * ZDOTDIR whose files read the attendee's own and then hand ZDOTDIR back. After each command the hook
 * prints an OSC sequence xterm ignores:
 *
 *   ESC ] 6973 ; labdeck-command = <history number> ; <status> ; <pipeline statuses, comma separated> ; <line, hex> BEL
 *
 * and a prompt after no new line reports an empty line. Labdeck believes a report only when it names the
 * line typed into its terminal (typed-lines.ts).
 *
 * The line is hex-encoded so that no byte of it can end the sequence early. Both scripts run on bash 3.2
 * (macOS's /bin/bash) and on zsh 5; other shells (fish, PowerShell, sh) start without integration and
 * their commands are not recorded: the lab's browser link is the other way to show the step.
 */

export const HOST_COMMAND_MARKER = '\u001b]6973;labdeck-command=';

/** od is in POSIX and on every macOS and Linux; it turns the line into bytes in hex without a locale. */
const HEX_OF_LINE = `printf '%s' "$__labdeck_line" | od -An -v -tx1 | tr -d ' \\n'`;

const BASH_RC = `# Labdeck: Host terminal shell integration (bash). Reads what an interactive bash would read, then adds
# a prompt hook that reports each command line and its exit status to Labdeck.
if [ -r "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi

__labdeck_last_seq=
__labdeck_primed=
__labdeck_host_record() {
  # First statement: the attendee's exit status and pipeline statuses.
  local __status=$? __pipes="\${PIPESTATUS[*]}"
  local __entry __seq __labdeck_line
  # Lines history would skip could not be reported; the attendee's laptop keeps its own settings otherwise.
  HISTCONTROL=
  HISTIGNORE=
  __entry=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null)
  if [[ $__entry =~ ^[[:space:]]*([0-9]+)\\*?[[:space:]]+(.*)$ ]]; then
    __seq=\${BASH_REMATCH[1]} __labdeck_line=\${BASH_REMATCH[2]}
  fi
  # The first prompt follows no command (history may be empty, or hold earlier sessions' lines); an
  # unchanged number is an empty line or Ctrl-C at the prompt.
  if [[ -z $__labdeck_primed ]]; then
    __labdeck_primed=1
    __labdeck_last_seq=$__seq
    return 0
  fi
  # No new line: the prompt alone is reported, so Labdeck knows nothing typed before it is still to come.
  if [[ -z $__seq || $__seq == "$__labdeck_last_seq" ]]; then
    printf '\\033]6973;labdeck-command=%s;%s;;\\007' "$__seq" "$__status"
    return 0
  fi
  __labdeck_last_seq=$__seq
  printf '\\033]6973;labdeck-command=%s;%s;%s;%s\\007' "$__seq" "$__status" "\${__pipes// /,}" "$(${HEX_OF_LINE})"
  return 0
}
# First, so that $? is still the attendee's when it runs.
PROMPT_COMMAND="__labdeck_host_record\${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
`;

/** zsh reads $ZDOTDIR/.zshenv, then (interactive) $ZDOTDIR/.zshrc: each reads the attendee's own first. */
const ZSHENV = `# Labdeck: Host terminal shell integration (zsh), step 1 of 2.
__labdeck_zdotdir=$ZDOTDIR
ZDOTDIR=\${LABDECK_USER_ZDOTDIR:-$HOME}
[[ -r $ZDOTDIR/.zshenv ]] && . $ZDOTDIR/.zshenv
# The attendee's .zshenv may move their ZDOTDIR (e.g. to ~/.config/zsh): their .zshrc is read from there.
LABDECK_USER_ZDOTDIR=$ZDOTDIR
ZDOTDIR=$__labdeck_zdotdir
`;

const ZSHRC = `# Labdeck: Host terminal shell integration (zsh), step 2 of 2: the attendee's .zshrc, then the hooks.
ZDOTDIR=\${LABDECK_USER_ZDOTDIR:-$HOME}
unset LABDECK_USER_ZDOTDIR __labdeck_zdotdir
[[ -r $ZDOTDIR/.zshrc ]] && . $ZDOTDIR/.zshrc

__labdeck_seq=0
__labdeck_preexec() {
  __labdeck_pending=$1
}
__labdeck_precmd() {
  # First statement: the attendee's exit status and pipeline statuses.
  local __status=$? __pipes=\${(j:,:)pipestatus}
  if [[ -z \${__labdeck_pending+x} ]]; then
    printf '\\033]6973;labdeck-command=%s;%s;;\\007' "$__labdeck_seq" "$__status"
    return 0
  fi
  local __labdeck_line=$__labdeck_pending
  unset __labdeck_pending
  (( __labdeck_seq += 1 ))
  printf '\\033]6973;labdeck-command=%s;%s;%s;%s\\007' "$__labdeck_seq" "$__status" "$__pipes" "$(${HEX_OF_LINE})"
}
# First in line, so that $? is still the attendee's when it runs.
precmd_functions=(__labdeck_precmd $precmd_functions)
preexec_functions+=(__labdeck_preexec)
`;

export interface ShellLaunch {
  args: string[];
  env: Record<string, string>;
  /** false when the shell is one Labdeck cannot integrate with: it starts as it is, unrecorded. */
  recorded: boolean;
}

let scriptsDir: Promise<string> | undefined;

/** The scripts live in a private folder made once per process (mode 0700 from mkdtemp). */
async function integrationScripts(): Promise<string> {
  scriptsDir ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-shell-'));
    await writeFile(path.join(dir, 'bashrc'), BASH_RC, { mode: 0o600 });
    await writeFile(path.join(dir, '.zshenv'), ZSHENV, { mode: 0o600 });
    await writeFile(path.join(dir, '.zshrc'), ZSHRC, { mode: 0o600 });
    return dir;
  })();
  return scriptsDir;
}

/** How to start `shell` (a path) so that it reports its commands; `env` is the shell's environment so far. */
export async function shellLaunch(shell: string, env: Readonly<Record<string, string>>): Promise<ShellLaunch> {
  const name = path.basename(shell).replace(/\.exe$/i, '');
  if (name === 'bash') {
    const dir = await integrationScripts();
    return { args: ['--rcfile', path.join(dir, 'bashrc'), '-i'], env: {}, recorded: true };
  }
  if (name === 'zsh') {
    const dir = await integrationScripts();
    return { args: ['-i'], env: { ZDOTDIR: dir, LABDECK_USER_ZDOTDIR: env.ZDOTDIR ?? os.homedir() }, recorded: true };
  }
  return { args: [], env: {}, recorded: false };
}
