# shellcheck shell=bash
# Shell functions shared by compare.sh and run-zookeeper.sh (sourced, not run). Everything talks to 127.0.0.1.
# The sourcing script sets LOG_PREFIX (the name its messages start with) before sourcing.

say() { echo "${LOG_PREFIX:-benchmark}: $*" >&2; }
die() { say "$*"; exit 1; }

# resolve_java: sets and exports JAVA (kept if set; else $JAVA_HOME/bin/java; else java from PATH).
resolve_java() {
  if [[ -z "${JAVA:-}" ]]; then
    if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
  fi
  export JAVA
}

# four_letter PORT WORD: prints the server's answer to a four-letter word (empty if none within 3 s).
four_letter() {
  # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%s" "$2" >&3 && cat <&3' _ "$1" "$2" \
    2>/dev/null || true
}

# server_mode PORT: the Mode line of srvr (standalone, leader, follower), or "no answer".
server_mode() {
  local mode
  mode="$(four_letter "$1" srvr | sed -n 's/^Mode: //p')"
  echo "${mode:-no answer}"
}

# port_in_use PORT: something accepts connections on 127.0.0.1:PORT.
port_in_use() {
  # shellcheck disable=SC2016 # $1 expands in the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# is_alive PID: the process exists and is not a zombie (an exited child nobody has reaped yet).
is_alive() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

# cmdline_has PID TEXT: PID is alive and its command line contains TEXT. Guards every signal we send against a
# PID that has since been reused by someone else's process.
cmdline_has() {
  is_alive "$1" && [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$2"
}

# stop_pids GRACE PID...: SIGTERM to every PID, waits up to GRACE seconds for all of them to exit, then SIGKILLs
# the ones left. Signals only the PIDs given: callers pass processes they started themselves.
stop_pids() {
  local grace="$1" deadline pid left=()
  shift
  (( $# > 0 )) || return 0
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + grace))
  while :; do
    left=()
    for pid in "$@"; do
      if is_alive "$pid"; then left+=("$pid"); fi
    done
    (( ${#left[@]} > 0 )) || return 0
    (( SECONDS < deadline )) || break
    sleep 0.5
  done
  say "pid ${left[*]} still running ${grace} s after SIGTERM, sending SIGKILL"
  kill -KILL "${left[@]}" 2>/dev/null || true
}

# wait_serving NAME PORT PID LOG TIMEOUT: waits until the server on 127.0.0.1:PORT answers ruok with imok and
# srvr reports a serving Mode (standalone, leader or follower). Returns 0 then; 1 if process PID exits first, 2
# after TIMEOUT seconds, printing the last lines of LOG in both cases. It never stops the process: the caller
# decides (a half-started server must not linger).
wait_serving() {
  local name="$1" port="$2" pid="$3" log="$4" timeout="$5"
  local deadline=$((SECONDS + timeout))
  while :; do
    if ! is_alive "$pid"; then
      say "$name (pid $pid) exited during startup; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    if [[ "$(four_letter "$port" ruok)" == "imok" ]] \
        && four_letter "$port" srvr | grep -Eq '^Mode: (standalone|leader|follower)'; then
      return 0
    fi
    if (( SECONDS >= deadline )); then
      say "$name (pid $pid) not serving on 127.0.0.1:$port after ${timeout} s; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      return 2
    fi
    sleep 0.5
  done
}
