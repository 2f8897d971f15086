#!/usr/bin/env bash
# Writes the broker's configuration from the environment, formats the log directory on the first
# start (kept across restarts in the volume) and runs the broker in the foreground.
set -euo pipefail
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
LISTEN_HOST="${KAFKA_LISTEN_HOST:-0.0.0.0}"
ADVERTISED_HOST="${KAFKA_ADVERTISED_HOST:-$(hostname)}"
DATA=/var/lib/kafka
for name in PORT CONTROLLER_PORT; do
  [[ "${!name}" =~ ^[0-9]{1,5}$ ]] || { echo "kafka: KAFKA_$name must be a port number, got '${!name}'" >&2; exit 2; }
done
CONF="$DATA/server.properties"
cat >"$CONF" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://$LISTEN_HOST:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$ADVERTISED_HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA/log
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
num.network.threads=2
num.io.threads=2
background.threads=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=2097152
PROPERTIES
JAVA=(java -Djava.awt.headless=true -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties -cp '/opt/kafka/lib/*')
if [[ ! -f "$DATA/log/meta.properties" ]]; then
  echo "kafka: formatting $DATA/log (first start)" >&2
  "${JAVA[@]}" -Xmx256m -XX:TieredStopAtLevel=1 kafka.tools.StorageTool format -t tmlContainerKafka01 -c "$CONF" >&2
fi
exec "${JAVA[@]}" -Xms128m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError kafka.Kafka "$CONF"
