#!/usr/bin/env bash
# A local single-node Apache Kafka broker (KRaft, 127.0.0.1 only) from Maven Central jars.
#
#   scripts/kafka.sh start [--fresh]   fetch the jars if missing, make the TLS material if missing,
#                                      format storage if new, start, wait until both listeners answer
#   scripts/kafka.sh stop              stop the broker by its recorded PID (never by name)
#   scripts/kafka.sh status            exit 0 when the recorded broker is running
#   scripts/kafka.sh env               print the connection settings (KEY=value lines)
#
# With --brokers 3 each command acts on a local three-node cluster instead (KRaft, every node broker
# and controller, replication factor 3, min.insync.replicas=2, plaintext only), in
# $TML_KAFKA_RUN_DIR/cluster, on ports from TML_KAFKA_CLUSTER_PORT (19192): node i listens on
# base+2(i-1) and its controller on base+2(i-1)+1. Fault tests add:
#   scripts/kafka.sh start --brokers 3 --node I   start one node again (after a kill)
#   scripts/kafka.sh pids --brokers 3             "node pid port" of each running node
#
# The data directory is kept across stop/start (restart tests rely on it); --fresh wipes it first.
# Environment: TML_KAFKA_PORT (19092), TML_KAFKA_CONTROLLER_PORT (19093), TML_KAFKA_SASL_SSL_PORT
# (19094), TML_KAFKA_RUN_DIR (tools/kafka/run), TML_KAFKA_HEAP (512m), TML_KAFKA_START_TIMEOUT (120 s).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KDIR="$ROOT/tools/kafka"
RUN="${TML_KAFKA_RUN_DIR:-$KDIR/run}"
PORT="${TML_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${TML_KAFKA_CONTROLLER_PORT:-19093}"
SASL_SSL_PORT="${TML_KAFKA_SASL_SSL_PORT:-19094}"
HEAP="${TML_KAFKA_HEAP:-512m}"
START_TIMEOUT="${TML_KAFKA_START_TIMEOUT:-120}"
PID_FILE="$RUN/kafka.pid"
LOG_FILE="$RUN/kafka.log"
TLS_DIR="$RUN/tls"
DATA_DIR="$RUN/data"
# A fixed cluster id: formatting happens once per data directory, so nothing needs it to be random.
CLUSTER_ID="tmlLocalKafkaCluster01"
# Test-only credentials of the local broker (it listens on 127.0.0.1 and holds test data only).
TLS_PASSWORD="tml-local-tls"
ADMIN_USER="tml-admin"
ADMIN_PASSWORD="tml-admin-secret"
RESTRICTED_USER="tml-restricted"
RESTRICTED_PASSWORD="tml-restricted-secret"
LOG4J="-Dlog4j2.configurationFile=$KDIR/log4j2.properties"

say() { echo "kafka: $*" >&2; }
die() {
  say "$*"
  exit 1
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # the PID may have been reused by another process since: check that it is our broker
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $RUN/server.properties" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure_jars() {
  if ! compgen -G "$KDIR/lib/kafka_2.13-*.jar" >/dev/null; then
    command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the broker jars into tools/kafka/lib"
    say "fetching the broker jars with Maven (once) ..."
    (cd "$KDIR" && rm -rf lib && mvn -B -q dependency:copy-dependencies) || die "mvn could not fetch the jars"
  fi
  command -v java >/dev/null || die "Java 17 or newer is needed to run the broker"
}

ensure_tls() {
  [[ -f "$TLS_DIR/broker.p12" && -f "$TLS_DIR/ca.pem" ]] && return 0
  command -v openssl >/dev/null || die "openssl is needed to make the test certificates"
  say "making a test CA and broker certificate in $TLS_DIR"
  rm -rf "$TLS_DIR" && mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
      -subj "/CN=tml local test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem \
      -days 3650 -extfile broker.ext 2>/dev/null
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
      -out broker.p12 -passout "pass:$TLS_PASSWORD"
    rm -f broker.csr broker.ext ca.srl
  ) || die "could not make the test certificates"
}

write_properties() {
  sed -e "s#@PORT@#$PORT#g" -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" \
    -e "s#@SASL_SSL_PORT@#$SASL_SSL_PORT#g" -e "s#@DATA_DIR@#$DATA_DIR#g" -e "s#@TLS_DIR@#$TLS_DIR#g" \
    -e "s#@TLS_PASSWORD@#$TLS_PASSWORD#g" -e "s#@ADMIN_USER@#$ADMIN_USER#g" \
    -e "s#@ADMIN_PASSWORD@#$ADMIN_PASSWORD#g" -e "s#@RESTRICTED_USER@#$RESTRICTED_USER#g" \
    -e "s#@RESTRICTED_PASSWORD@#$RESTRICTED_PASSWORD#g" \
    "$KDIR/server.properties.in" >"$RUN/server.properties"
}

format_storage() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  say "formatting $DATA_DIR"
  local scram=()
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    scram+=(--add-scram "$mechanism=[name=$ADMIN_USER,password=$ADMIN_PASSWORD]")
    scram+=(--add-scram "$mechanism=[name=$RESTRICTED_USER,password=$RESTRICTED_PASSWORD]")
  done
  java -Xmx256m -XX:TieredStopAtLevel=1 "$LOG4J" -cp "$KDIR/lib/*" kafka.tools.StorageTool format \
    -t "$CLUSTER_ID" -c "$RUN/server.properties" "${scram[@]}" >"$RUN/format.log" 2>&1 ||
    {
      cat "$RUN/format.log" >&2
      die "formatting the storage failed"
    }
}

print_env() {
  cat <<ENV
TML_KAFKA_BROKERS=127.0.0.1:$PORT
TML_KAFKA_SASL_SSL_BROKERS=127.0.0.1:$SASL_SSL_PORT
TML_KAFKA_SASL_SSL_CA_FILE=$TLS_DIR/ca.pem
TML_KAFKA_SASL_SSL_USERNAME=$ADMIN_USER
TML_KAFKA_SASL_SSL_PASSWORD=$ADMIN_PASSWORD
TML_KAFKA_SASL_SSL_RESTRICTED_USERNAME=$RESTRICTED_USER
TML_KAFKA_SASL_SSL_RESTRICTED_PASSWORD=$RESTRICTED_PASSWORD
ENV
}

start() {
  local fresh=0
  [[ "${1:-}" == "--fresh" ]] && fresh=1
  mkdir -p "$RUN"
  if pid="$(running_pid)"; then
    if ((fresh)); then
      stop
    else
      say "already running (pid $pid) on 127.0.0.1:$PORT"
      return 0
    fi
  fi
  for port in "$PORT" "$CONTROLLER_PORT" "$SASL_SSL_PORT"; do
    port_open "$port" && die "port $port on 127.0.0.1 is in use by another process (set TML_KAFKA_PORT, TML_KAFKA_CONTROLLER_PORT, TML_KAFKA_SASL_SSL_PORT)"
  done
  ensure_jars
  ensure_tls
  ((fresh)) && rm -rf "$DATA_DIR"
  write_properties
  format_storage
  # setsid: the broker outlives this script and the terminal or test runner that started it
  setsid java "-Xms128m" "-Xmx$HEAP" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true "$LOG4J" -cp "$KDIR/lib/*" kafka.Kafka "$RUN/server.properties" \
    >"$LOG_FILE" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  # the data-plane ports open only once the broker is unfenced, so an open port means ready
  until port_open "$PORT" && port_open "$SASL_SSL_PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      die "the broker exited during start-up (log: $LOG_FILE)"
    fi
    if ((SECONDS > deadline)); then
      tail -n 40 "$LOG_FILE" >&2
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      die "the broker did not open 127.0.0.1:$PORT within ${START_TIMEOUT}s (log: $LOG_FILE)"
    fi
    sleep 0.3
  done
  print_env >"$RUN/kafka.env"
  say "running (pid $pid) on 127.0.0.1:$PORT (SASL_SSL on 127.0.0.1:$SASL_SSL_PORT)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.3
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "no clean shutdown within 30 s; killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  say "stopped (pid $pid)"
}

# ---- the three-broker cluster (--brokers 3) ----
CLUSTER_RUN="$RUN/cluster"
CLUSTER_BASE="${TML_KAFKA_CLUSTER_PORT:-19192}"
CLUSTER_NODES=3
CLUSTER_ID3="tmlLocalKafkaCluster03"

node_port() { echo $((CLUSTER_BASE + 2 * ($1 - 1))); }
node_controller_port() { echo $((CLUSTER_BASE + 2 * ($1 - 1) + 1)); }
node_dir() { echo "$CLUSTER_RUN/node-$1"; }

node_pid() {
  local file
  file="$(node_dir "$1")/kafka.pid"
  [[ -f "$file" ]] || return 1
  local pid
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $(node_dir "$1")/server.properties" || return 1
  echo "$pid"
}

cluster_voters() {
  local voters=() i
  for ((i = 1; i <= CLUSTER_NODES; i++)); do voters+=("$i@127.0.0.1:$(node_controller_port "$i")"); done
  (IFS=,; echo "${voters[*]}")
}

cluster_brokers() {
  local brokers=() i
  for ((i = 1; i <= CLUSTER_NODES; i++)); do brokers+=("127.0.0.1:$(node_port "$i")"); done
  (IFS=,; echo "${brokers[*]}")
}

cluster_start_node() {
  local i=$1 dir
  dir="$(node_dir "$i")"
  if pid="$(node_pid "$i")"; then
    say "node $i already running (pid $pid)"
    return 0
  fi
  mkdir -p "$dir"
  sed -e "s#@NODE_ID@#$i#g" -e "s#@VOTERS@#$(cluster_voters)#g" -e "s#@PORT@#$(node_port "$i")#g" \
    -e "s#@CONTROLLER_PORT@#$(node_controller_port "$i")#g" -e "s#@DATA_DIR@#$dir/data#g" \
    "$KDIR/cluster.properties.in" >"$dir/server.properties"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    java -Xmx256m -XX:TieredStopAtLevel=1 "$LOG4J" -cp "$KDIR/lib/*" kafka.tools.StorageTool format \
      -t "$CLUSTER_ID3" -c "$dir/server.properties" >"$dir/format.log" 2>&1 ||
      {
        cat "$dir/format.log" >&2
        die "formatting node $i failed"
      }
  fi
  setsid java "-Xms128m" "-Xmx$HEAP" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true "$LOG4J" -cp "$KDIR/lib/*" kafka.Kafka "$dir/server.properties" \
    >"$dir/kafka.log" 2>&1 </dev/null &
  echo $! >"$dir/kafka.pid"
}

cluster_wait_node() {
  local i=$1 pid deadline=$((SECONDS + START_TIMEOUT))
  pid="$(cat "$(node_dir "$i")/kafka.pid")"
  until port_open "$(node_port "$i")"; do
    kill -0 "$pid" 2>/dev/null || {
      tail -n 40 "$(node_dir "$i")/kafka.log" >&2
      die "node $i exited during start-up"
    }
    ((SECONDS > deadline)) && {
      tail -n 40 "$(node_dir "$i")/kafka.log" >&2
      die "node $i did not open its port within ${START_TIMEOUT}s"
    }
    sleep 0.3
  done
}

cluster_start() {
  local fresh=$1 node=$2 i
  ensure_jars
  if [[ -n "$node" ]]; then
    cluster_start_node "$node"
    cluster_wait_node "$node"
    say "node $node running (pid $(node_pid "$node")) on 127.0.0.1:$(node_port "$node")"
    return 0
  fi
  if ((fresh)); then
    cluster_stop
    rm -rf "$CLUSTER_RUN"
  fi
  for ((i = 1; i <= CLUSTER_NODES; i++)); do
    node_pid "$i" >/dev/null && continue
    for port in "$(node_port "$i")" "$(node_controller_port "$i")"; do
      port_open "$port" && die "port $port on 127.0.0.1 is in use by another process (set TML_KAFKA_CLUSTER_PORT)"
    done
  done
  # all nodes at once: a node opens its port only once the controller quorum (two of three) stands
  for ((i = 1; i <= CLUSTER_NODES; i++)); do cluster_start_node "$i"; done
  for ((i = 1; i <= CLUSTER_NODES; i++)); do cluster_wait_node "$i"; done
  say "cluster running on $(cluster_brokers)"
}

cluster_stop() {
  local i pid
  for ((i = 1; i <= CLUSTER_NODES; i++)); do
    pid="$(node_pid "$i")" || continue
    kill -TERM "$pid"
  done
  for ((i = 1; i <= CLUSTER_NODES; i++)); do
    pid="$(node_pid "$i")" || continue
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.3
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$(node_dir "$i")/kafka.pid"
  done
  say "cluster stopped"
}

cluster_pids() {
  local i pid
  for ((i = 1; i <= CLUSTER_NODES; i++)); do
    pid="$(node_pid "$i")" && echo "$i $pid $(node_port "$i")"
  done
  return 0
}

cluster_status() {
  local i
  for ((i = 1; i <= CLUSTER_NODES; i++)); do node_pid "$i" >/dev/null || return 1; done
}

cluster() {
  local command=$1 fresh=0 node=""
  shift
  while (($#)); do
    case "$1" in
      --fresh) fresh=1 ;;
      --brokers) shift ;;
      --node) node="$2"; shift ;;
      *) die "unknown option $1" ;;
    esac
    shift
  done
  case "$command" in
    start) cluster_start "$fresh" "$node" ;;
    stop) cluster_stop ;;
    status) cluster_status ;;
    pids) cluster_pids ;;
    env) echo "TML_KAFKA_BROKERS=$(cluster_brokers)" ;;
    *) die "usage: scripts/kafka.sh start|stop|status|pids|env --brokers 3 [--fresh] [--node I]" ;;
  esac
}

brokers_of() {
  while (($#)); do
    [[ "$1" == "--brokers" ]] && { echo "${2:-}"; return; }
    shift
  done
  echo 1
}

BROKERS="$(brokers_of "$@")"
if [[ "$BROKERS" == "3" ]]; then
  cluster "$@"
  exit 0
fi
[[ "$BROKERS" == "1" ]] || die "--brokers takes 1 or 3"

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  status) running_pid >/dev/null ;;
  env) print_env ;;
  *) die "usage: scripts/kafka.sh start [--fresh] | stop | status | env" ;;
esac
