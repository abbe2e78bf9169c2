# Labdeck command record: after every command line the attendee runs in an interactive shell, append one
# JSON line to /var/lib/labdeck/commands.jsonl:
#   {"seq":12,"command":"kubectl get pods","exitCode":0,"pipeStatus":[0],"startedAt":"...","time":"...",
#    "cwd":"/home/ubuntu","user":"ubuntu","shellPid":41,"session":"..."}
# "time" is when the command finished. The check engine reads the file with `tail -F`.
#
# It hooks PROMPT_COMMAND (runs before each prompt, so $? is the attendee's exit status) and reads the
# line from history. A DEBUG trap notes each simple command bash really executed in the line, with its exit
# status ("ran"): `a; b` tells a's status apart from b's, and a line put into history with `history -s`
# shows that nothing of it ran. (Pipeline members run side by side: their statuses come from PIPESTATUS.) Both the hook and the settings it depends on are made robust against what attendees
# do in a lab: set -e / -u / -x / -f, HISTCONTROL=ignoredups or ignorespace, HISTIGNORE, a small HISTSIZE,
# aliases and functions shadowing commands, replacing PROMPT_COMMAND, and shells that end on a command.

case $- in *i*) ;; *) return 0 ;; esac
[ -n "${BASH_VERSION:-}" ] || return 0
# Sourced twice in one shell (e.g. `. /etc/bash.bashrc`): the readonly hook is already installed.
[ -z "${__labdeck_record_file:-}" ] || return 0

readonly __labdeck_record_file=/var/lib/labdeck/commands.jsonl
__labdeck_last_seq=
__labdeck_primed=
# "status:command" of each simple command this line ran, and the one running now.
__labdeck_ran=()
__labdeck_running=
# Set by the trap each time it runs (at least once before every prompt, for the recorder itself): a line
# recorded without it was run with the trap removed, so what it ran is unknown.
__labdeck_traced=false

__labdeck_debug() {
  # $? here is the status of the simple command that just ended (bash restores it after the trap).
  local __status=$?
  __labdeck_traced=true
  [[ -n $__labdeck_running ]] && __labdeck_ran+=("$__status:$__labdeck_running")
  if [[ $BASH_COMMAND == __labdeck_record* ]]; then __labdeck_running=; else __labdeck_running=$BASH_COMMAND; fi
  return 0
}

__labdeck_record() {
  # Must be the first statement: the status and pipeline statuses of the attendee's command.
  local __status=$? __pipes="${PIPESTATUS[*]}" __options=$-
  # The attendee's errexit/nounset/xtrace/noglob are switched off here and put back on return. (Not with
  # `local -`: that would also undo re-enabling history below.)
  builtin set +o errexit +o nounset +o xtrace +o noglob
  local IFS=$' \t\n'
  local entry seq started command

  # Settings that would make history skip lines, and therefore the record miss them, are put back before
  # the next line is read. (`set +o history` cannot be undone from here: bash restores the history switch
  # after PROMPT_COMMAND runs. Lines typed while it is off are not recorded.)
  HISTCONTROL=
  HISTIGNORE=
  if [[ ! ${HISTSIZE:-} =~ ^[0-9]+$ ]] || (( HISTSIZE < 1000 )); then HISTSIZE=10000; fi

  entry=$(HISTTIMEFORMAT='%s ' builtin history 1 2>/dev/null)
  # "  123* 1732500000 kubectl get pods" -> number, time the line was read, the line itself.
  if [[ $entry =~ ^[[:space:]]*([0-9]+)\*?[[:space:]]+([0-9]+)[[:space:]](.*)$ ]]; then
    seq=${BASH_REMATCH[1]} started=${BASH_REMATCH[2]} command=${BASH_REMATCH[3]}
  else
    seq= started= command=
  fi

  # The first prompt follows no command (history may hold lines from earlier sessions); an unchanged
  # history number means an empty line or Ctrl-C at the prompt.
  if [[ -z $__labdeck_primed ]]; then
    __labdeck_primed=1
    __labdeck_last_seq=$seq
  elif [[ -n $seq && $seq != "$__labdeck_last_seq" ]]; then
    __labdeck_last_seq=$seq
    __labdeck_append "$seq" "$command" "$__status" "$__pipes" "$started" "$__labdeck_traced" "${__labdeck_ran[@]}"
  fi
  __labdeck_ran=()
  __labdeck_running=
  __labdeck_traced=false

  [[ $__options == *f* ]] && builtin set -o noglob
  [[ $__options == *u* ]] && builtin set -o nounset
  [[ $__options == *e* ]] && builtin set -o errexit
  [[ $__options == *x* ]] && builtin set -o xtrace
  return 0
}

__labdeck_append() {
  local seq=$1 command=$2 status=$3 pipes=$4 started=$5 traced=$6
  shift 6

  /usr/bin/jq -cn \
    --argjson seq "$seq" \
    --arg command "$command" \
    --argjson exitCode "$status" \
    --arg pipes "$pipes" \
    --arg started "$started" \
    --arg finished "${EPOCHREALTIME:-}" \
    --arg cwd "$PWD" \
    --arg user "${USER:-$(/usr/bin/id -un)}" \
    --argjson shellPid "$$" \
    --arg session "${LABDECK_SESSION:-}" \
    'def iso: (floor | strftime("%Y-%m-%dT%H:%M:%S")) + "."
              + ((. * 1000 | floor) % 1000 | tostring | ("00" + .)[-3:]) + "Z";
     {seq: $seq, command: $command, exitCode: $exitCode,
      pipeStatus: ($pipes | split(" ") | map(select(. != "") | tonumber)),
      startedAt: ($started | tonumber | iso),
      time: (if $finished == "" then now else ($finished | tonumber) end | iso),
      cwd: $cwd, user: $user, shellPid: $shellPid}
     + (if $session == "" then {} else {session: $session} end)
     + (if $traced == "true" then {ran: ($ARGS.positional | map(capture("^(?<exitCode>[0-9]+):(?<command>[\\s\\S]*)$")
                                      | {command, exitCode: (.exitCode | tonumber)}))} else {} end)' \
    --arg traced "$traced" \
    --args "$@" \
    >>"$__labdeck_record_file" 2>/dev/null
  return 0
}
readonly -f __labdeck_record __labdeck_append __labdeck_debug

# The hook runs first so that $? is still the attendee's; later hooks may be appended to the array but the
# variable itself cannot be replaced. Its stderr goes nowhere so that `set -x` does not trace the recorder.
PROMPT_COMMAND=('__labdeck_record 2>/dev/null' "${PROMPT_COMMAND[@]}")
readonly PROMPT_COMMAND
trap '__labdeck_debug 2>/dev/null' DEBUG
# A shell that ends on a command (`exit 3`, or a failure under `set -e`) shows no further prompt.
trap '__labdeck_record 2>/dev/null' EXIT
