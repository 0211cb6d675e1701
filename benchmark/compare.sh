#!/usr/bin/env bash
# Measures Apache ZooKeeper 3.9.5 (standalone) and a Canopy node with the same workloads, one after the other,
# and prints a markdown table with both results and the ratio Canopy / ZooKeeper.
#
#   benchmark/compare.sh [--duration 10s] [--warmup 3s] [--workload all] [--sessions 32] [--outstanding 100]
#                        [--value-bytes 1024] [--watchers 100] [--churn-concurrency 8] [--only zookeeper|canopy]
#                        [--zk-port 22181] [--canopy-port 22182] [--canopy-http-port 28080]
#
# Output: benchmark/target/compare/<time>/ with results.csv, comparison.md and the servers' logs.
# Environment: SERVER_JVM_OPTS (both servers, default "-Xmx2g"), BENCH_JVM_OPTS (load generator, "-Xmx1g"),
# CANOPY_JAR (default coordinator-node/target/canopy-node.jar), CANOPY_ARGS (extra node arguments, default
# "--canopy.limits.max-client-connections=0": the benchmark opens >60 sessions from 127.0.0.1), CANOPY_START_TIMEOUT (90).
# Everything listens on 127.0.0.1; only the processes this script started are stopped, by PID.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_JAR="$BENCH_DIR/target/canopy-bench.jar"
CANOPY_JAR="${CANOPY_JAR:-$ROOT_DIR/coordinator-node/target/canopy-node.jar}"
CANOPY_ARGS="${CANOPY_ARGS:---canopy.limits.max-client-connections=0}"
export SERVER_JVM_OPTS="${SERVER_JVM_OPTS:--Xmx2g}"
BENCH_JVM_OPTS="${BENCH_JVM_OPTS:--Xmx1g}"
CANOPY_START_TIMEOUT="${CANOPY_START_TIMEOUT:-90}"
if [[ -z "${JAVA:-}" ]]; then
  if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
fi
export JAVA

duration=10s warmup=3s workload=all sessions=32 outstanding=100 value_bytes=1024 watchers=100 churn=8 only=""
zk_port=22181 canopy_port=22182 canopy_http_port=28080
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2" ;;
    --warmup) warmup="$2" ;;
    --workload) workload="$2" ;;
    --sessions) sessions="$2" ;;
    --outstanding) outstanding="$2" ;;
    --value-bytes) value_bytes="$2" ;;
    --watchers) watchers="$2" ;;
    --churn-concurrency) churn="$2" ;;
    --only) only="$2" ;;
    --zk-port) zk_port="$2" ;;
    --canopy-port) canopy_port="$2" ;;
    --canopy-http-port) canopy_http_port="$2" ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done

say() { echo "compare: $*" >&2; }

OUT="$BENCH_DIR/target/compare/$(date +%Y%m%d-%H%M%S)"
CSV="$OUT/results.csv"
mkdir -p "$OUT"

if [[ ! -f "$BENCH_JAR" || ! -f "$BENCH_DIR/target/zk-classpath/zookeeper-3.9.5.jar" ]]; then
  say "building the benchmark module"
  (cd "$ROOT_DIR" && ./mvnw -q -pl benchmark package -DskipTests)
fi

zk_started="" canopy_pid=""
cleanup() {
  if [[ -n "$zk_started" ]]; then "$BENCH_DIR/run-zookeeper.sh" stop || true; zk_started=""; fi
  if [[ -n "$canopy_pid" ]]; then stop_canopy; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bench LABEL CONNECT: runs every workload against one server, appending to $CSV; never fails the script.
bench() {
  local label="$1" connect="$2"
  say "measuring $label at $connect"
  # The load generator has its own watchdog; timeout(1) is the backstop should the JVM itself wedge.
  # shellcheck disable=SC2086 # BENCH_JVM_OPTS is a list of options
  timeout --kill-after=10 900 "$JAVA" $BENCH_JVM_OPTS -jar "$BENCH_JAR" --connect "$connect" --label "$label" \
    --workload "$workload" --duration "$duration" --warmup "$warmup" --sessions "$sessions" \
    --outstanding "$outstanding" --value-bytes "$value_bytes" --watchers "$watchers" \
    --churn-concurrency "$churn" --wait 30s --out "$CSV" 2> "$OUT/bench-$label.log" | tee "$OUT/table-$label.txt" \
    || say "$label: load generator exited with an error (see $OUT/bench-$label.log)"
}

run_zookeeper() {
  say "starting Apache ZooKeeper 3.9.5 standalone on 127.0.0.1:$zk_port"
  if ! "$BENCH_DIR/run-zookeeper.sh" start --port "$zk_port" > /dev/null; then
    say "ZooKeeper did not start; skipping it"
    return
  fi
  zk_started=1
  bench zookeeper "127.0.0.1:$zk_port"
  "$BENCH_DIR/run-zookeeper.sh" stop || true
  zk_started=""
  cp "$BENCH_DIR/target/zk-standalone/zk.log" "$OUT/zookeeper-server.log" 2>/dev/null || true
}

port_answers() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

stop_canopy() {
  local pid="$canopy_pid" i
  canopy_pid=""
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "Canopy (pid $pid) ignored SIGTERM for 20 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  say "stopped Canopy pid $pid"
}

run_canopy() {
  if [[ ! -f "$CANOPY_JAR" ]]; then
    say "no $CANOPY_JAR (build coordinator-node first); skipping Canopy"
    return
  fi
  if port_answers "$canopy_port"; then
    say "port $canopy_port on 127.0.0.1 is already in use; skipping Canopy"
    return
  fi
  local data="$OUT/canopy-data" log="$OUT/canopy-server.log" deadline booted=""
  mkdir -p "$data"
  say "starting Canopy on 127.0.0.1:$canopy_port (http $canopy_http_port)"
  # shellcheck disable=SC2086 # option lists
  nohup "$JAVA" $SERVER_JVM_OPTS -jar "$CANOPY_JAR" --canopy.data-dir="$data" --canopy.client-port="$canopy_port" \
    --server.port="$canopy_http_port" --server.address=127.0.0.1 $CANOPY_ARGS > "$log" 2>&1 < /dev/null &
  canopy_pid=$!
  say "Canopy pid $canopy_pid, log $log"
  deadline=$((SECONDS + CANOPY_START_TIMEOUT))
  until port_answers "$canopy_port"; do
    if ! kill -0 "$canopy_pid" 2>/dev/null; then
      say "Canopy exited during startup; last lines of $log:"
      tail -n 20 "$log" >&2 || true
      canopy_pid=""
      return
    fi
    # Spring Boot says "Started ..." once the context is up; the client port should follow promptly.
    if [[ -z "$booted" ]] && grep -q 'Started CanopyNodeApplication' "$log" 2>/dev/null; then
      booted=$SECONDS
      deadline=$(( deadline < SECONDS + 20 ? deadline : SECONDS + 20 ))
    fi
    if (( SECONDS >= deadline )); then
      say "Canopy not listening on $canopy_port (${booted:+20 s after Spring Boot started, }timeout" \
        "${CANOPY_START_TIMEOUT}s); skipping it"
      stop_canopy
      return
    fi
    sleep 0.5
  done
  bench canopy "127.0.0.1:$canopy_port"
  stop_canopy
}

started=$SECONDS
[[ "$only" == "canopy" ]] || run_zookeeper
[[ "$only" == "zookeeper" ]] || run_canopy

if [[ ! -s "$CSV" ]]; then
  say "no results were recorded (see the logs in $OUT)"
  exit 1
fi
{
  echo "### Canopy vs Apache ZooKeeper 3.9.5 (standalone, one node each)"
  echo
  echo "$(nproc) cores, $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}'), $("$JAVA" -version 2>&1 | head -n 1);" \
    "server JVM options \`$SERVER_JVM_OPTS\`; load generator on the same machine; $(date -u +%Y-%m-%d)."
  echo
  "$JAVA" -cp "$BENCH_JAR" io.canopy.bench.BenchMain report "$CSV" --baseline zookeeper --candidate canopy \
    --baseline-name "ZooKeeper 3.9.5" --candidate-name Canopy
} > "$OUT/comparison.md"
echo
cat "$OUT/comparison.md"
say "done in $((SECONDS - started)) s; results in $OUT"
