# Labdeck command record: after every command line the attendee runs in an interactive shell, report one
# JSON record to Labdeck's terminal as an invisible escape sequence (xterm ignores OSC 6973):
#   ESC ] 6973 ; labdeck-record = {"seq":12,"exitCode":0,"pipeStatus":[0],"startedAt":1765000000,
#     "command":"kubectl get pods","cwd":"/home/ubuntu","ran":[{"exitCode":0,"command":"kubectl get pods"}]} BEL
# and an empty record at a prompt after no new line. Nothing is kept in the jumphost: the record is what
# Labdeck's terminal received, believed only when it names the line typed there
# (electron/node/terminals/typed-lines.ts), and a kubectl line only when the API server saw its request.
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
[ -z "${__labdeck_terminal:-}" ] || return 0

readonly __labdeck_terminal=/dev/tty
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
  else
    # No new line (an empty line, Ctrl-C): the prompt alone, so nothing typed before it is still to come.
    builtin printf '\033]6973;labdeck-record=\007' >"$__labdeck_terminal" 2>/dev/null
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

# Appends $1 to __labdeck_json as a JSON string, without starting a process (this runs before every
# prompt). Fails on a control character it does not escape; the record is then written by jq.
__labdeck_quote() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  s=${s//$'\e'/\\u001b}
  s=${s//$'\a'/\\u0007}
  s=${s//$'\x7f'/\\u007f}
  [[ $s == *[$'\001'-$'\037']* ]] && return 1
  __labdeck_json+="\"$s\""
}

__labdeck_append() {
  local seq=$1 command=$2 status=$3 pipes=$4 started=$5 traced=$6 entry first=1
  shift 6
  # Built in bash: a jq per prompt would delay every prompt (and a Ctrl-C's) by a process start.
  local __labdeck_json="{\"seq\":$seq,\"exitCode\":$status,\"pipeStatus\":[${pipes// /,}],\"startedAt\":${started:-null},\"command\":"
  if __labdeck_quote "$command" && __labdeck_json+=',"cwd":' && __labdeck_quote "$PWD"; then
    if [[ $traced == true ]]; then
      __labdeck_json+=',"ran":['
      for entry in "$@"; do
        [[ -n $first ]] || __labdeck_json+=','
        first=
        __labdeck_json+="{\"exitCode\":${entry%%:*},\"command\":"
        __labdeck_quote "${entry#*:}" || { __labdeck_json=; break; }
        __labdeck_json+='}'
      done
      [[ -n $__labdeck_json ]] && __labdeck_json+=']'
    fi
    [[ -n $__labdeck_json ]] && __labdeck_json+='}'
  else
    __labdeck_json=
  fi
  if [[ -z $__labdeck_json ]]; then
    __labdeck_json=$(/usr/bin/jq -cn --argjson seq "$seq" --arg command "$command" --argjson exitCode "$status" \
      --arg pipes "$pipes" --arg started "$started" --arg cwd "$PWD" --arg traced "$traced" \
      '{seq: $seq, exitCode: $exitCode, pipeStatus: ($pipes | split(" ") | map(select(. != "") | tonumber)),
        startedAt: (if $started == "" then null else ($started | tonumber) end), command: $command, cwd: $cwd}
       + (if $traced == "true" then {ran: ($ARGS.positional | map(capture("^(?<exitCode>[0-9]+):(?<command>[\\s\\S]*)$")
                                        | {command, exitCode: (.exitCode | tonumber)}))} else {} end)' \
      --args "$@" 2>/dev/null)
  fi
  # jq's output and the escapes above hold no ESC or BEL: nothing in the record can end the sequence.
  [[ -n $__labdeck_json ]] && builtin printf '\033]6973;labdeck-record=%s\007' "$__labdeck_json" >"$__labdeck_terminal" 2>/dev/null
  return 0
}
readonly -f __labdeck_record __labdeck_append __labdeck_quote __labdeck_debug

# The hook runs first so that $? is still the attendee's; later hooks may be appended to the array but the
# variable itself cannot be replaced. Its stderr goes nowhere so that `set -x` does not trace the recorder.
PROMPT_COMMAND=('__labdeck_record 2>/dev/null' "${PROMPT_COMMAND[@]}")
readonly PROMPT_COMMAND
trap '__labdeck_debug 2>/dev/null' DEBUG
# A shell that ends on a command (`exit 3`, or a failure under `set -e`) shows no further prompt.
trap '__labdeck_record 2>/dev/null' EXIT
