#!/usr/bin/env bash
# Measures Apache ZooKeeper 3.9.5 and Canopy with the same workloads, one after the other, and prints a markdown
# table with both results and the ratio Canopy / ZooKeeper. Default: one standalone server each; --cluster 3: a
# 3-node ZooKeeper ensemble, then a 3-node Canopy cluster, the load generator connected to all three nodes.
#
#   benchmark/compare.sh [--cluster 1|3] [--duration 10s] [--warmup 3s] [--workload all] [--sessions 32]
#                        [--outstanding 100] [--value-bytes 1024] [--watchers 100] [--churn-concurrency 8]
#                        [--only zookeeper|canopy] [--zk-port 22181] [--canopy-port 22182|22191]
#                        [--canopy-http-port 28080] [--repeat 1] [--passes 1]
#
# --repeat N: N rounds, each with freshly started servers and alternating order (ZooKeeper first in odd rounds,
# Canopy first in even ones, so neither always runs on a cooler or warmer machine); the table then shows each
# side's median and every round's ratio. Run-to-run noise on a 2-core machine is several percent: compare
# medians of 3 or more rounds before concluding.
#
# --passes N: every server runs the whole workload list N times back to back before it is stopped; the table shows
# the last pass (servers warmed by the passes before it, as a long-running server is) and, below it, the first
# (fresh JVMs: the just-in-time compiler is still compiling the hot paths, which on 2 cores takes CPU from the
# server itself). Earlier passes are kept in pass<k>.csv.
#
# Ports: standalone uses the three ports as given. --cluster 3: ZooKeeper client ports zk-port..+2 (peers +101..,
# elections +201..); Canopy client ports canopy-port..+2 (default 22191), Raft peers client port + 7000,
# replication links client port + 7100, HTTP canopy-http-port..+2.
# Output: benchmark/target/compare/<time>-<standalone|3node>/ with results.csv, comparison.md and the servers' logs;
# server data lives in benchmark/target/zk-data and benchmark/target/canopy-data, wiped on every run.
# Environment: SERVER_JVM_OPTS (every server JVM; default "-Xmx2g" standalone, "-Xmx1g" per node with --cluster 3),
# BENCH_JVM_OPTS (load generator, "-Xmx1g"), CANOPY_JAR (default coordinator-node/target/canopy-node.jar),
# CANOPY_ARGS (extra node arguments, default "--canopy.limits.max-client-connections=0": the benchmark opens >60
# sessions from 127.0.0.1), CANOPY_START_TIMEOUT (seconds until every node serves: 90 standalone, 180 cluster),
# ZK_START_TIMEOUT (per ZooKeeper node, 60).
# Everything listens on 127.0.0.1; only the processes this script started are stopped, by PID (SIGTERM, SIGKILL
# after 20 s), also on Ctrl-C and errors.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$BENCH_DIR/.." && pwd)"
LOG_PREFIX=compare
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$BENCH_DIR/lib.sh"
resolve_java
BENCH_JAR="$BENCH_DIR/target/canopy-bench.jar"
CANOPY_JAR="${CANOPY_JAR:-$ROOT_DIR/coordinator-node/target/canopy-node.jar}"
CANOPY_ARGS="${CANOPY_ARGS:---canopy.limits.max-client-connections=0}"
CANOPY_DATA="$BENCH_DIR/target/canopy-data"
BENCH_JVM_OPTS="${BENCH_JVM_OPTS:--Xmx1g}"

cluster=1 duration=10s warmup=3s workload=all sessions=32 outstanding=100 value_bytes=1024 watchers=100 churn=8
only="" zk_port=22181 canopy_port="" canopy_http_port=28080 repeat=1 passes=1 rs=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
  esac
  [[ $# -ge 2 ]] || { echo "compare: option $1 needs a value" >&2; exit 2; }
  case "$1" in
    --cluster) cluster="$2" ;;
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
    --repeat) repeat="$2" ;;
    --passes) passes="$2" ;;
    *) echo "compare: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
case "$cluster" in
  1) topology=standalone topology_text="standalone, one node each" label_suffix=""
     canopy_port="${canopy_port:-22182}"
     export SERVER_JVM_OPTS="${SERVER_JVM_OPTS:--Xmx2g}"
     CANOPY_START_TIMEOUT="${CANOPY_START_TIMEOUT:-90}" ;;
  3) topology=3node label_suffix="-3node"
     topology_text="3-node cluster each, load generator connected to all 3 nodes"
     canopy_port="${canopy_port:-22191}"
     export SERVER_JVM_OPTS="${SERVER_JVM_OPTS:--Xmx1g}"
     CANOPY_START_TIMEOUT="${CANOPY_START_TIMEOUT:-180}" ;;
  *) echo "compare: --cluster must be 1 (standalone) or 3" >&2; exit 2 ;;
esac
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "compare: --repeat must be a positive number of rounds" >&2; exit 2; }
[[ "$passes" =~ ^[1-9][0-9]*$ ]] || { echo "compare: --passes must be a positive number" >&2; exit 2; }
case "$only" in
  ""|zookeeper|canopy) ;;
  *) echo "compare: --only must be zookeeper or canopy" >&2; exit 2 ;;
esac
# CSV labels carry the topology, so rows of different runs stay apart when CSVs are merged.
zk_label="zookeeper$label_suffix" canopy_label="canopy$label_suffix"

OUT="$BENCH_DIR/target/compare/$(date +%Y%m%d-%H%M%S)-$topology"
CSV="$OUT/results.csv"
mkdir -p "$OUT"

if [[ ! -f "$BENCH_JAR" || ! -f "$BENCH_DIR/target/zk-classpath/zookeeper-3.9.5.jar" ]]; then
  say "building the benchmark module"
  (cd "$ROOT_DIR" && ./mvnw -q -pl benchmark package -DskipTests)
fi

# What is running and must be stopped on exit: the load generator (PID of its timeout(1) wrapper), ZooKeeper
# (through run-zookeeper.sh's PID files: "standalone" or "ensemble") and the Canopy node PIDs.
bench_pid="" zk_started="" canopy_pids=()
zk_roles="" canopy_roles=""

cleanup() {
  trap '' INT TERM # a second Ctrl-C must not cut the cleanup short and leave servers behind
  if [[ -n "$bench_pid" ]]; then
    if cmdline_has "$bench_pid" "$BENCH_JAR"; then stop_pids 10 "$bench_pid"; fi
    wait "$bench_pid" 2>/dev/null || true # reap it: no <defunct> left behind
    bench_pid=""
  fi
  if [[ -n "$zk_started" ]]; then stop_zookeeper; fi
  stop_canopy
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bench LABEL CONNECT: runs every workload against one server or cluster, appending to $CSV; never fails the
# script. With --passes N it runs them N times back to back on the same servers: passes before the last append
# to pass<k>.csv, the last one to $CSV. Runs in the background so that Ctrl-C interrupts the wait at once.
bench() {
  local label="$1" connect="$2" rc pass csv suffix
  for ((pass = 1; pass <= passes; pass++)); do
    csv="$CSV" suffix="$rs"
    if (( pass < passes )); then csv="$OUT/pass$pass.csv" suffix="$rs-pass$pass"; fi
    if (( passes > 1 )); then say "measuring $label at $connect, pass $pass of $passes"; else say "measuring $label at $connect"; fi
    rc=0
    # The load generator has its own watchdog; timeout(1) is the backstop should the JVM itself wedge.
    # shellcheck disable=SC2086 # BENCH_JVM_OPTS is a list of options
    timeout --kill-after=10 900 "$JAVA" $BENCH_JVM_OPTS -jar "$BENCH_JAR" --connect "$connect" --label "$label" \
      --workload "$workload" --duration "$duration" --warmup "$warmup" --sessions "$sessions" \
      --outstanding "$outstanding" --value-bytes "$value_bytes" --watchers "$watchers" \
      --churn-concurrency "$churn" --wait 30s --out "$csv" > "$OUT/table-$label$suffix.txt" \
      2> "$OUT/bench-$label$suffix.log" &
    bench_pid=$!
    wait "$bench_pid" || rc=$?
    bench_pid=""
    cat "$OUT/table-$label$suffix.txt"
    if (( rc != 0 )); then say "$label: load generator exited with $rc (see $OUT/bench-$label$suffix.log)"; fi
  done
}

# roles FIRST_PORT COUNT: "leader, follower, ..." as each node's srvr reports it.
roles() {
  local i out=""
  for ((i = 0; i < $2; i++)); do out+="${out:+, }$(server_mode $(($1 + i)))"; done
  echo "$out"
}

stop_zookeeper() {
  if [[ "$zk_started" == ensemble ]]; then
    "$BENCH_DIR/run-zookeeper.sh" ensemble stop || true
  else
    "$BENCH_DIR/run-zookeeper.sh" stop || true
  fi
  zk_started=""
}

run_zookeeper() {
  local connect="" mode=() status i
  (( cluster == 1 )) || mode=(ensemble)
  # Never adopt (and later stop) a ZooKeeper somebody started with run-zookeeper.sh before this run.
  status="$("$BENCH_DIR/run-zookeeper.sh" "${mode[@]}" status)"
  if [[ "$status" == *"running pid"* ]]; then
    say "a ZooKeeper started by run-zookeeper.sh is already running (run-zookeeper.sh ${mode[*]} stop); skipping it"
    return
  fi
  zk_started="${mode[0]:-standalone}" # set before the start: cleanup then stops whatever a cut-short start launched
  if (( cluster == 1 )); then
    say "starting Apache ZooKeeper 3.9.5 standalone on 127.0.0.1:$zk_port"
    if "$BENCH_DIR/run-zookeeper.sh" start --port "$zk_port" > /dev/null; then connect="127.0.0.1:$zk_port"; fi
  else
    say "starting a 3-node Apache ZooKeeper 3.9.5 ensemble on 127.0.0.1:$zk_port-$((zk_port + 2))"
    connect="$("$BENCH_DIR/run-zookeeper.sh" ensemble start --base-port "$zk_port")" || connect=""
  fi
  if [[ -z "$connect" ]]; then
    say "ZooKeeper did not start; skipping it"
    stop_zookeeper
    return
  fi
  if (( cluster > 1 )); then
    zk_roles="$(roles "$zk_port" 3)"
    say "ZooKeeper roles (nodes 1-3): $zk_roles"
  fi
  bench "$zk_label" "$connect"
  stop_zookeeper
  if (( cluster == 1 )); then
    cp "$BENCH_DIR/target/zk-standalone/zk.log" "$OUT/zookeeper-server$rs.log" 2>/dev/null || true
  else
    for i in 1 2 3; do
      cp "$BENCH_DIR/target/zk-ensemble/node$i/zk.log" "$OUT/zookeeper-node$i$rs.log" 2>/dev/null || true
    done
  fi
}

# launch_canopy NAME LOG ARG...: starts one Canopy node in the background and records its PID in canopy_pids.
launch_canopy() {
  local name="$1" log="$2"
  shift 2
  # shellcheck disable=SC2086 # option lists
  nohup "$JAVA" $SERVER_JVM_OPTS -jar "$CANOPY_JAR" "$@" --server.address=127.0.0.1 \
    --canopy.client-address=127.0.0.1 --canopy.peer-address=127.0.0.1 $CANOPY_ARGS > "$log" 2>&1 < /dev/null &
  canopy_pids+=("$!")
  say "$name: pid $!, log $log"
}

# stop_canopy: stops every Canopy node this script started, in parallel (their command lines name $CANOPY_DATA).
stop_canopy() {
  local pid pids=()
  for pid in "${canopy_pids[@]}"; do
    if cmdline_has "$pid" "$CANOPY_DATA"; then pids+=("$pid"); fi
  done
  canopy_pids=()
  if (( ${#pids[@]} > 0 )); then
    stop_pids 20 "${pids[@]}"
    wait "${pids[@]}" 2>/dev/null || true # our children: reap them, no <defunct> left behind
    say "stopped Canopy pid ${pids[*]}"
  fi
}

run_canopy() {
  if [[ ! -f "$CANOPY_JAR" ]]; then
    say "no $CANOPY_JAR (build coordinator-node first); skipping Canopy"
    return
  fi
  local i port busy="" members="" connect="" deadline left
  local clients=() peers=() links=() https=() names=() logs=()
  if (( cluster == 1 )); then
    clients=("$canopy_port") peers=($((canopy_port + 7000))) https=("$canopy_http_port")
    names=(Canopy) logs=("$OUT/canopy-server$rs.log")
  else
    for ((i = 1; i <= cluster; i++)); do
      clients+=($((canopy_port + i - 1))) peers+=($((canopy_port + 7000 + i - 1)))
      links+=($((canopy_port + 7100 + i - 1)))
      https+=($((canopy_http_port + i - 1))) names+=("Canopy node $i") logs+=("$OUT/canopy-node$i$rs.log")
      members+="${members:+,}$i=127.0.0.1:${clients[i - 1]}:${peers[i - 1]}:${links[i - 1]}"
    done
  fi
  for port in "${clients[@]}" "${peers[@]}" "${links[@]}" "${https[@]}"; do
    if port_in_use "$port"; then busy+=" $port"; fi
  done
  if [[ -n "$busy" ]]; then
    say "port(s)$busy on 127.0.0.1 already in use; skipping Canopy"
    return
  fi
  rm -rf "$CANOPY_DATA"
  if (( cluster == 1 )); then
    say "starting Canopy on 127.0.0.1:$canopy_port (http $canopy_http_port)"
    mkdir -p "$CANOPY_DATA/standalone"
    launch_canopy "${names[0]}" "${logs[0]}" --canopy.data-dir="$CANOPY_DATA/standalone" \
      --canopy.client-port="$canopy_port" --server.port="$canopy_http_port"
  else
    say "starting a $cluster-node Canopy cluster: members $members (http ${https[*]})"
    # All at once: each node waits for the others to elect a leader.
    for ((i = 1; i <= cluster; i++)); do
      mkdir -p "$CANOPY_DATA/node$i"
      launch_canopy "${names[i - 1]}" "${logs[i - 1]}" --canopy.node-id="$i" --canopy.cluster.members="$members" \
        --canopy.data-dir="$CANOPY_DATA/node$i" --server.port="${https[i - 1]}"
    done
  fi
  deadline=$((SECONDS + CANOPY_START_TIMEOUT))
  for ((i = 0; i < cluster; i++)); do
    left=$((deadline - SECONDS))
    (( left > 0 )) || left=1
    if ! wait_serving "${names[i]}" "${clients[i]}" "${canopy_pids[i]}" "${logs[i]}" "$left"; then
      say "Canopy did not start; skipping it"
      stop_canopy
      return
    fi
    connect+="${connect:+,}127.0.0.1:${clients[i]}"
  done
  if (( cluster > 1 )); then
    canopy_roles="$(roles "$canopy_port" "$cluster")"
    say "Canopy roles (nodes 1-$cluster): $canopy_roles"
  fi
  bench "$canopy_label" "$connect"
  stop_canopy
}

started=$SECONDS
for ((round = 1; round <= repeat; round++)); do
  rs="" # per-round suffix of the log and table files
  if (( repeat > 1 )); then rs="-round$round"; say "round $round of $repeat"; fi
  if (( round % 2 == 1 )); then
    [[ "$only" == "canopy" ]] || run_zookeeper
    [[ "$only" == "zookeeper" ]] || run_canopy
  else
    [[ "$only" == "zookeeper" ]] || run_canopy
    [[ "$only" == "canopy" ]] || run_zookeeper
  fi
done

# report CSV: the markdown comparison of ZooKeeper and Canopy rows in CSV.
report() {
  "$JAVA" -cp "$BENCH_JAR" io.canopy.bench.BenchMain report "$1" --baseline "$zk_label" \
    --candidate "$canopy_label" --baseline-name "ZooKeeper 3.9.5" --candidate-name Canopy
}

if [[ ! -s "$CSV" ]]; then
  say "no results were recorded (see the logs in $OUT)"
  exit 1
fi
{
  echo "### Canopy vs Apache ZooKeeper 3.9.5 ($topology_text)"
  echo
  if (( cluster > 1 )); then
    echo "Topology: $cluster-node. ZooKeeper ensemble on 127.0.0.1:$zk_port-$((zk_port + 2))" \
      "(roles at start: ${zk_roles:-not measured});" \
      "Canopy cluster on 127.0.0.1:$canopy_port-$((canopy_port + 2))" \
      "(roles at start: ${canopy_roles:-not measured})." \
      "The connect string names all $cluster nodes, each session picks one; every node and the load generator" \
      "share this machine's CPU and disk, so this measures the cost of replication, not scale-out."
    echo
  fi
  echo "$(nproc) cores, $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}'), $("$JAVA" -version 2>&1 | head -n 1);" \
    "server JVM options \`$SERVER_JVM_OPTS\` per node; load generator on the same machine; $(date -u +%Y-%m-%d)."
  echo
  if (( passes > 1 )); then
    echo "Pass $passes of $passes on the same servers (each server ran the whole workload list $((passes - 1)) time(s) before):"
    echo
  fi
  report "$CSV"
  if (( passes > 1 )) && [[ -s "$OUT/pass1.csv" ]]; then
    echo
    echo "Pass 1 of $passes (freshly started servers):"
    echo
    report "$OUT/pass1.csv"
  fi
} > "$OUT/comparison.md"
echo
cat "$OUT/comparison.md"
say "done in $((SECONDS - started)) s; results in $OUT"
